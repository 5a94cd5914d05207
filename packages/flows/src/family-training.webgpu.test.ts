import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installWebGpuCounters } from '@dgm-ood/engine';
import { activateSoftwareWebGpu } from '@dgm-ood/engine/testing/software-webgpu';
import type { TrainingObjective } from '@dgm-ood/models';
import { train, TrainingError, type HostImageBatch, type TrainProgress } from '@dgm-ood/training';
import { buildFlowModel } from './build.js';
import { flowObjective } from './family-runtime.js';
import { flowFamily } from './family.js';
import { multiscaleFlowSpec } from './presets.js';
import { Rng } from './random.js';

// The software WebGPU suite: the generic trainer on webgpu takes the engine's fused optimizer and reads each
// step's loss and gradient norm only after the next step is enqueued; cpu is the reference.
beforeAll(async () => {
  await tf.setBackend('cpu');
  await activateSoftwareWebGpu();
});
const dirs: string[] = [];
afterAll(async () => {
  await tf.setBackend('cpu');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function workdir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'flows-train-webgpu-'));
  dirs.push(d);
  return d;
}

const spec = (coupling: 'affine' | 'rq-spline') =>
  multiscaleFlowSpec({
    dataShape: [1, 8, 8],
    coupling,
    levels: [{ squeeze: 2, blocks: 1, hiddenChannels: 4, conv1x1InBlocks: true }],
    seed: 5,
  });

function batches(count: number, size: number, seed: number): HostImageBatch[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const data = new Float32Array(size * 64);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(255 * rng.uniform());
    return { data, shape: [size, 8, 8, 1] as [number, number, number, number] };
  });
}

/** The flow objective, telling `onLoss` of every loss it builds (and letting it replace the loss). */
function observed(objective: TrainingObjective, onLoss: (loss: tf.Scalar, call: number) => tf.Scalar): TrainingObjective {
  let calls = 0;
  return Object.assign(Object.create(objective) as TrainingObjective, {
    loss: (images: tf.Tensor4D, pass: Parameters<TrainingObjective['loss']>[1]) => onLoss(objective.loss(images, pass), calls++),
  });
}

interface Run {
  losses: number[];
  params: Float32Array[];
  events: string[];
  readsBetweenSteps: number[];
  /** Dispatches of the engine's fused spline (webgpu). */
  splineDispatches: number;
}

async function run(backend: 'cpu' | 'webgpu', poisonCall?: number, coupling: 'affine' | 'rq-spline' = 'affine'): Promise<Run & { error?: unknown }> {
  await tf.setBackend(backend);
  const model = buildFlowModel(spec(coupling));
  const events: string[] = [];
  const losses: number[] = [];
  const reads: number[] = [];
  const counter = backend === 'webgpu' ? installWebGpuCounters() : null;
  let error: unknown;
  try {
    await train({
      family: flowFamily,
      model,
      objective: observed(flowObjective(model), (loss, call) => {
        events.push(`launch ${call}`);
        return call === poisonCall ? (tf.mul(loss, NaN) as tf.Scalar) : loss;
      }),
      data: { train: batches(5, 4, 3) },
      workdir: await workdir(),
      maxEpochs: 1,
      optimizer: { lr: 3e-3 },
      onStep: (p: TrainProgress) => {
        events.push(`read ${p.step - 1}`);
        losses.push(p.loss);
        if (counter) reads.push(counter.snapshot().tfjsReads);
      },
    });
  } catch (e) {
    error = e;
  } finally {
    counter?.uninstall();
  }
  const params = await Promise.all(model.parameters().map(async (v) => (await v.data()) as Float32Array));
  model.dispose();
  const splineDispatches = counter ? Object.entries(counter.snapshot().byProgram).filter(([k]) => k.startsWith('DgmRqSpline')).reduce((a, [, n]) => a + n, 0) : 0;
  return { losses, params, events, readsBetweenSteps: reads.slice(1).map((r, i) => r - reads[i]!), error, splineDispatches };
}

it('follows the cpu run step for step, reading each step once, after the next one is enqueued', async () => {
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  expect(cpu.error).toBeUndefined();
  expect(gpu.error).toBeUndefined();
  expect(gpu.losses).toHaveLength(5);
  gpu.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i]!)).toBeLessThan(1e-4 * Math.abs(cpu.losses[i]!)));
  gpu.params.forEach((p, i) => p.forEach((x, j) => expect(Math.abs(x - cpu.params[i]![j]!)).toBeLessThan(1e-4)));
  expect(cpu.events).toEqual(['launch 0', 'read 0', 'launch 1', 'read 1', 'launch 2', 'read 2', 'launch 3', 'read 3', 'launch 4', 'read 4']);
  expect(gpu.events).toEqual(['launch 0', 'launch 1', 'read 0', 'launch 2', 'read 1', 'launch 3', 'read 2', 'launch 4', 'read 3', 'read 4']);
  expect(gpu.readsBetweenSteps).toEqual([1, 1, 1, 1]);
});

it('a non-finite step found a step late leaves the weights as the cpu run, which checks before updating, leaves them', async () => {
  const cpu = await run('cpu', 2);
  const gpu = await run('webgpu', 2);
  for (const r of [cpu, gpu]) {
    expect(r.error).toBeInstanceOf(TrainingError);
    expect((r.error as TrainingError).code).toBe('TRAINING_NONFINITE_LOSS');
    expect((r.error as TrainingError).message).toMatch(/at epoch 0, step 2, batch 2/);
  }
  expect(gpu.events).toEqual(['launch 0', 'launch 1', 'read 0', 'launch 2', 'read 1', 'launch 3']);
  gpu.params.forEach((p, i) => p.forEach((x, j) => expect(Math.abs(x - cpu.params[i]![j]!)).toBeLessThan(1e-4)));
});

it('an RQ-NSF flow (the fused spline on webgpu) follows the cpu run step for step too', async () => {
  const cpu = await run('cpu', undefined, 'rq-spline');
  const gpu = await run('webgpu', undefined, 'rq-spline');
  expect(cpu.error).toBeUndefined();
  expect(gpu.error).toBeUndefined();
  expect(gpu.splineDispatches).toBeGreaterThan(0);
  gpu.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i]!)).toBeLessThan(1e-4 * Math.abs(cpu.losses[i]!)));
  gpu.params.forEach((p, i) => p.forEach((x, j) => expect(Math.abs(x - cpu.params[i]![j]!)).toBeLessThan(1e-4)));
  expect(gpu.readsBetweenSteps).toEqual([1, 1, 1, 1]);
});
