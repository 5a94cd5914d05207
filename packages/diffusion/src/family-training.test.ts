// The diffusion family through the generic trainer (what the train job does), on a tiny U-Net. Training runs on
// wasm through the engine (the cpu backend's conv weight gradient is far too slow even at this size).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activateBackend, peakBytesPerRow, rowsWithinBudget, valueAndVjp } from '@dgm-ood/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FamilyRegistry, loadModel, readCheckpoint } from '@dgm-ood/models';
import { Rng } from '@dgm-ood/engine/rng';
import { train, type HostImageBatch, type TrainOptions, type TrainProgress } from '@dgm-ood/training';
import { diffusionObjective } from './family-runtime.js';
import { diffusionFamily } from './family.js';
import { DiffusionModel } from './model.js';
import { DEFAULT_DIFFUSION_DATA_TRANSFORM, DIFFUSION_SPEC_FORMAT, type DiffusionModelSpec } from './spec.js';
import { blobPixels } from './testing/blobs.js';
import { TINY_SPEC } from './unet/test-specs.js';

beforeAll(async () => {
  await activateBackend('wasm');
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function workdir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'diffusion-train-'));
  dirs.push(d);
  return d;
}

const tinyDiffusionSpec = (sde: DiffusionModelSpec['sde'] = { type: 'vp', betaMin: 0.1, betaMax: 20, T: 1 }): DiffusionModelSpec => ({
  format: DIFFUSION_SPEC_FORMAT,
  dataShape: [1, 8, 8],
  dataTransform: { ...DEFAULT_DIFFUSION_DATA_TRANSFORM },
  sde,
  network: { type: 'unet2d', ...TINY_SPEC },
  seed: 3,
});

/** Blobs on 8×8, 0..255 integers, NHWC host batches. */
function blobs(count: number, batchSize: number, seed: number): HostImageBatch[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => ({ data: blobPixels(rng, batchSize), shape: [batchSize, 8, 8, 1] as [number, number, number, number] }));
}

const trainDiffusion = (opts: Omit<TrainOptions, 'family' | 'objective' | 'model'> & { model: DiffusionModel }) =>
  train({ ...opts, family: diffusionFamily, objective: diffusionObjective(opts.model) });
const values = (m: DiffusionModel) => Promise.all(m.namedParameters().map(async ([, v]) => Array.from(await v.data())));

