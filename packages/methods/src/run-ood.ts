import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '@dgm-ood/config';
import { datasetArgsOptions, datasetFingerprint, loadDataset, writeSamplesAsPng, type ImageArray, type LoadDatasetOptions } from '@dgm-ood/data';
import { initEngine } from '@dgm-ood/engine';
import { ConfigReader, DeterministicJobError, objectLogger, sortedJson, type JobContext, type JsonValue, type ResultRow } from '@dgm-ood/jobs';
import { importTorchModel, loadModel, type FamilyRegistry, type LoadedModel } from '@dgm-ood/models';
import { scoreSchemaOf, type AnyOodMethod } from './contract.js';
import { imageAt } from './images.js';
import { readModelSourceAt, type ModelSource, type OodPlan, type TorchSource } from './ood-plan.js';
import type { MethodRegistry } from './registry.js';

interface Progress {
  calibration?: JsonValue;
  /** point index → named scores */
  scores: Record<string, Record<string, number>>;
}

/** `length` seeded samples of a model as PNGs `1.png…N.png` (reused when already complete). */
async function generatedSamples(model: LoadedModel, dir: string, seed: number, length: number, options?: JsonValue): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).filter((f) => f.endsWith('.png')).length === length) return;
  if (!model.capabilities.sample) throw new DeterministicJobError(`config data.out_of_distribution: dgm-generated needs samples, which a ${model.family} model cannot draw`);
  const all = await model.capabilities.sample(length, seed, options);
  const nchw = tf.transpose(all, [0, 3, 1, 2]);
  const values = (await nchw.data()) as Float32Array;
  await writeSamplesAsPng(dir, values, nchw.shape as [number, number, number, number]);
  tf.dispose([all, nchw]);
}

/**
 * A model file named by the config, resolved against this machine's MODEL_DIR: relative paths under it, absolute
 * ones (the reference allows them) only when they are inside it too. A job reads models, never the machine's files.
 */
export function insideModelDir(ctx: Pick<JobContext, 'modelDir'>, p: string, where: string): string {
  const root = resolve(ctx.modelDir);
  const full = resolve(root, p);
  const within = relative(root, full);
  if (within.startsWith('..') || isAbsolute(within)) {
    throw new DeterministicJobError(`config ${where}: ${JSON.stringify(p)} is outside MODEL_DIR (${root}); models are read from under it only`);
  }
  return full;
}

/** A reference PyTorch checkpoint under this machine's MODEL_DIR, imported without Python. */
async function importReferenceModel(ctx: JobContext, torch: TorchSource, path: string, families: FamilyRegistry): Promise<LoadedModel> {
  const at = (p: string) => insideModelDir(ctx, p, path);
  const imported = await importTorchModel(
    {
      checkpoint: at(torch.checkpoint),
      ...(torch.config !== null ? { config: at(torch.config) } : { model: torch.model! }),
      where: { checkpoint: `config ${path}.checkpoint_dir (MODEL_DIR ${ctx.modelDir})`, config: torch.config !== null ? `config ${path}.config_dir` : `config ${path}.model` },
    },
    families,
  );
  await ctx.provenance({ importedCheckpoints: { [path]: { path: imported.source.path, sha256: imported.source.sha256, report: imported.report } } });
  return imported;
}

export interface RunOodInput {
  plan: OodPlan;
  source: ModelSource;
  methods: MethodRegistry;
  families: FamilyRegistry;
}

/**
 * The generic OOD runner: loads the model (its family from the checkpoint), checks the method can run on it,
 * calibrates once per (model, calibration key) with a cache shared by the model's OOD jobs, scores the points
 * one by one with resume, and writes one row per point with the method's named scores.
 */
