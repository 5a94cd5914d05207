import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installWebGpuCounters, OWN_WEBGPU_KERNELS_FLAG, relativeError } from '@dgm-ood/engine';
import { activateSoftwareWebGpu } from '@dgm-ood/engine/testing/software-webgpu';
import { perturbParameters } from '../testing.js';
import { RqSplineCoupling } from './rq-spline-coupling.js';

// The software WebGPU suite: the RQ-spline coupling on webgpu takes the net's whole output to the engine's fused
// spline; cpu (split parameter tensors, tfjs-op spline) is the reference.
beforeAll(async () => {
  await tf.setBackend('cpu');
  await activateSoftwareWebGpu();
});
afterAll(async () => {
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, true);
  await tf.setBackend('cpu');
});

const SHAPE = [2, 4, 4, 4];
const seeded = (seed: number, scale: number) => tf.tidy(() => tf.mul(tf.sin(tf.add(tf.mul(tf.range(0, 128), 2.3), seed)), scale).reshape(SHAPE));

interface Pass {
  value: Float32Array[];
  grads: Float32Array[];
  dispatches: Record<string, number>;
}

/** y and log|det| of one direction and the gradients of Σ y·r + Σ log|det|·c w.r.t. the input and every parameter. */
async function pass(backend: 'cpu' | 'webgpu', inverse: boolean, numBins = 6): Promise<Pass> {
  await tf.setBackend(backend);
  const coupling = new RqSplineCoupling({ channels: 4, flip: true, net: { hiddenChannels: 8, numBlocks: 1 }, numBins, tailBound: 2, seed: 3 });
  perturbParameters(coupling, 11, 0.4);
  // Inputs across ±3.5 with B = 2: both tails and every bin.
  const x = seeded(1, 3.5);
  const r = seeded(2, 1);
  const c = tf.tensor1d([0.7, -1.3]);
  const params = coupling.namedParameters().map(([, v]) => v);
  const counter = backend === 'webgpu' ? installWebGpuCounters() : null;
  const run = (xx: tf.Tensor) => {
    const out = inverse ? coupling.inverse(xx) : coupling.forward(xx);
    const y = 'y' in out ? out.y : out.x;
    return { y, logabsdet: out.logabsdet };
  };
  const { y, logabsdet } = run(x);
  const objective = (xx: tf.Tensor) => {
    const o = run(xx);
    return tf.add(tf.sum(tf.mul(o.y, r)), tf.sum(tf.mul(o.logabsdet, c))) as tf.Scalar;
  };
  const { grads } = tf.variableGrads(() => objective(x), params as tf.Variable[]);
  const dx = tf.grad(objective)(x);
  const read = async (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => Float32Array.from(await t.data())));
  const result = {
    value: await read([y, logabsdet]),
    grads: await read([dx, ...params.map((p) => grads[p.name]!)]),
    dispatches: Object.fromEntries(Object.entries(counter?.snapshot().byProgram ?? {}).filter(([k]) => k.startsWith('DgmRqSpline'))),
  };
  counter?.uninstall();
  tf.dispose([x, r, c, y, logabsdet, dx, ...Object.values(grads)]);
  coupling.dispose();
  return result;
}

for (const inverse of [false, true]) {
  it(`${inverse ? 'inverse' : 'forward'}: the fused spline on webgpu gives the cpu run's outputs, log|det| and gradients (input and every parameter)`, async () => {
    const reference = await pass('cpu', inverse);
    const fused = await pass('webgpu', inverse);
    expect(fused.dispatches).toEqual({ 'DgmRqSpline/forward': 3, 'DgmRqSpline/backward': 2 }); // y once, then once per gradient
    fused.value.forEach((v, i) => expect(relativeError(reference.value[i]!, v)).toBeLessThan(1e-5));
    expect(fused.grads.length).toBe(reference.grads.length);
    fused.grads.forEach((g, i) => expect(relativeError(reference.grads[i]!, g)).toBeLessThan(1e-4));
    // Not vacuous: the outputs moved, and the parameter gradients are not zero.
    expect(reference.grads.slice(1).every((g) => g.some((v) => v !== 0))).toBe(true);
  });
}

it('with the own kernels off, webgpu takes the split path (no fused dispatch) and agrees too, for one bin count after another', async () => {
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false);
  try {
    // As a worker taking two jobs: the knots' cumsums change length (tfjs-webgpu kept the first length's reverse scan).
    for (const numBins of [4, 7]) {
      const stock = await pass('webgpu', false, numBins);
      const reference = await pass('cpu', false, numBins);
      expect(stock.dispatches).toEqual({});
      stock.grads.forEach((g, i) => expect(relativeError(reference.grads[i]!, g)).toBeLessThan(1e-4));
    }
  } finally {
    tf.env().set(OWN_WEBGPU_KERNELS_FLAG, true);
  }
});
