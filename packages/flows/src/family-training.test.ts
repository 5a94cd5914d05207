import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, tensorsWithPrefix, type LoadedCheckpoint } from '@dgm-ood/models';
import { AdamW, train, trainerState, TrainingError, type HostImageBatch, type TrainOptions, type TrainProgress } from '@dgm-ood/training';
import { buildFlowModel } from './build.js';
import { flowObjective } from './family-runtime.js';
import { flowFamily } from './family.js';
import type { FlowModel } from './model.js';
import { multiscaleFlowSpec } from './presets.js';
import { Rng } from './random.js';
import { useCpuBackend } from './test-helpers.js';

/** The generic trainer on a flow (what the train job does for the flow family). */
const trainFlow = (opts: Omit<TrainOptions, 'family' | 'objective' | 'model'> & { model: FlowModel }) =>
  train({ ...opts, family: flowFamily, objective: flowObjective(opts.model) });
const optimizerMoments = (ckpt: LoadedCheckpoint) => ({
  step: trainerState(ckpt)!.optimizer!.step,
  m: tensorsWithPrefix(ckpt, 'adamw.m:'),
  v: tensorsWithPrefix(ckpt, 'adamw.v:'),
});

beforeAll(useCpuBackend);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function workdir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'flows-train-'));
  dirs.push(d);
  return d;
}

// A tiny multiscale flow on 1×8×8 images: same structure as docs/reference-notes.md §2.2, minute sizes (cpu backend).
const tinySpec = (coupling: 'affine' | 'rq-spline' = 'rq-spline') =>
  multiscaleFlowSpec({
    dataShape: [1, 8, 8],
    coupling,
    numBins: 4,
    tailBound: 3,
    levels: [
      { squeeze: 2, blocks: 1, hiddenChannels: 4, conv1x1InBlocks: true },
      { squeeze: 4, blocks: 1, hiddenChannels: 8, conv1x1InBlocks: false },
    ],
    seed: 5,
  });

/** Structured synthetic images (blobs + noise), 0..255 integers, NHWC host batches. */
function syntheticBatches(count: number, batchSize: number, seed: number): HostImageBatch[] {
  const rng = new Rng(seed);
  const out: HostImageBatch[] = [];
  for (let b = 0; b < count; b++) {
    const data = new Float32Array(batchSize * 64);
    for (let i = 0; i < batchSize; i++) {
      const cx = rng.uniformIn(2, 6);
      const cy = rng.uniformIn(2, 6);
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          const v = 220 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 4) + 20 * rng.uniform();
          data[i * 64 + y * 8 + x] = Math.min(255, Math.floor(v));
        }
    }
    out.push({ data, shape: [batchSize, 8, 8, 1] });
  }
  return out;
}

async function parameterValues(model: ReturnType<typeof buildFlowModel>): Promise<Float32Array[]> {
  return Promise.all(model.parameters().map(async (v) => (await v.data()) as Float32Array));
}

