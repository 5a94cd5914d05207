import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyDataTransform, invertDataTransform } from './data-transform.js';
import { SeedStream } from './random.js';
import { DEFAULT_DATA_TRANSFORM } from './spec.js';
import { batchTensor } from '@dgm-ood/training';
import { useCpuBackend } from './test-helpers.js';

beforeAll(useCpuBackend);

describe('data transform (docs/reference-notes.md §1.4)', () => {
  it('dequantizes with U[0,1) and scales by 1/(255+1); without dequantization by 1/255', () => {
    const x = tf.tensor4d([0, 255, 128, 7], [1, 2, 2, 1]);
    const deq = applyDataTransform(x, DEFAULT_DATA_TRANSFORM, { seeds: new SeedStream(1) }).dataSync();
    [0, 255, 128, 7].forEach((v, i) => {
      expect(deq[i]! * 256).toBeGreaterThanOrEqual(v - 1e-4);
      expect(deq[i]! * 256).toBeLessThan(v + 1);
    });
    const plain = applyDataTransform(x, DEFAULT_DATA_TRANSFORM, { dequantize: false }).dataSync();
    expect(plain[1]).toBeCloseTo(1, 7);
    // Midpoint: the centre of each pixel's bin, (x + ½)/256, deterministic and strictly inside (0, 1).
    const mid = applyDataTransform(x, DEFAULT_DATA_TRANSFORM, { dequantize: 'midpoint' }).dataSync();
    expect(Array.from(mid)).toEqual([0.5, 255.5, 128.5, 7.5].map((v) => Math.fround(v / 256)));
    // inverse for samples: ×256 then floor
    expect(Array.from(invertDataTransform(tf.tensor1d([0.5, 0.99999]), DEFAULT_DATA_TRANSFORM).dataSync())).toEqual([128, 255]);
  });

  it('background augmentation replaces each element with probability ρ by one of 256 levels spanning [min, max]', () => {
    const spec = { ...DEFAULT_DATA_TRANSFORM, backgroundAugmentation: 1 };
    const x = tf.tensor4d(Array.from({ length: 64 }, (_, i) => i * 4), [1, 8, 8, 1]);
    const out = applyDataTransform(x, spec, { dequantize: false, seeds: new SeedStream(2) }).dataSync();
    const lo = 0;
    const hi = 252 / 255;
    for (const v of out) {
      const level = ((v - lo) / (hi - lo)) * 255;
      expect(Math.abs(level - Math.round(level))).toBeLessThan(1e-3);
    }
    const off = applyDataTransform(x, spec, { dequantize: false, backgroundAugmentation: false }).dataSync();
    expect(off[4]).toBeCloseTo(16 / 255, 7);
    const none = applyDataTransform(x, { ...spec, backgroundAugmentation: 0 }, { dequantize: false }).dataSync();
    expect(Array.from(none)).toEqual(Array.from(off));
  });
});

describe('host batches', () => {
  it('NCHW host data is transposed to NHWC; bad sizes are rejected with the batch named', () => {
    const data = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i); // [B=2, C=3, H=2, W=2]
    const { x, owned } = batchTensor({ data, shape: [2, 3, 2, 2], layout: 'NCHW' }, 'batch 0');
    expect(owned).toBe(true);
    expect(x.shape).toEqual([2, 2, 2, 3]);
    expect((x.arraySync() as number[][][][])[1]![0]![1]![2]).toBe(12 + 2 * 4 + 0 * 2 + 1);
    expect(() => batchTensor({ data: new Float32Array(5), shape: [2, 3, 2, 2] }, 'training batch 3 of epoch 1')).toThrow(/training batch 3 of epoch 1/);
  });
});
