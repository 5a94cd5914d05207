import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '@dgm-ood/config';
import { iterateBatches, loadDataset, type ImageArray, type LoadDatasetOptions } from '@dgm-ood/data';
import { initEngine } from '@dgm-ood/engine';
import {
  buildFlowModel, describeArchitecture, imageGrid, isFlowError, loadFlowModel, nllToBitsPerDim, resolveFlowModelSpec, trainFlow,
  type FlowBatch, type FlowModel,
} from '@dgm-ood/flows';
import { DeterministicJobError, objectLogger, type JobContext, type JsonValue } from '@dgm-ood/jobs';
import type { TrainingPlan } from './training-plan.js';

/** Time left: to max_epochs at the current pace, or to the end of the time budget if that comes first. */
function etaText(toMaxEpochs: number | null, budgetLeft: number | null): string | null {
  const seconds = budgetLeft === null ? toMaxEpochs : toMaxEpochs === null ? budgetLeft : Math.min(toMaxEpochs, budgetLeft);
  return seconds === null ? null : `${Math.max(0, Math.round(seconds / 60))}m`;
}

/** Training time spent by earlier attempts, so a time budget covers the whole job. */
function readSpentMs(workdir: string): number {
  const file = join(workdir, 'training-time.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { ms: number }).ms : 0;
}

function firstImages(data: ImageArray, n: number | null): ImageArray {
  if (n === null || n >= data.shape[0]) return data;
  const per = data.shape[1] * data.shape[2] * data.shape[3];
  return { images: data.images.subarray(0, n * per), shape: [n, data.shape[1], data.shape[2], data.shape[3]] };
}

const hostBatches = (data: ImageArray, batchSize: number, options: { shuffle?: boolean; seed?: number; epoch?: number; dropLast?: boolean }) =>
  (function* (): Generator<FlowBatch> {
    for (const b of iterateBatches(data, { batchSize, ...options })) yield { data: b.images, shape: b.shape, layout: 'NCHW' };
  })();

async function writeSampleGrid(model: FlowModel, path: string, seed: number): Promise<void> {
  const samples = await model.sample(9, { seed, batchSize: 9 });
  const values = await samples.data();
  const grid = imageGrid(values, samples.shape as [number, number, number, number], { columns: 3 });
  samples.dispose();
  await sharp(Buffer.from(grid.data), { raw: { width: grid.width, height: grid.height, channels: grid.channels as 1 | 3 } }).png().toFile(path);
}

/** Mean test NLL → bits/dim, in evaluation mode (no dropout), dequantized as in training. */
async function testBitsPerDim(model: FlowModel, test: ImageArray, batchSize: number, seed: number): Promise<number> {
  const tf = (await initEngine()).tf;
  let total = 0;
  let count = 0;
  let step = 0;
  for (const batch of iterateBatches(test, { batchSize })) {
    const nll = tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(batch.images, batch.shape), [0, 2, 3, 1]);
      return model.logProb(x, { seed: seed * 7919 + step++ }).neg().sum();
    });
    total += (await nll.data())[0]!;
    nll.dispose();
    count += batch.shape[0];
  }
  const dim = test.shape[1] * test.shape[2] * test.shape[3];
  return nllToBitsPerDim(total / count, dim);
}

