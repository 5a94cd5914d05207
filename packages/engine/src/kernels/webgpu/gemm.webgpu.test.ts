import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STANDARD_CASES } from '../../gradcheck/cases.js';
import { relativeError } from '../../gradcheck/compare.js';
import { installWebGpuCounters } from '../../profiling/webgpu-counters.js';
import { activateSoftwareWebGpu } from '../../testing/software-webgpu.js';
import { FORCEABLE_GEMM_TILINGS, WEBGPU_GEMM_FLAG } from './gemm-tiling.js';
import { OWN_WEBGPU_KERNELS_FLAG } from './own-kernels-flag.js';

// The register-blocked GEMM behind matMul and conv2d on webgpu, each tiling forced in turn on shapes whose edges cut
// through its tiles (rows, columns and k not multiples of the tile), against the cpu backend: values and the gradients
// of Σ f·r (the matMul gradients are GEMMs with transposed operands and a conv's input gradient is one too, so they run
// through it as well).
beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await activateSoftwareWebGpu();
});
afterEach(() => {
  tf.env().set(WEBGPU_GEMM_FLAG, 'auto');
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, true);
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.37 + seed) * (1 + (i % 3) / 4));

interface Case {
  name: string;
  shapes: number[][];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
}

const CASES: Case[] = [
  { name: 'matMul 37×131 · 131×70', shapes: [[37, 131], [131, 70]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D) },
  { name: 'matMul Aᵀ·B', shapes: [[29, 37], [29, 70]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false) },
  { name: 'matMul A·Bᵀ', shapes: [[37, 29], [70, 29]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true) },
  { name: 'matMul Aᵀ·Bᵀ', shapes: [[29, 37], [70, 29]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, true) },
  { name: 'batched matMul, 3 × (21×13 · 13×40)', shapes: [[3, 21, 13], [3, 13, 40]], f: (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D) },
  {
    name: 'fused matMul + bias + ReLU',
    shapes: [[37, 29], [29, 70], [70]],
    f: (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }),
  },
  { name: 'conv2d 3×3 same, 5 → 11 channels', shapes: [[2, 9, 7, 5], [3, 3, 5, 11]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  { name: 'conv2d stride 2, valid', shapes: [[2, 9, 8, 3], [3, 3, 3, 6]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid') },
  { name: 'conv2d explicit padding, 2×4 kernel', shapes: [[1, 6, 9, 4], [2, 4, 4, 5]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [1, 2], [[0, 0], [1, 0], [2, 1], [0, 0]]) },
  { name: 'conv2d 1×1', shapes: [[2, 5, 5, 8], [1, 1, 8, 20]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid') },
  {
    name: 'conv2dTranspose stride 2 (its forward is the input gradient kernel)',
    shapes: [[2, 4, 5, 3], [3, 3, 6, 3]],
    f: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 10, 6], 2, 'same'),
  },
  {
    name: 'fused conv2d + bias + ReLU',
    shapes: [[2, 6, 6, 4], [3, 3, 4, 9], [9]],
    f: (x, w, c) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: c, strides: 1, pad: 'same', activation: 'relu' }),
  },
];
// Forward only: tfjs has no filter gradient for dilated convs, and its matMul gradient does not sum a broadcast
// batch back to the input's shape (on every backend).
const FORWARD_ONLY: Case[] = [
  { name: 'conv2d dilation 2', shapes: [[1, 9, 9, 3], [3, 3, 3, 7]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2) },
  { name: 'batched matMul, a broadcast (1 × 21×13 against 2 × 2 × 13×40)', shapes: [[1, 21, 13], [2, 2, 13, 40]], f: (a, b) => tf.matMul(a, b) },
];

interface Run {
  value: Float32Array;
  grads: Float32Array[];
  programs: Record<string, number>;
}

async function run(backend: 'cpu' | 'webgpu', c: Case, withGrads = true): Promise<Run> {
  await tf.setBackend(backend);
  const inputs = c.shapes.map((s, i) => tf.tensor(values(s.reduce((p, d) => p * d, 1), i + 1), s));
  const counter = backend === 'webgpu' ? installWebGpuCounters() : null;
  try {
    const value = c.f(...inputs);
    const r = tf.tensor(values(value.size, 9), value.shape);
    const grads = withGrads ? tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.f(...xs), r)))(inputs) : [];
    const out = { value: (await value.data()) as Float32Array, grads: (await Promise.all(grads.map((g) => g.data()))) as Float32Array[] };
    tf.dispose([value, r, ...grads]);
    return { ...out, programs: counter?.snapshot().byProgram ?? {} };
  } finally {
    counter?.uninstall();
    tf.dispose(inputs);
  }
}

