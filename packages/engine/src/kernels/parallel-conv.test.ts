import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../autodiff/rng.js';
import { wasmThreads } from '../backends/wasm.js';
import { relativeError } from '../gradcheck/compare.js';
import { activateBackend } from '../select-backend.js';
import { convHelperThreads, stopConvHelpers } from './parallel-conv.js';

const random = (shape: number[], seed: number) => tf.tensor(new Rng(seed).fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -1, 1), shape);

async function convAndGrads(): Promise<Float32Array[]> {
  // 45 samples: an uneven split between threads (23 + 22), each weight gradient in two batch chunks.
  const x = random([45, 14, 14, 64], 1) as tf.Tensor4D;
  const w = random([3, 3, 64, 64], 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, 1, 'same');
  const r = random(y.shape, 3);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), r)))([x, w]);
  const out = [await y.data(), await dx!.data(), await dw!.data()] as Float32Array[];
  tf.dispose([x, w, y, r, dx!, dw!]);
  return out;
}

describe('large convolutions on two threads (wasm.threads = 2)', () => {
  let single: Float32Array[];
  beforeAll(async () => {
    tf.enableProdMode();
    await activateBackend('wasm');
    single = await convAndGrads();
    await activateBackend('wasm', { wasm: { threads: 2 } });
  });
  afterAll(() => stopConvHelpers());

  it('starts one helper thread', () => {
    expect(convHelperThreads()).toBe(1);
  });

  it('gives the single-thread results for the conv, dx and dW', async () => {
    const buffers = tf.backend().numDataIds();
    const parallel = await convAndGrads();
    // y and dx are computed row block by row block: the same sums. dW adds per-block partial sums,
    // a different order of float32 additions.
    expect(relativeError(single[0]!, parallel[0]!)).toBeLessThan(1e-6);
    expect(relativeError(single[1]!, parallel[1]!)).toBeLessThan(1e-6);
    expect(relativeError(single[2]!, parallel[2]!)).toBeLessThan(1e-5);
    expect(tf.backend().numDataIds()).toBe(buffers);
  });

  it('splits large matrix products (plain, transposed, tall) and gets them right', async () => {
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[300, 256], [256, 300], false, false],
      [[256, 300], [256, 300], true, false],
      [[2, 150, 256], [256, 300], false, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const a = random(sa, 7);
      const b = random(sb, 8);
      const got = await tf.matMul(a, b, ta, tb).data();
      await tf.setBackend('cpu');
      const ref = await tf.matMul(a, b, ta, tb).data();
      await tf.setBackend('wasm');
      expect(relativeError(ref, got)).toBeLessThan(1e-5);
      tf.dispose([a, b]);
    }
  });

  it('keeps small convs on this thread and still gets them right', async () => {
    const x = random([2, 5, 5, 3], 4) as tf.Tensor4D;
    const w = random([3, 3, 3, 2], 5) as tf.Tensor4D;
    const a = await tf.conv2d(x, w, 1, 'same').data();
    await tf.setBackend('cpu');
    const b = await tf.conv2d(x, w, 1, 'same').data();
    await tf.setBackend('wasm');
    expect(relativeError(b, a)).toBeLessThan(1e-6);
  });
});

describe('activating wasm again', () => {
  it('with one thread stops the helper threads', async () => {
    await activateBackend('wasm', { wasm: { threads: 2 } });
    expect(convHelperThreads()).toBe(1);
    await activateBackend('wasm', { wasm: { threads: 1 } });
    expect(convHelperThreads()).toBe(0);
  });
});

describe('wasmThreads', () => {
  it('reads the option, else DGM_OOD_WASM_THREADS, else 1, and rejects nonsense', () => {
    expect(wasmThreads(undefined, {})).toBe(1);
    expect(wasmThreads(undefined, { DGM_OOD_WASM_THREADS: '2' })).toBe(2);
    expect(wasmThreads(3, { DGM_OOD_WASM_THREADS: '2' })).toBe(3);
    expect(() => wasmThreads(undefined, { DGM_OOD_WASM_THREADS: 'two' })).toThrow(/DGM_OOD_WASM_THREADS: must be an integer from 1 to 64 \(got "two"\)/);
    expect(() => wasmThreads(0)).toThrow(expect.objectContaining({ code: 'DGM_ENGINE_INVALID_ARGUMENT' }));
  });
});