/** The `train` job of a normalizing flow: data, model, resumable training, checkpoints as artifacts. */
export async function runFlowTraining(ctx: JobContext, plan: TrainingPlan): Promise<JsonValue> {
  const engine = await initEngine({ logger: objectLogger(ctx.log, 'engine') });
  ctx.log.info(`backend ${engine.backend}: ${engine.reason}`);
  await ctx.progress({ backend: engine.backend, message: `engine: ${engine.backend}` });
  const { dataDir } = loadConfig();
  const dataOptions: LoadDatasetOptions = {
    dataDir,
    validFraction: plan.validFraction,
    ...(plan.size ? { size: plan.size } : {}),
    logger: objectLogger(ctx.log, 'data'),
  };
  await ctx.progress({ message: `loading ${plan.dataset}` });
  const train = firstImages(await loadDataset(plan.dataset, 'train', dataOptions), plan.trainingLimit);
  const valid = plan.validFraction > 0 ? await loadDataset(plan.dataset, 'valid', dataOptions) : undefined;
  const test = firstImages(await loadDataset(plan.dataset, 'test', dataOptions), plan.testPoints);
  ctx.log.info('data', { train: train.shape[0], valid: valid?.shape[0] ?? 0, test: test.shape[0] });

  let spec;
  try {
    spec = resolveFlowModelSpec(plan.model, { seed: plan.seed, path: 'model' });
  } catch (error) {
    throw new DeterministicJobError((error as Error).message);
  }
  const model = buildFlowModel(spec);
  const architecture = describeArchitecture(model);
  ctx.log.info('model', { parameters: model.numParameters(), levels: architecture as unknown as Record<string, unknown> });

  const spent = readSpentMs(ctx.workdir);
  const attemptStart = Date.now();
  const budget = new AbortController();
  const budgetMs = plan.maxMinutes === null ? null : plan.maxMinutes * 60_000 - spent;
  const timer = budgetMs === null ? undefined : setTimeout(() => budget.abort('time budget'), Math.max(0, budgetMs));
  const stepsPerEpoch = Math.floor(train.shape[0] / plan.batchSize);
  await mkdir(join(ctx.workdir, 'samples'), { recursive: true });
  let result;
  try {
    result = await trainFlow({
      model,
      data: {
        train: (epoch) => hostBatches(train, plan.batchSize, { shuffle: true, seed: plan.seed, epoch, dropLast: true }),
        ...(valid ? { valid: hostBatches(valid, plan.validBatchSize, {}) as unknown as FlowBatch[] } : {}),
      },
      workdir: ctx.workdir,
      maxEpochs: plan.maxEpochs,
      optimizer: { lr: plan.lr, weightDecay: plan.weightDecay },
      lrGamma: plan.lrGamma,
      maxGradNorm: plan.maxGradNorm,
      patience: plan.patience,
      checkpointEverySteps: plan.checkpointEverySteps,
      seed: plan.seed,
      stepsPerEpoch,
      progressEverySteps: 10,
      signal: AbortSignal.any([ctx.signal, budget.signal]),
      onProgress: async (p) => {
        await ctx.progress({
          phase: p.phase, epoch: p.epoch + 1, maxEpochs: p.maxEpochs, step: p.step, loss: p.loss, bitsPerDim: p.bitsPerDim,
          eta: etaText(p.etaSeconds, budgetMs === null ? null : (budgetMs - (Date.now() - attemptStart)) / 1000),
          fraction: stepsPerEpoch ? Math.min(1, p.step / (stepsPerEpoch * p.maxEpochs)) : undefined,
        });
      },
      onEpochEnd: async (s) => {
        ctx.log.info(`epoch ${s.epoch + 1}: train ${s.trainBitsPerDim.toFixed(3)} bits/dim, valid ${s.validBitsPerDim?.toFixed(3) ?? '—'}`, {
          trainLoss: s.trainLoss, validLoss: s.validLoss, seconds: s.seconds, improved: s.improved,
        });
        if (plan.sampleEveryEpochs > 0 && (s.epoch + 1) % plan.sampleEveryEpochs === 0) {
          const name = `samples/epoch-${String(s.epoch + 1).padStart(3, '0')}.png`;
          await writeSampleGrid(s.model, join(ctx.workdir, name), plan.seed + s.epoch);
          await ctx.artifacts.save(name, 'samples');
        }
      },
      onCheckpoint: async (c) => {
        writeFileSync(join(ctx.workdir, 'training-time.json'), JSON.stringify({ ms: spent + (Date.now() - attemptStart) }));
        for (const file of [c.manifestPath, c.blobPath]) await ctx.artifacts.save(relative(ctx.workdir, file), 'checkpoint');
        await ctx.artifacts.save('training-time.json', 'other');
        // Each checkpoint's weights live in a new content-named blob and the previous one is deleted:
        // forget the replaced blobs, or a resumed attempt would try to restore files that no longer exist.
        const current = relative(ctx.workdir, c.blobPath);
        for (const artifact of await ctx.artifacts.list()) {
          if (artifact.name !== current && artifact.name.startsWith(`checkpoints/${c.kind}.`) && artifact.name.endsWith('.bin')) {
            await ctx.artifacts.remove(artifact.name);
          }
        }
      },
    });
  } catch (error) {
    // Non-finite loss/gradients: deterministic (a retry would diverge again).
    if (isFlowError(error) && /NONFINITE/.test((error as { code: string }).code)) throw new DeterministicJobError((error as Error).message);
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (ctx.signal.aborted) throw new Error(`training stopped: ${String(ctx.signal.reason)} (checkpoint saved at step ${result.globalStep})`);
  const trainSeconds = (spent + (Date.now() - attemptStart)) / 1000;

  await ctx.progress({ message: 'evaluating test bits/dim' });
  const best = result.checkpoints.bestValid ? await loadFlowModel(join(ctx.workdir, 'checkpoints'), 'best_valid') : model;
  const testBpd = await testBitsPerDim(best, test, plan.testBatchSize, plan.seed + 1);
  ctx.log.info(`test ${testBpd.toFixed(3)} bits/dim after ${result.epochsCompleted} epochs (${result.stopReason})`);
  await ctx.progress({ fraction: 1, message: `test ${testBpd.toFixed(3)} bits/dim` });
  return {
    backend: engine.backend,
    parameters: model.numParameters(),
    stopReason: budget.signal.aborted ? 'time_budget' : result.stopReason,
    epochs: result.epochsCompleted,
    steps: result.globalStep,
    bestValidLoss: result.bestValidLoss,
    bestEpoch: result.bestEpoch,
    testBitsPerDim: testBpd,
    testPoints: test.shape[0],
    trainSeconds,
    checkpoint: result.checkpoints.bestValid ? 'best_valid' : 'latest',
    resumedFrom: result.resumedFrom as unknown as JsonValue,
  };
}
