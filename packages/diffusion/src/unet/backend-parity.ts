// Shared by the U-Net's backend tests (wasm, webgpu): the same network, input and objective on each backend.
import { activateBackend, installWebGpuCounters, relativeError } from '@dgm-ood/engine';
import type { Module } from '@dgm-ood/engine/module';
import { Rng } from '@dgm-ood/engine/rng';
import { activateSoftwareWebGpu } from '@dgm-ood/engine/testing/software-webgpu';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadTorchStateDict } from './load-torch-state-dict.js';
import { TINY_SPEC } from './test-specs.js';
import { readTorchUNetFixture } from './torch-fixture.js';
import { UNet2D } from './unet2d.js';

/**
 * Output, input gradient and all parameter gradients (in name order) of Σ r ⊙ f(x) for a module's `f` on the active
 * backend; `afterForward` runs once the forward pass is enqueued (before anything is read or differentiated).
 */
export async function valuesAndGradients(module: Module, f: (input: tf.Tensor4D) => tf.Tensor, x: tf.Tensor4D, r: tf.Tensor, afterForward: () => void = () => undefined) {
  const objective = (input: tf.Tensor4D): tf.Scalar => tf.sum(tf.mul(f(input), r));
  const out = f(x);
  afterForward();
  const y = await out.data();
  out.dispose();
  const gx = await tf.grad(objective as (v: tf.Tensor) => tf.Tensor)(x).data();
  const { grads, value } = tf.variableGrads(() => objective(x));
  const gp: number[] = [];
  for (const [, p] of module.namedParameters()) gp.push(...(await grads[p.name]!.data()));
  tf.dispose([value, ...Object.values(grads)]);
  return { y, gx, gp };
}

/** valuesAndGradients of TINY_SPEC's U-Net at a fixed input and times, on `backend`. */
export async function tinyUNetValuesAndGradients(backend: string, afterForward: () => void = () => undefined) {
  await tf.setBackend(backend);
  const net = new UNet2D(TINY_SPEC, { seed: 3 });
  const rng = new Rng(11);
  const x = tf.tensor4d(rng.fillNormal(new Float32Array(128)) as Float32Array, [2, 8, 8, 1]);
  const r = tf.tensor4d(rng.fillNormal(new Float32Array(128)) as Float32Array, [2, 8, 8, 1]);
  const t = tf.tensor1d([0.2, 0.7]);
  try {
    return await valuesAndGradients(net, (input) => net.apply(input, t), x, r, afterForward);
  } finally {
    tf.dispose([x, r, t]);
    net.dispose();
  }
}

type ValuesAndGradients = Awaited<ReturnType<typeof valuesAndGradients>>;

/** `other`'s output, input gradient and parameter gradients each within 1e-4 (relative) of the cpu reference's. */
export function expectAgreement(cpu: ValuesAndGradients, other: ValuesAndGradients): void {
  expect(relativeError(cpu.y, other.y)).toBeLessThan(1e-4);
  expect(relativeError(cpu.gx, other.gx)).toBeLessThan(1e-4);
  expect(relativeError(cpu.gp, other.gp)).toBeLessThan(1e-4);
}

/**
 * `run` on webgpu with the dispatch counters on; it calls `afterForward` once its forward pass is enqueued. Returns
 * its result and the forward pass's dispatches whose kernel/program label starts with a prefix.
 */
export async function withForwardDispatches<R>(run: (afterForward: () => void) => Promise<R>): Promise<{ result: R; forwardDispatches: (prefix: string) => number }> {
  await tf.setBackend('webgpu');
  const counter = installWebGpuCounters();
  let forward: Record<string, number> = {};
  try {
    const result = await run(() => (forward = { ...counter.snapshot().byProgram }));
    const forwardDispatches = (prefix: string) => Object.entries(forward).filter(([k]) => k.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
    return { result, forwardDispatches };
  } finally {
    counter.uninstall();
  }
}

/** Test-file hooks: cpu (the reference) and the software WebGPU adapter registered, cpu active again afterwards. */
export function withCpuAndSoftwareWebGpu(): void {
  beforeAll(async () => {
    tf.enableProdMode();
    await activateBackend('cpu');
    await activateSoftwareWebGpu();
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
}

/** Relative error of the active backend's output against the PyTorch twin's, for the fixture's weights and input. */
export async function torchFixtureError(): Promise<number> {
  const fx = readTorchUNetFixture();
  const net = new UNet2D(fx.spec);
  try {
    loadTorchStateDict(net, fx.stateDict);
    const out = net.apply(tf.tensor4d(fx.x.values, fx.x.shape), tf.tensor1d(fx.t));
    const y = await out.data();
    out.dispose();
    return relativeError(fx.output.values, y);
  } finally {
    net.dispose();
  }
}