describe('the generic trainer on diffusion models', () => {
  it('decreases the ε-loss, writes best_valid and latest, and the checkpoint loads as a diffusion model', async () => {
    const model = new DiffusionModel(tinyDiffusionSpec());
    const progress: TrainProgress[] = [];
    const dir = await workdir();
    const res = await trainDiffusion({ model, data: { train: blobs(4, 16, 1), valid: blobs(1, 16, 2) }, workdir: dir, maxEpochs: 4, optimizer: { lr: 1e-2 }, seed: 1, onProgress: (p) => void progress.push(p) });
    expect(res.globalStep).toBe(16);
    const losses = progress.map((p) => p.loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Σ over 64 dims: an untrained net sits near 64 + |ŝ|²; learning ŝ ≈ −ε brings it well below.
    expect(mean(losses.slice(-4))).toBeLessThan(0.8 * mean(losses.slice(0, 4)));
    const files = await readdir(join(dir, 'checkpoints'));
    expect(files.filter((f) => f.endsWith('.json')).sort()).toEqual(['best_valid.json', 'latest.json']);
    expect((await readCheckpoint(join(dir, 'checkpoints'), 'latest'))!.manifest.family).toBe('diffusion');

    const loaded = await loadModel(dir, new FamilyRegistry([diffusionFamily]));
    expect(loaded.family).toBe('diffusion');
    expect(loaded.dataShape).toEqual([1, 8, 8]);
    const images = tf.tensor4d(blobs(1, 2, 9)[0]!.data as Float32Array, [2, 8, 8, 1]);
    const logp = await loaded.capabilities.logLikelihood!(images, 4);
    expect(logp).toHaveLength(2);
    expect(Array.from(logp).every(Number.isFinite)).toBe(true);
    images.dispose();
    loaded.dispose();
    model.dispose();
  });

  it('an abort mid-epoch saves latest; the resumed run matches an uninterrupted one bit for bit', async () => {
    const common = { data: { train: (epoch: number) => blobs(3, 8, 100 + epoch) }, optimizer: { lr: 3e-3 }, seed: 7, maxEpochs: 2 } as const;
    const straight = new DiffusionModel(tinyDiffusionSpec());
    await trainDiffusion({ ...common, model: straight, workdir: await workdir() });
    const dir = await workdir();
    const controller = new AbortController();
    const first = new DiffusionModel(tinyDiffusionSpec());
    const aborted = await trainDiffusion({ ...common, model: first, workdir: dir, signal: controller.signal, onProgress: (p) => void (p.step === 4 && controller.abort()) });
    expect(aborted.stopReason).toBe('aborted');
    // A fresh process rebuilds the model from its spec; the checkpoint's weights replace the initial ones.
    const resumed = new DiffusionModel(tinyDiffusionSpec());
    const res = await trainDiffusion({ ...common, model: resumed, workdir: dir });
    expect(res.resumedFrom).toEqual({ epoch: 1, stepInEpoch: 1, globalStep: 4 });
    const [a, b] = [await values(straight), await values(resumed)];
    a.forEach((v, i) => expect(b[i]).toEqual(v));
    [straight, first, resumed].forEach((m) => m.dispose());
  });
});

describe('DiffusionModel on raw images', () => {
  it('samples raw integer pixels in range, with the requested shape, reproducibly from a seed', async () => {
    const model = new DiffusionModel(tinyDiffusionSpec({ type: 've', gMin: -5, gMax: 5, T: 1 }));
    const a = await model.sample(3, { seed: 5, solver: { type: 'euler-maruyama', steps: 10 }, batchSize: 2 });
    const b = await model.sample(3, { seed: 5, solver: { type: 'euler-maruyama', steps: 10 }, batchSize: 2 });
    expect(a.shape).toEqual([3, 8, 8, 1]);
    const va = await a.data();
    expect(Array.from(va)).toEqual(Array.from(await b.data()));
    expect(Array.from(va).every((v) => Number.isInteger(v))).toBe(true);
    tf.dispose([a, b]);
    model.dispose();
  });

  it('log-likelihood: the same seed gives the same value; dequantization makes another seed differ', async () => {
    const model = new DiffusionModel(tinyDiffusionSpec());
    const images = tf.tensor4d(blobs(1, 2, 3)[0]!.data as Float32Array, [2, 8, 8, 1]);
    const opts = { solver: { type: 'euler' as const, steps: 4 }, eps: 0.01, trace: { method: 'rademacher' as const, probes: 2 } };
    const a = await model.logLikelihood(images, 1, opts);
    const b = await model.logLikelihood(images, 1, opts);
    const c = await model.logLikelihood(images, 2, opts);
    expect(Array.from(a.logp)).toEqual(Array.from(b.logp));
    expect(a.logp[0]).not.toBe(c.logp[0]);
    images.dispose();
    model.dispose();
  });
});

describe('pass sizes', () => {
  it('bounds the rows of one score pass by the backend budget, a VJP (which keeps the activations) to fewer rows', async () => {
    const model = new DiffusionModel(tinyDiffusionSpec());
    const [forward, vjp] = [await model.passRows('forward'), await model.passRows('vjp')];
    expect(vjp).toBeGreaterThanOrEqual(1);
    expect(vjp).toBeLessThan(forward);
    // The budget divided by the per-row peak; measured on 2 rows, where fixed costs weigh more: at most what 4 rows
    // suggest (conservative), and not far below.
    const perRow = await peakBytesPerRow((rows) => {
      const x = tf.zeros([rows, 8, 8, 1]);
      const t = tf.fill([rows], 0.5) as tf.Tensor1D;
      const r = valueAndVjp((y) => model.network.apply(y as tf.Tensor4D, t, { training: false }), x, tf.onesLike(x));
      return [x, t, r.value, r.vjp];
    }, 4);
    expect(vjp).toBeLessThanOrEqual(rowsWithinBudget(perRow));
    expect(vjp).toBeGreaterThan(0.75 * rowsWithinBudget(perRow));
    expect(await model.passRows('vjp')).toBe(vjp);
    model.dispose();
  });
});