const ours = (programs: Record<string, number>) => Object.keys(programs).filter((p) => p.endsWith('/dgmGemm'));

for (const tiling of FORCEABLE_GEMM_TILINGS) {
  describe(`tiling ${tiling.name} (${tiling.wgY * tiling.tm} × ${tiling.wgX * tiling.tn} tiles, ${tiling.wgX * tiling.wgY} invocations)`, () => {
    for (const c of [...CASES, ...FORWARD_ONLY]) {
      it(`${c.name}: values and gradients equal cpu's`, async () => {
        const withGrads = !FORWARD_ONLY.includes(c);
        const reference = await run('cpu', c, withGrads);
        tf.env().set(WEBGPU_GEMM_FLAG, tiling.name);
        const actual = await run('webgpu', c, withGrads);
        expect(ours(actual.programs).length).toBeGreaterThan(0);
        // A conv's input gradient is a GEMM of ours too.
        if (withGrads && c.name.startsWith('conv2d')) expect(ours(actual.programs)).toContain('Conv2DBackpropInput/dgmGemm');
        expect(relativeError(reference.value, actual.value)).toBeLessThan(1e-5);
        reference.grads.forEach((g, i) => expect(relativeError(g, actual.grads[i]!), `gradient ${i}`).toBeLessThan(1e-5));
      });
    }
  });
}

it('the fused forms run in one dispatch, named by the kernel they replace', async () => {
  tf.env().set(WEBGPU_GEMM_FLAG, 'small');
  const fusedMatMul = await run('webgpu', CASES.find((c) => c.name.startsWith('fused matMul'))!, false);
  expect(fusedMatMul.programs).toEqual({ '_FusedMatMul/dgmGemm': 1 });
  const fusedConv = await run('webgpu', CASES.find((c) => c.name.startsWith('fused conv2d'))!, false);
  expect(fusedConv.programs).toEqual({ 'FusedConv2D/dgmGemm': 1 });
});

it('stock, and our kernels off, run tfjs-webgpu’s own programs', async () => {
  const c = CASES[0]!;
  tf.env().set(WEBGPU_GEMM_FLAG, 'stock');
  expect(ours((await run('webgpu', c)).programs)).toEqual([]);
  tf.env().set(WEBGPU_GEMM_FLAG, 'small');
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false);
  expect(ours((await run('webgpu', c)).programs)).toEqual([]);
});

it('auto: a product large enough to fill a card runs ours; a small one tfjs’s', async () => {
  const big: Case = { name: 'matMul 512×64 · 64×512', shapes: [[512, 64], [64, 512]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D) };
  const reference = await run('cpu', big, false);
  const actual = await run('webgpu', big, false);
  expect(ours(actual.programs)).toEqual(['BatchMatMul/dgmGemm']);
  expect(relativeError(reference.value, actual.value)).toBeLessThan(1e-5);
  expect(ours((await run('webgpu', CASES[0]!, false)).programs)).toEqual([]);
});

it("auto: the gradient-check suite's GEMM cases run ours (forward, and the matMul's gradients)", async () => {
  for (const c of STANDARD_CASES.filter((s) => s.name.includes('GEMM'))) {
    const asCase: Case = { name: c.name, shapes: c.inputs.map((i) => i.shape), f: (...xs) => c.fn(tf, ...xs) };
    const programs = (await run('webgpu', asCase)).programs;
    expect(ours(programs).length, c.name).toBeGreaterThan(0);
  }
});
