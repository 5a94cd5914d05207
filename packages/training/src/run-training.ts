import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '@dgm-ood/config';
import { datasetFingerprint, iterateBatches, loadDataset, type ImageArray, type LoadedDataset, type LoadDatasetOptions } from '@dgm-ood/data';
import { initEngine } from '@dgm-ood/engine';
import { deriveSeed } from '@dgm-ood/engine/rng';
import { objectLogger, type JobContext, type JsonValue, type MetricPoint } from '@dgm-ood/jobs';
import { readCheckpoint, restoreModel, type AnyModelFamily, type TrainableModel, type TrainingObjective } from '@dgm-ood/models';
import type { ImageBatch } from './batches.js';
import { writeSampleGrid } from './sample-grid-png.js';
import { train } from './trainer.js';
import type { TrainingPlan } from './training-plan.js';

/** Time left: to max_epochs at the current pace, or to the end of the time budget if that comes first. */
function etaText(toMaxEpochs: number | null, budgetLeft: number | null): string | null {
  const seconds = budgetLeft === null ? toMaxEpochs : toMaxEpochs === null ? budgetLeft : Math.min(toMaxEpochs, budgetLeft);
  return seconds === null ? null : `${Math.max(0, Math.round(seconds / 60))}m`;
}

/** Training fills a job's progress up to here; the test evaluation after it is the last percent (progress never goes back). */
const TEST_PHASE_FROM = 0.99;
const scaled = (trainingFraction: number | undefined) => (trainingFraction === undefined ? undefined : trainingFraction * TEST_PHASE_FROM);

/**
 * The job's fraction done: of all its steps, or of its time budget when that ends the job sooner (a budgeted
 * job is usually stopped by its clock long before max_epochs).
 */
export function jobFraction(step: number, totalSteps: number | null, spentMs: number, budgetMs: number | null): number | undefined {
  const byStep = totalSteps ? step / totalSteps : undefined;
  const byTime = budgetMs ? spentMs / budgetMs : undefined;
  const f = byStep === undefined ? byTime : byTime === undefined ? byStep : Math.max(byStep, byTime);
  return f === undefined ? undefined : Math.min(1, f);
}

/** Training time spent by earlier attempts, so a time budget covers the whole job. */
function readSpentMs(workdir: string): number {
  const file = join(workdir, 'training-time.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { ms: number }).ms : 0;
}

function firstImages<T extends ImageArray>(data: T, n: number | null): T {
  if (n === null || n >= data.shape[0]) return data;
  const per = data.shape[1] * data.shape[2] * data.shape[3];
  return { ...data, images: data.images.subarray(0, n * per), shape: [n, data.shape[1], data.shape[2], data.shape[3]] };
}

const hostBatches = (data: ImageArray, batchSize: number, options: { shuffle?: boolean; seed?: number; epoch?: number; dropLast?: boolean }) =>
  function* (): Generator<ImageBatch> {
    for (const b of iterateBatches(data, { batchSize, ...options })) yield { data: b.images, shape: b.shape, layout: 'NCHW' };
  };

/** Mean test loss in evaluation mode (no dropout), and the objective's metrics of it. */
async function testLoss(objective: TrainingObjective, test: ImageArray, batchSize: number, seed: number): Promise<number> {
  let total = 0;
  let count = 0;
  let step = 0;
  for (const batch of iterateBatches(test, { batchSize })) {
    const sum = tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(batch.images, batch.shape), [0, 2, 3, 1]) as tf.Tensor4D;
      return tf.mul(objective.loss(x, { training: false, seed: deriveSeed(seed, step++) }), batch.shape[0]);
    });
    total += (await sum.data())[0]!;
    sum.dispose();
    count += batch.shape[0];
  }
  return total / count;
}

/**
 * The family's costlier test evaluation (`trainer.test_evaluation`) on the first `points` test images: the
 * mean per-image value, its metrics (recorded as `test_<metric>` series points) and the settings used.
 */
