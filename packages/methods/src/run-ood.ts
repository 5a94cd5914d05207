import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '@dgm-ood/config';
import { loadDataset, writeSamplesAsPng, type ImageArray, type LoadDatasetOptions } from '@dgm-ood/data';
import { initEngine } from '@dgm-ood/engine';
import { loadFlowModel, type FlowModel } from '@dgm-ood/flows';
import { DeterministicJobError, objectLogger, type JobContext, type JsonValue, type ResultRow } from '@dgm-ood/jobs';
import { calibrateScale, thresholdLid } from '@dgm-ood/lid';
import { flowJacobianSpectrum, flowLogLikelihood, type SpectrumTiming } from './flow-lid.js';
import { lpcaTarget } from './lpca-target.js';
import type { OodPlan } from './ood-plan.js';

interface Progress {
  target?: { dimension: number; source: string };
  scale?: number;
  /** point index → [log-likelihood, LID or null] */
  scores: Record<string, [number, number | null]>;
}

async function loadModel(dir: string, preferred: OodPlan['checkpoint']): Promise<FlowModel> {
  const checkpoints = join(dir, 'checkpoints');
  for (const name of preferred === 'best_valid' ? ['best_valid', 'latest'] : ['latest']) {
    if (existsSync(join(checkpoints, `${name}.json`))) {
      const model = await loadFlowModel(checkpoints, name);
      await model.prepareInverse();
      return model;
    }
  }
  throw new DeterministicJobError(`no flow checkpoint (${preferred}) in ${checkpoints}`);
}

/** One raw image as an NHWC tensor [1, H, W, C] (data arrays are NCHW). */
function imageAt(data: ImageArray, index: number): tf.Tensor4D {
  const [, c, h, w] = data.shape;
  const per = c * h * w;
  return tf.tidy(() =>
    tf.transpose(tf.tensor4d(Float32Array.from(data.images.subarray(index * per, (index + 1) * per)), [1, c, h, w]), [0, 2, 3, 1]),
  ) as tf.Tensor4D;
}

/** `length` seeded samples of a model as PNGs `1.png…N.png` (reused when already complete). */
async function generatedSamples(model: FlowModel, dir: string, seed: number, length: number): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).filter((f) => f.endsWith('.png')).length === length) return;
  const all = await model.sample(length, { seed, batchSize: 100 });
  const nchw = tf.transpose(all, [0, 3, 1, 2]);
  const values = (await nchw.data()) as Float32Array;
  await writeSamplesAsPng(dir, values, nchw.shape as [number, number, number, number]);
  tf.dispose([all, nchw]);
}