describe('the generic trainer on flows', () => {
  it('decreases the loss on a tiny model, reports progress, writes best_valid and latest', async () => {
    const model = buildFlowModel(tinySpec());
    const train = syntheticBatches(4, 16, 1);
    const valid = syntheticBatches(1, 16, 2);
    const progress: TrainProgress[] = [];
    const dir = await workdir();
    const res = await trainFlow({
      model,
      data: { train, valid },
      workdir: dir,
      maxEpochs: 3,
      optimizer: { lr: 5e-3 },
      lrGamma: 0.99,
      onProgress: (p) => void progress.push(p),
    });
    expect(res.stopReason).toBe('max_epochs');
    expect(res.epochsCompleted).toBe(3);
    expect(res.globalStep).toBe(12);
    const losses = progress.map((p) => p.loss);
    expect(losses.slice(-3).reduce((a, b) => a + b) / 3).toBeLessThan(losses.slice(0, 3).reduce((a, b) => a + b) / 3 - 5);
    expect(res.history.map((h) => h.validLoss).every((v) => v !== null && Number.isFinite(v))).toBe(true);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ phase: 'train', epoch: 2, maxEpochs: 3, step: 12, stepInEpoch: 4, stepsPerEpoch: 4 });
    expect(last.metrics.bits_per_dim).toBeCloseTo(8 + last.loss / (64 * Math.LN2), 6);
    expect(last.etaSeconds).toBe(0);
    expect(progress[0]!.etaSeconds).toBeGreaterThan(0);
    // lr: constant in epoch 0 and on the first step of epoch 1 (the reference's scheduler timing), then ×0.99
    expect(progress[4]!.lr).toBeCloseTo(5e-3 * 0.99, 12);
    expect(progress[3]!.lr).toBeCloseTo(5e-3, 12);
    const files = await readdir(join(dir, 'checkpoints'));
    expect(files.filter((f) => f.endsWith('.json')).sort()).toEqual(['best_valid.json', 'latest.json']);
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(2);
    model.dispose();
  });

  it('resumes exactly: same optimizer moments and epoch as saved, and the same weights as an uninterrupted run', async () => {
    const train = syntheticBatches(3, 8, 3);
    const valid = syntheticBatches(1, 8, 4);
    const common = { data: { train, valid }, optimizer: { lr: 3e-3 }, lrGamma: 0.9, seed: 11 } as const;

    const straight = buildFlowModel(tinySpec('affine'));
    await trainFlow({ ...common, model: straight, workdir: await workdir(), maxEpochs: 2 });

    const dir = await workdir();
    const first = buildFlowModel(tinySpec('affine'));
    const part = await trainFlow({ ...common, model: first, workdir: dir, maxEpochs: 1 });
    expect(part.epochsCompleted).toBe(1);
    const saved = (await readCheckpoint(join(dir, 'checkpoints'), 'latest'))!;
    expect(saved.manifest.family).toBe('flow');
    expect(trainerState(saved)!.progress).toMatchObject({ epoch: 1, stepInEpoch: 0, globalStep: 3 });
    expect(trainerState(saved)!.optimizer?.step).toBe(3);
    expect(trainerState(saved)!.schedule).toMatchObject({ steps: 0, lastEpoch: 0 });

    // A fresh process would rebuild the model from its spec (different init seed here, to show it is overwritten).
    const resumed = buildFlowModel({ ...tinySpec('affine'), seed: 5 });
    const res = await trainFlow({ ...common, model: resumed, workdir: dir, maxEpochs: 2 });
    expect(res.resumedFrom).toEqual({ epoch: 1, stepInEpoch: 0, globalStep: 3 });
    expect(res.epochsCompleted).toBe(2);

    const a = await parameterValues(straight);
    const b = await parameterValues(resumed);
    a.forEach((v, i) => expect(Array.from(b[i]!)).toEqual(Array.from(v)));
    // The moments in the two runs' final checkpoints agree too.
    const resumedMoments = optimizerMoments((await readCheckpoint(join(dir, 'checkpoints'), 'latest'))!);
    expect(resumedMoments.step).toBe(6);
    [straight, first, resumed].forEach((m) => m.dispose());
  });

  it('restores identical optimizer moments from a checkpoint', async () => {
    const dir = await workdir();
    const model = buildFlowModel(tinySpec());
    const train = syntheticBatches(2, 8, 5);
    await trainFlow({ model, data: { train }, workdir: dir, maxEpochs: 1, seed: 2 });
    const ckpt = (await readCheckpoint(join(dir, 'checkpoints'), 'latest'))!;
    const moments = optimizerMoments(ckpt);
    expect(moments.step).toBe(2);
    const fresh = buildFlowModel(tinySpec());
    const opt = new AdamW(fresh.namedParameters());
    opt.setState(moments);
    const back = await opt.getState();
    expect(back.step).toBe(2);
    for (const [name, m] of moments.m) {
      expect(Array.from(back.m.get(name)!)).toEqual(Array.from(m));
      expect(Array.from(back.v.get(name)!)).toEqual(Array.from(moments.v.get(name)!));
    }
    // the moments are non-trivial
    expect([...moments.v.values()].some((v) => v.some((x) => x > 0))).toBe(true);
    opt.dispose();
    model.dispose();
    fresh.dispose();
  });

  it('an abort mid-epoch saves latest; the resumed run matches an uninterrupted one', async () => {
    const train = (epoch: number) => syntheticBatches(4, 8, 100 + epoch); // per-epoch data, a function of the epoch
    const common = { data: { train }, optimizer: { lr: 3e-3 }, seed: 7, maxEpochs: 2 } as const;
    const straight = buildFlowModel(tinySpec());
    await trainFlow({ ...common, model: straight, workdir: await workdir() });

    const dir = await workdir();
    const controller = new AbortController();
    const first = buildFlowModel(tinySpec());
    const aborted = await trainFlow({
      ...common,
      model: first,
      workdir: dir,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 6) controller.abort();
      },
    });
    expect(aborted.stopReason).toBe('aborted');
    const saved = (await readCheckpoint(join(dir, 'checkpoints'), 'latest'))!;
    expect(trainerState(saved)!.progress).toMatchObject({ epoch: 1, stepInEpoch: 2, globalStep: 6, finished: false });

    const resumed = buildFlowModel(tinySpec());
    const res = await trainFlow({ ...common, model: resumed, workdir: dir });
    expect(res.resumedFrom).toEqual({ epoch: 1, stepInEpoch: 2, globalStep: 6 });
    expect(res.globalStep).toBe(8);
    const a = await parameterValues(straight);
    const b = await parameterValues(resumed);
    a.forEach((v, i) => expect(Array.from(b[i]!)).toEqual(Array.from(v)));
    // A finished run is not trained again.
    const again = await trainFlow({ ...common, model: resumed, workdir: dir });
    expect(again.globalStep).toBe(8);
    [straight, first, resumed].forEach((m) => m.dispose());
  });

  it('micro-batches give the same update as whole batches', async () => {
    const train = syntheticBatches(2, 8, 9);
    // Without noise (no dequantization, no dropout) the two differ only by float summation order.
    const noiseless = () => {
      const spec = tinySpec('affine');
      spec.dataTransform.dequantize = false;
      for (const level of spec.levels) for (const t of level.transforms) if ('net' in t) t.net.dropout = 0;
      return buildFlowModel(spec);
    };
    const whole = noiseless();
    const split = noiseless();
    await trainFlow({ model: whole, data: { train }, workdir: await workdir(), maxEpochs: 1, seed: 1 });
    await trainFlow({ model: split, data: { train }, workdir: await workdir(), maxEpochs: 1, seed: 1, microBatchSize: 3 });
    const a = await parameterValues(whole);
    const b = await parameterValues(split);
    let maxDiff = 0;
    a.forEach((v, i) => v.forEach((x, j) => (maxDiff = Math.max(maxDiff, Math.abs(x - b[i]![j]!)))));
    // Two AdamW steps of lr 1e-3 move a weight by up to 2e-3; Adam's normalisation amplifies the rounding
    // differences of near-zero gradients, so allow 5% of one step.
    expect(maxDiff).toBeLessThan(5e-5);
    whole.dispose();
    split.dispose();
  });

  it('stops early after `patience` epochs without improvement and reloads the best weights', async () => {
    const model = buildFlowModel(tinySpec());
    const dir = await workdir();
    const res = await trainFlow({
      model,
      data: { train: syntheticBatches(1, 8, 12), valid: syntheticBatches(1, 8, 13) },
      workdir: dir,
      maxEpochs: 30,
      optimizer: { lr: 1e-9 },
      patience: 1,
      validationMode: 'eval',
    });
    expect(res.stopReason).toBe('early_stopping');
    expect(res.epochsCompleted).toBeLessThan(30);
    const best = (await readCheckpoint(join(dir, 'checkpoints'), 'best_valid'))!;
    const current = await parameterValues(model);
    model.namedParameters().forEach(([name], i) => expect(Array.from(current[i]!)).toEqual(Array.from(best.tensors.get(`param:${name}`)!.data)));
    model.dispose();
  });

  it('fails with a coded, non-retryable error naming the step, the batch and the last finite loss on a non-finite loss', async () => {
    const good = syntheticBatches(2, 8, 14);
    const badData = new Float32Array(8 * 64).fill(100);
    badData[5] = NaN;
    const model = buildFlowModel(tinySpec());
    const err = await trainFlow({
      model,
      data: { train: [...good, { data: badData, shape: [8, 8, 8, 1] }] },
      workdir: await workdir(),
      maxEpochs: 1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingError);
    const fe = err as TrainingError;
    expect(fe.code).toBe('TRAINING_NONFINITE_LOSS');
    expect(fe.deterministic).toBe(true);
    expect(fe.details).toMatchObject({ epoch: 0, step: 2, batchIndex: 2 });
    expect(typeof fe.details['lastFiniteLoss']).toBe('number');
    expect(fe.message).toMatch(/batch 2/);
    model.dispose();
  });
});

describe('tf memory', () => {
  it('a training run leaves no tensors behind besides the model and its optimizer', async () => {
    const model = buildFlowModel(tinySpec());
    const before = tf.memory().numTensors;
    await trainFlow({ model, data: { train: syntheticBatches(2, 8, 20), valid: syntheticBatches(1, 8, 21) }, workdir: await workdir(), maxEpochs: 1 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