export async function runOod(ctx: JobContext, input: RunOodInput): Promise<JsonValue> {
  const { plan, methods, families } = input;
  const engine = await initEngine({ logger: objectLogger(ctx.log, 'engine') });
  await ctx.progress({ backend: engine.backend, message: `engine: ${engine.backend}` });
  const source = input.source;
  const checkpoints = plan.checkpoint === 'best_valid' ? ['best_valid', 'latest'] : ['latest'];
  const modelDir = modelDirOf(ctx, source, 'base_model');
  const model = await loadModelFrom(ctx, source, 'base_model', families, checkpoints);
  const family = families.byFamilyName(model.family, model.source.path);
  let method: AnyOodMethod;
  let methodPlan: unknown;
  const others: Record<string, LoadedModel> = {};
  try {
    method = methods.resolve(plan.classPath, family);
    methodPlan = method.readPlan(new ConfigReader(ctx.job.config, 'ood.method_args'));
    for (const [role, path] of Object.entries(method.models?.(methodPlan) ?? {})) {
      others[role] = await loadModelFrom(ctx, readModelSourceAt(ctx.job.config, path), path, families, checkpoints);
      ctx.log.info(`${role} model: ${others[role].family} from ${others[role].source.path} (${others[role].source.weights} weights)`);
    }
  } catch (error) {
    for (const m of [model, ...Object.values(others)]) m.dispose();
    throw error;
  }
  ctx.log.info(`model: ${model.family} from ${model.source.path} (${model.source.weights} weights); method ${method.id}`);
  const { dataDir } = loadConfig();
  const dataOptions: LoadDatasetOptions = { dataDir, validFraction: 0, logger: objectLogger(ctx.log, 'data') };

  try {
    // The points to score.
    let points;
    if (plan.generated) {
      let generator: LoadedModel;
      const torch = plan.generated.torch;
      if (torch) {
        // The reference's generated-sample jobs copy base_model here: the same files are the same model.
        const same = 'torch' in source && sortedJson(source.torch) === sortedJson(torch);
        generator = same ? model : await importReferenceModel(ctx, torch, plan.generated.modelPath, families);
      } else {
        const sourceModel = ctx.models[plan.generated.modelPath];
        if (!sourceModel) throw new DeterministicJobError(`config ${plan.generated.modelPath}: the model reference was not resolved by the worker`);
        generator = sourceModel.workdir === modelDir ? model : await loadModel(sourceModel.workdir, families, { checkpoints });
      }
      const steps = plan.generated.samplingSteps;
      const dir = join(ctx.workdir, `generated-seed${plan.generated.seed}-n${plan.generated.length}${steps !== null ? `-steps${steps}` : ''}`);
      await ctx.progress({ message: `sampling ${plan.generated.length} images from the model` });
      await generatedSamples(generator, dir, plan.generated.seed, plan.generated.length, steps !== null ? { steps } : undefined);
      if (generator !== model) generator.dispose();
      points = await loadDataset('dgm-generated', plan.split, { ...dataOptions, generated: { dir, length: plan.generated.length } });
    } else {
      points = await loadDataset(plan.dataset, plan.split, { ...dataOptions, ...datasetArgsOptions(plan.datasetArgs) });
    }
    const count = Math.min(plan.points, points.shape[0]);
    if (count < plan.points) ctx.log.warn(`only ${count} points in ${plan.dataset}/${plan.split}; ${plan.points} asked`);
    await ctx.provenance({
      family: model.family,
      method: method.id,
      model: { checkpoint: model.source.checkpoint, weights: model.source.weights },
      ...(Object.keys(others).length > 0
        ? { otherModels: Object.fromEntries(Object.entries(others).map(([role, m]) => [role, { path: m.source.path, checkpoint: m.source.checkpoint, weights: m.source.weights, sha256: m.source.sha256 }])) }
        : {}),
      seeds: { ood: plan.seed, ...(plan.generated ? { generated: plan.generated.seed } : {}) },
      datasets: [datasetFingerprint(points, count)] as unknown as JsonValue,
    });

    const progressFile = join(ctx.workdir, 'ood-progress.json');
    const progress: Progress = existsSync(progressFile) ? (JSON.parse(readFileSync(progressFile, 'utf8')) as Progress) : { scores: {} };
    const saveProgress = async () => {
      writeFileSync(progressFile, JSON.stringify(progress));
      await ctx.artifacts.save('ood-progress.json', 'progress');
    };
    const resumed = Object.keys(progress.scores).length;
    if (resumed > 0) ctx.log.info(`resuming: ${resumed} points already scored`);

    // Calibration depends only on the model's weights and the method's calibration key: the OOD jobs of one model
    // (its test split, other datasets, its samples), on any machine, share it through the shared cache.
    let calibratedNow = false;
    if (method.calibration && progress.calibration === undefined) {
      const key = `calibration/${method.id}/${createHash('sha256')
        .update(sortedJson([model.source.sha256, model.source.weights, method.calibration.key(methodPlan, plan.inDistribution), plan.seed]))
        .digest('hex')
        .slice(0, 32)}`;
      const cached = await ctx.cache.get(key);
      if (cached !== null) {
        progress.calibration = cached;
        ctx.log.info(`calibration reused (${key}): ${method.calibration.describe(cached)}`);
      } else {
        let train: ImageArray | undefined;
        const computed = await method.calibration.run(model, methodPlan, {
          inDistribution: plan.inDistribution,
          trainingData: async () => (train ??= await loadDataset(plan.inDistribution, 'train', { ...dataOptions, ...datasetArgsOptions(plan.inDistributionArgs) })),
          seed: plan.seed,
          progress: (message) => ctx.progress({ phase: 'calibration', message, fraction: 0 }),
          signal: ctx.signal,
          log: ctx.log,
        });
        // Another job may have stored one meanwhile: keep the first, so the model's jobs all use the same.
        progress.calibration = await ctx.cache.put(key, computed);
        calibratedNow = true;
        ctx.log.info(`calibrated: ${method.calibration.describe(progress.calibration)} (${key})`);
      }
      await saveProgress();
    }
    const calibration = progress.calibration ?? null;

    const schema = scoreSchemaOf(method, methodPlan);
    const names = schema.scores.map((s) => s.name);
    const started = performance.now();
    let scoredNow = 0;
    for (let i = 0; i < count; i++) {
      if (progress.scores[i] !== undefined) continue;
      if (ctx.signal.aborted) {
        await saveProgress();
        throw new Error(`stopped after ${Object.keys(progress.scores).length} points: ${String(ctx.signal.reason)}`);
      }
      const image = imageAt(points, i);
      let scores: Record<string, number>;
      try {
        scores = await method.score(model, { image, index: i, seed: (stream) => plan.seed * 1_000_003 + 2 * i + stream }, methodPlan, calibration, others);
      } finally {
        image.dispose();
      }
      const absent = names.filter((n) => typeof scores[n] !== 'number');
      if (absent.length > 0) throw new Error(`method ${method.id} returned no ${absent.join(', ')} for point ${i}`);
      progress.scores[i] = scores;
      scoredNow++;
      const done = Object.keys(progress.scores).length;
      await ctx.progress({ phase: 'scoring', scored: done, of: count, fraction: done / count });
      if (done % plan.checkpointEvery === 0) await saveProgress();
    }
    const seconds = (performance.now() - started) / 1000;

    const rows: ResultRow[] = [];
    for (let i = 0; i < count; i++) rows.push({ dataset: plan.dataset, split: plan.split, pointIndex: i, scores: progress.scores[i]! });
    await ctx.results.write(rows);
    await saveProgress();
    const means: { [key: string]: JsonValue } = {};
    for (const n of names) {
      const values = rows.map((r) => r.scores[n]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      means[n] = values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    }
    return {
      backend: engine.backend,
      method: method.id,
      methodClassPath: plan.classPath,
      family: model.family,
      scoreSchema: schema as unknown as JsonValue,
      dataset: plan.dataset,
      split: plan.split,
      points: count,
      resumedPoints: resumed,
      calibratedNow,
      secondsPerPoint: scoredNow ? seconds / scoredNow : null,
      means,
      ...(method.summary?.(methodPlan, calibration) ?? {}),
    };
  } finally {
    for (const m of [model, ...Object.values(others)]) m.dispose();
  }
}

/** The working directory of a model given as a reference (resolved by the worker) or a folder; null for PyTorch. */
function modelDirOf(ctx: JobContext, source: ModelSource, path: string): string | null {
  if ('torch' in source) return null;
  if ('directory' in source) return insideModelDir(ctx, source.directory, `${path}.directory`);
  const dir = ctx.models[path]?.workdir;
  if (dir === undefined) throw new DeterministicJobError(`config ${path}: the model reference was not resolved by the worker`);
  return dir;
}

/** The model named at `path` of the config: a PyTorch import, or our checkpoint folder. */
async function loadModelFrom(ctx: JobContext, source: ModelSource, path: string, families: FamilyRegistry, checkpoints: string[]): Promise<LoadedModel> {
  if ('torch' in source) return importReferenceModel(ctx, source.torch, path, families);
  return loadModel(modelDirOf(ctx, source, path)!, families, { checkpoints });
}