async function runTestEvaluation(ctx: JobContext, objective: TrainingObjective, plan: TrainingPlan, test: ImageArray, epoch: number): Promise<JsonValue> {
  const { points, batchSize, settings } = plan.testEvaluation!;
  if (!objective.testEvaluation) throw new Error('this family has no test evaluation');
  const evaluation = objective.testEvaluation(settings);
  const data = firstImages(test, points);
  const n = data.shape[0];
  const started = Date.now();
  let total = 0;
  let done = 0;
  let index = 0;
  for (const batch of iterateBatches(data, { batchSize })) {
    const x = tf.tidy(() => tf.transpose(tf.tensor4d(batch.images, batch.shape), [0, 2, 3, 1]) as tf.Tensor4D);
    try {
      const values = await evaluation.batch(x, deriveSeed(plan.seed, 0x7e58, index++));
      for (const v of values) {
        if (!Number.isFinite(v)) throw new Error(`test evaluation ${evaluation.name}: a non-finite value in test batch ${index - 1}`);
        total += v;
      }
    } finally {
      x.dispose();
    }
    done += batch.shape[0];
    const perImage = (Date.now() - started) / 1000 / done;
    await ctx.progress({
      fraction: TEST_PHASE_FROM + (1 - TEST_PHASE_FROM) * (done / n),
      message: `test ${evaluation.name}: ${done}/${n} images, ${Math.round(perImage * (n - done))} s left`,
    });
  }
  const mean = total / n;
  const metrics = evaluation.metrics(mean);
  const shown = Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
  ctx.log.info(`test ${evaluation.name} ${mean.toFixed(2)} (${shown}) on ${n} images in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await ctx.metrics([
    { name: `test_${evaluation.name}`, scope: 'epoch', step: epoch, epoch, value: mean },
    ...Object.entries(metrics).map(([k, v]) => ({ name: `test_${k}`, scope: 'epoch' as const, step: epoch, epoch, value: v })),
  ]);
  return { name: evaluation.name, mean, metrics, points: n, settings, seconds: (Date.now() - started) / 1000 };
}

/** The `train` job of any registered family: data, model, resumable training, checkpoints as artifacts. */
export async function runTraining(ctx: JobContext, plan: TrainingPlan, family: AnyModelFamily): Promise<JsonValue> {
  const engine = await initEngine({ logger: objectLogger(ctx.log, 'engine') });
  ctx.log.info(`backend ${engine.backend}: ${engine.reason}`);
  await ctx.progress({ backend: engine.backend, message: `engine: ${engine.backend}` });
  const { dataDir } = loadConfig();
  const dataOptions: LoadDatasetOptions = {
    dataDir,
    validFraction: plan.validFraction,
    ...(plan.size ? { size: plan.size } : {}),
    ...(plan.medmnist ? { medmnist: plan.medmnist } : {}),
    logger: objectLogger(ctx.log, 'data'),
  };
  await ctx.progress({ message: `loading ${plan.dataset}` });
  const train_ = firstImages(await loadDataset(plan.dataset, 'train', dataOptions), plan.trainingLimit);
  const valid = plan.validFraction > 0 ? firstImages(await loadDataset(plan.dataset, 'valid', dataOptions), plan.validLimit) : undefined;
  const test = firstImages(await loadDataset(plan.dataset, 'test', dataOptions), plan.testPoints);
  ctx.log.info('data', { train: train_.shape[0], valid: valid?.shape[0] ?? 0, test: test.shape[0] });
  const fingerprints = [train_, valid, test].filter((d): d is LoadedDataset => d !== undefined).map((d) => datasetFingerprint(d));
  await ctx.provenance({
    family: family.name,
    seeds: { trainer: plan.seed, model: plan.seed },
    datasets: fingerprints as unknown as JsonValue,
  });

  const spec = family.readSpec(plan.model, { path: 'model', seed: plan.seed });
  const model: TrainableModel = await family.build(spec);
  const objective = family.objective(model);
  ctx.log.info('model', { family: family.name, parameters: model.numParameters(), ...(family.describe ? { architecture: family.describe(model) } : {}) });
  const spent = readSpentMs(ctx.workdir);
  const attemptStart = Date.now();
  const budget = new AbortController();
  const budgetMs = plan.maxMinutes === null ? null : plan.maxMinutes * 60_000;
  const budgetLeftMs = budgetMs === null ? null : budgetMs - spent;
  const timer = budgetLeftMs === null ? undefined : setTimeout(() => budget.abort('time budget'), Math.max(0, budgetLeftMs));
  const stepsPerEpoch = Math.floor(train_.shape[0] / plan.batchSize);
  await mkdir(join(ctx.workdir, 'samples'), { recursive: true });
  // The metric series: buffered per step, written with each progress report, epoch end and checkpoint (so
  // every step up to a checkpoint is recorded before a crash could lose it; redone steps replace theirs).
  const series: MetricPoint[] = [];
  const flushSeries = async () => {
    if (series.length > 0) await ctx.metrics(series.splice(0));
  };
  let result;
  try {
    result = await train({
      family,
      model,
      objective,
      data: {
        train: (epoch) => hostBatches(train_, plan.batchSize, { shuffle: true, seed: plan.seed, epoch, dropLast: true })(),
        // A function of the epoch: the trainer reads the validation set anew every epoch.
        ...(valid ? { valid: () => hostBatches(valid, plan.validBatchSize, {})() } : {}),
      },
      workdir: ctx.workdir,
      maxEpochs: plan.maxEpochs,
      optimizer: { lr: plan.lr, weightDecay: plan.weightDecay },
      lrGamma: plan.lrGamma,
      maxGradNorm: plan.maxGradNorm,
      patience: plan.patience,
      checkpointEverySteps: plan.checkpointEverySteps,
      seed: plan.seed,
      emaDecay: plan.emaDecay,
      ...(plan.microBatchSize ? { microBatchSize: plan.microBatchSize } : {}),
      stepsPerEpoch,
      progressEverySteps: plan.progressEverySteps,
      signal: AbortSignal.any([ctx.signal, budget.signal]),
      onStep: (p) => {
        const at = { scope: 'step' as const, step: p.step, epoch: p.epoch };
        series.push({ ...at, name: objective.lossName, value: p.loss }, { ...at, name: 'lr', value: p.lr }, { ...at, name: 'grad_norm', value: p.gradNorm });
        for (const [name, value] of Object.entries(p.metrics)) series.push({ ...at, name, value });
      },
      onProgress: async (p) => {
        await flushSeries();
        await ctx.progress({
          phase: p.phase,
          epoch: p.epoch + 1,
          maxEpochs: p.maxEpochs,
          step: p.step,
          loss: p.loss,
          ...p.metrics,
          lr: p.lr,
          eta: etaText(p.etaSeconds, budgetLeftMs === null ? null : (budgetLeftMs - (Date.now() - attemptStart)) / 1000),
          fraction: scaled(jobFraction(p.step, stepsPerEpoch ? stepsPerEpoch * p.maxEpochs : null, spent + (Date.now() - attemptStart), budgetMs)),
        });
      },
      onEpochEnd: async (s) => {
        const at = { scope: 'epoch' as const, step: s.epoch, epoch: s.epoch };
        series.push({ ...at, name: `train_${objective.lossName}`, value: s.trainLoss }, { ...at, name: 'lr', value: s.lr }, { ...at, name: 'seconds', value: s.seconds });
        if (s.validLoss !== null) series.push({ ...at, name: `valid_${objective.lossName}`, value: s.validLoss });
        for (const [name, value] of Object.entries(s.metrics)) series.push({ ...at, name, value });
        await flushSeries();
        const shown = Object.entries(s.metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
        ctx.log.info(`epoch ${s.epoch + 1}: train ${objective.lossName} ${s.trainLoss.toFixed(4)}, valid ${s.validLoss?.toFixed(4) ?? '—'}${shown ? ` (${shown})` : ''}`, {
          trainLoss: s.trainLoss, validLoss: s.validLoss, seconds: s.seconds, improved: s.improved, ...s.metrics,
        });
        // A grid of 9 samples for a person to look at, when the family can sample.
        const sample = plan.sampleEveryEpochs > 0 && (s.epoch + 1) % plan.sampleEveryEpochs === 0 ? (await family.capabilitiesOf(model)).sample : undefined;
        if (sample) {
          const name = `samples/epoch-${String(s.epoch + 1).padStart(3, '0')}.png`;
          const images = await sample(9, plan.seed + s.epoch);
          await writeSampleGrid(images, join(ctx.workdir, name));
          images.dispose();
          await ctx.artifacts.save(name, 'samples');
        }
      },
      onCheckpoint: async (c) => {
        await flushSeries();
        writeFileSync(join(ctx.workdir, 'training-time.json'), JSON.stringify({ ms: spent + (Date.now() - attemptStart) }));
        // The blob before the manifest that names it (the checkpoint's own commit order): a kill between the two
        // must leave the artifact store with the previous manifest, never a manifest whose blob it lacks.
        for (const file of [c.blobPath, c.manifestPath]) await ctx.artifacts.save(relative(ctx.workdir, file), 'checkpoint');
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
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (ctx.signal.aborted) throw new Error(`training stopped: ${String(ctx.signal.reason)} (checkpoint saved at step ${result.globalStep})`);
  const trainSeconds = (spent + (Date.now() - attemptStart)) / 1000;
  await ctx.progress({ fraction: TEST_PHASE_FROM, message: `evaluating the test ${objective.lossName}` });
  // The test metric of the weights OOD methods will load: best_valid when there is one, in the checkpoint's weights.
  const chosen = result.checkpoints.bestValid ? 'best_valid' : 'latest';
  const checkpoint = await readCheckpoint(join(ctx.workdir, 'checkpoints'), chosen);
  if (checkpoint) restoreModel(model, checkpoint, checkpoint.manifest.weights);
  const loss = await testLoss(objective, test, plan.testBatchSize, deriveSeed(plan.seed, 0x7e57));
  const testMetrics = objective.metrics?.(loss) ?? {};
  const shown = Object.entries(testMetrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
  ctx.log.info(`test ${objective.lossName} ${loss.toFixed(4)}${shown ? ` (${shown})` : ''} after ${result.epochsCompleted} epochs (${result.stopReason})`);
  await ctx.metrics([
    { name: `test_${objective.lossName}`, scope: 'epoch', step: result.epochsCompleted, epoch: result.epochsCompleted, value: loss },
    ...Object.entries(testMetrics).map(([k, v]) => ({ name: `test_${k}`, scope: 'epoch' as const, step: result.epochsCompleted, epoch: result.epochsCompleted, value: v })),
  ]);
  const evaluation = plan.testEvaluation ? await runTestEvaluation(ctx, objective, plan, test, result.epochsCompleted) : null;
  await ctx.progress({ fraction: 1, message: `test ${shown || `${objective.lossName} ${loss.toFixed(4)}`}` });
  const summary: { [key: string]: JsonValue } = {
    backend: engine.backend,
    family: family.name,
    parameters: model.numParameters(),
    stopReason: budget.signal.aborted ? 'time_budget' : result.stopReason,
    epochs: result.epochsCompleted,
    steps: result.globalStep,
    bestValidLoss: result.bestValidLoss,
    bestEpoch: result.bestEpoch,
    validatedEpochs: result.history.filter((h) => h.validLoss !== null).length,
    testLoss: loss,
    testPoints: test.shape[0],
    trainSeconds,
    checkpoint: chosen,
    weights: checkpoint?.manifest.weights ?? 'raw',
    resumedFrom: result.resumedFrom as unknown as JsonValue,
    ...(evaluation ? { testEvaluation: evaluation } : {}),
  };
  // Family metrics of the test loss under camel-case names too (`testBitsPerDim`), as before named scores.
  for (const [k, v] of Object.entries(testMetrics)) summary[`test${k.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}`] = v;
  model.dispose();
  return summary;
}