export async function runOod(ctx: JobContext, plan: OodPlan): Promise<JsonValue> {
  const engine = await initEngine({ logger: objectLogger(ctx.log, 'engine') });
  await ctx.progress({ backend: engine.backend, message: `engine: ${engine.backend}` });
  const modelDir = 'reference' in plan.model ? ctx.models.base_model?.workdir : plan.model.directory;
  if (!modelDir) throw new DeterministicJobError('config base_model: the model reference was not resolved by the worker');
  const model = await loadModel(modelDir, plan.checkpoint);
  const { dataDir, modelDir: modelRoot } = loadConfig();
  const dataLogger = objectLogger(ctx.log, 'data');
  const dataOptions: LoadDatasetOptions = { dataDir, validFraction: 0, logger: dataLogger };

  // The points to score.
  let points: ImageArray;
  if (plan.generated) {
    const source = ctx.models[plan.generated.modelPath];
    if (!source) throw new DeterministicJobError(`config ${plan.generated.modelPath}: the model reference was not resolved by the worker`);
    const generator = source.workdir === modelDir ? model : await loadModel(source.workdir, plan.checkpoint);
    const dir = join(ctx.workdir, `generated-seed${plan.generated.seed}-n${plan.generated.length}`);
    await ctx.progress({ message: `sampling ${plan.generated.length} images from the model` });
    await generatedSamples(generator, dir, plan.generated.seed, plan.generated.length);
    points = await loadDataset('dgm-generated', plan.split, { ...dataOptions, generated: { dir, length: plan.generated.length } });
  } else {
    points = await loadDataset(plan.dataset, plan.split, dataOptions);
  }
  const count = Math.min(plan.points, points.shape[0]);
  if (count < plan.points) ctx.log.warn(`only ${count} points in ${plan.dataset}/${plan.split}; ${plan.points} asked`);

  const progressFile = join(ctx.workdir, 'ood-progress.json');
  const progress: Progress = existsSync(progressFile) ? (JSON.parse(readFileSync(progressFile, 'utf8')) as Progress) : { scores: {} };
  const saveProgress = async () => {
    writeFileSync(progressFile, JSON.stringify(progress));
    await ctx.artifacts.save('ood-progress.json', 'progress');
  };
  const resumed = Object.keys(progress.scores).length;
  if (resumed > 0) ctx.log.info(`resuming: ${resumed} points already scored`);

  const timing: SpectrumTiming = { jacobianMs: 0, eigenMs: 0 };
  let calibrationPoints = 0;
  // The calibration depends only on the model and the calibration settings: the OOD jobs of one model
  // (its test split, other datasets, its samples) share it through a cache on this machine.
  const modelJob = 'reference' in plan.model ? ctx.models.base_model?.jobId : plan.model.directory;
  const calibrationKey = createHash('sha256')
    .update(JSON.stringify([modelJob, plan.checkpoint, plan.inDistribution, plan.target, plan.lpcaPoints, plan.calibrationPoints, plan.scaleRange, plan.bisectionSteps, plan.seed]))
    .digest('hex')
    .slice(0, 24);
  const cacheFile = join(modelRoot, 'calibrations', `${calibrationKey}.json`);
  if (plan.method === 'lid' && progress.scale === undefined && existsSync(cacheFile)) {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { target: Progress['target']; scale: number; calibrationPoints: number };
    progress.target = cached.target;
    progress.scale = cached.scale;
    ctx.log.info(`calibration reused (${cacheFile}): scale ${cached.scale.toFixed(4)}, target ${cached.target!.dimension}`);
    await saveProgress();
  }
  if (plan.method === 'lid' && progress.scale === undefined) {
    const train = await loadDataset(plan.inDistribution, 'train', dataOptions);
    if (!progress.target) {
      if (plan.target === 'lpca') {
        await ctx.progress({ phase: 'calibration', message: `LPCA dimension of ${plan.inDistribution} (${plan.lpcaPoints} images)` });
        const lpca = await lpcaTarget(train, plan.lpcaPoints);
        progress.target = { dimension: lpca.dimension, source: `lpca(${lpca.rows} ${plan.inDistribution} training images, alpha 0.001)` };
      } else {
        progress.target = { dimension: plan.target, source: 'config' };
      }
      ctx.log.info(`calibration target: LID ${progress.target.dimension} (${progress.target.source})`);
    }
    calibrationPoints = Math.min(plan.calibrationPoints, train.shape[0]);
    const spectra: Float64Array[] = [];
    for (let i = 0; i < calibrationPoints; i++) {
      if (ctx.signal.aborted) throw new Error(`stopped during calibration: ${String(ctx.signal.reason)}`);
      const image = imageAt(train, i);
      spectra.push(await flowJacobianSpectrum(model, image, plan.seed * 1_000_003 + 500_000 + i, timing));
      image.dispose();
      await ctx.progress({ phase: 'calibration', message: `calibration spectra ${i + 1}/${calibrationPoints}`, fraction: 0 });
    }
    progress.scale = calibrateScale(spectra, progress.target.dimension, { low: plan.scaleRange[0], high: plan.scaleRange[1], steps: plan.bisectionSteps });
    ctx.log.info(`calibrated scale ${progress.scale.toFixed(4)} (mean LID ${progress.target.dimension} over ${calibrationPoints} training points)`);
    await saveProgress();
    mkdirSync(join(modelRoot, 'calibrations'), { recursive: true });
    const temp = `${cacheFile}.${process.pid}`;
    writeFileSync(temp, JSON.stringify({ target: progress.target, scale: progress.scale, calibrationPoints, modelJob, createdAt: new Date().toISOString() }));
    renameSync(temp, cacheFile);
  }

  const started = performance.now();
  let scoredNow = 0;
  for (let i = 0; i < count; i++) {
    if (progress.scores[i] !== undefined) continue;
    if (ctx.signal.aborted) {
      await saveProgress();
      throw new Error(`stopped after ${Object.keys(progress.scores).length} points: ${String(ctx.signal.reason)}`);
    }
    const image = imageAt(points, i);
    const [ll] = await flowLogLikelihood(model, image, plan.seed * 1_000_003 + 2 * i + 1);
    let lid: number | null = null;
    if (plan.method === 'lid') {
      const spectrum = await flowJacobianSpectrum(model, image, plan.seed * 1_000_003 + 2 * i, timing);
      lid = thresholdLid(spectrum, progress.scale!);
    }
    image.dispose();
    progress.scores[i] = [ll!, lid];
    scoredNow++;
    const done = Object.keys(progress.scores).length;
    await ctx.progress({ phase: 'scoring', scored: done, of: count, fraction: done / count, ...(progress.scale !== undefined ? { scale: progress.scale } : {}) });
    if (done % plan.checkpointEvery === 0) await saveProgress();
  }
  const seconds = (performance.now() - started) / 1000;

  const rows: ResultRow[] = [];
  for (let i = 0; i < count; i++) {
    const [ll, lid] = progress.scores[i]!;
    rows.push({ dataset: plan.dataset, split: plan.split, pointIndex: i, logLikelihood: ll, lid });
  }
  await ctx.results.write(rows);
  await saveProgress();
  const lids = rows.map((r) => r.lid).filter((v): v is number => v !== null);
  return {
    backend: engine.backend,
    method: plan.method,
    estimator: plan.method === 'lid' ? plan.estimator : null,
    // How the decoder Jacobian was built (flow-lid.ts): layer by layer, equal to the autodiff one up to float32.
    jacobian: plan.method === 'lid' ? 'layered' : null,
    dataset: plan.dataset,
    split: plan.split,
    points: count,
    resumedPoints: resumed,
    scale: progress.scale ?? null,
    target: (progress.target ?? null) as JsonValue,
    calibrationPoints,
    secondsPerPoint: scoredNow ? seconds / scoredNow : null,
    jacobianSecondsPerSpectrum: timing.jacobianMs / 1000 / Math.max(1, scoredNow + calibrationPoints),
    eigenSecondsPerSpectrum: timing.eigenMs / 1000 / Math.max(1, scoredNow + calibrationPoints),
    meanLogLikelihood: rows.reduce((s, r) => s + (r.logLikelihood ?? 0), 0) / Math.max(1, rows.length),
    meanLid: lids.length ? lids.reduce((a, b) => a + b, 0) / lids.length : null,
  };
}
