import { describe, expect, it } from 'vitest';
import {
  backgroundPerturbation,
  compose,
  dataTransform,
  dequantize,
  resizeTo,
  scaleToSymmetricRange,
  scaleToUnitRange,
  toFloatBatch,
  unscaleFromSymmetricRange,
  unscaleFromUnitRange,
  type ImageBatch,
} from './transforms.js';
import { resizeFloat } from './resize.js';

const batchOf = (values: ArrayLike<number>, shape: [number, number, number, number] = [1, 1, 1, values.length]): ImageBatch => ({
  images: Float32Array.from(values),
  shape,
});
const pixels = Array.from({ length: 256 }, (_, i) => i);

describe('dequantize', () => {
  it('adds u ∈ [0, 1) per element, seeded, without modifying the input', () => {
    const input = batchOf(pixels);
    const out = dequantize({ seed: 3 })(input);
    expect([...input.images]).toEqual(pixels);
    let sum = 0;
    out.images.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(i);
      expect(v).toBeLessThan(i + 1);
      sum += v - i;
    });
    expect(Math.abs(sum / 256 - 0.5)).toBeLessThan(0.07);
    expect(dequantize({ seed: 3 })(input).images).toEqual(out.images);
    expect(dequantize({ seed: 4 })(input).images).not.toEqual(out.images);
  });

  it('draws fresh noise on every call (upstream dequantizes at evaluation time too)', () => {
    const t = dequantize({ seed: 1 });
    const input = batchOf([10, 10, 10]);
    expect(t(input).images).not.toEqual(t(input).images);
  });

  it('never rounds 255 + u up to 256 in float32, so scaled data stays strictly below 1', () => {
    const n = 1 << 20; // ≈ 8 expected draws with u > 1 − 2^-17, where a float32 add would round up
    const out = compose(dequantize({ seed: 9 }), scaleToUnitRange({ dequantized: true }))(batchOf(new Float32Array(n).fill(255)));
    let max = 0;
    for (const v of out.images) max = Math.max(max, v);
    expect(max).toBeLessThan(1);
    expect(max).toBeGreaterThan(0.99999);
  });
});

describe('scaling (docs/reference-notes.md §1.4 step 4)', () => {
  it('scale_data: x / (m + deq)', () => {
    expect([...scaleToUnitRange()(batchOf([0, 127.5, 255])).images]).toEqual([0, 0.5, 1]);
    expect([...scaleToUnitRange({ dequantized: true })(batchOf([0, 128, 255.5])).images]).toEqual([0, 0.5, 255.5 / 256]);
    // m = max(|min|, |max|)
    expect([...scaleToUnitRange({ dataMin: -10, dataMax: 5 })(batchOf([-10, 5])).images]).toEqual([-1, 0.5]);
  });

  it('scale_data_to_n1_1: 2(x − min)/(range + deq) − 1', () => {
    expect([...scaleToSymmetricRange()(batchOf([0, 127.5, 255])).images]).toEqual([-1, 0, 1]);
    const deq = scaleToSymmetricRange({ dequantized: true })(batchOf([0, 128, 255.99]));
    expect(deq.images[0]).toBe(-1);
    expect(deq.images[1]).toBe(0);
    expect(deq.images[2]!).toBeLessThan(1);
  });

  it('the sample-side inverses recover the integer pixels', () => {
    const x = batchOf(pixels);
    for (const [fwd, inv] of [
      [scaleToUnitRange({ dequantized: true }), unscaleFromUnitRange({ dequantized: true })],
      [scaleToSymmetricRange({ dequantized: true }), unscaleFromSymmetricRange({ dequantized: true })],
    ] as const) {
      const back = inv(fwd(dequantize({ seed: 5 })(x)));
      expect([...back.images]).toEqual(pixels);
    }
    expect([...unscaleFromUnitRange()(batchOf([0.5])).images]).toEqual([127.5]);
    expect([...unscaleFromSymmetricRange({ clamp: true })(batchOf([-1.5, 1.5])).images]).toEqual([0, 255]);
  });

  it('rejects an empty data range', () => {
    expect(() => scaleToUnitRange({ dataMin: 3, dataMax: 3 })).toThrow(/dataMax/);
  });
});

describe('resizeTo', () => {
  it('resizes every plane like resizeFloat', () => {
    const b = batchOf(Array.from({ length: 2 * 3 * 4 * 4 }, (_, i) => i), [2, 3, 4, 4]);
    const out = resizeTo([2, 3])(b);
    expect(out.shape).toEqual([2, 3, 2, 3]);
    expect(out.images).toEqual(resizeFloat(b.images, b.shape, [2, 3]));
  });
});

describe('backgroundPerturbation (Ren et al.)', () => {
  it('replaces a ρ share of elements with values from {0, …, 255} on [0, 255] data', () => {
    const n = 20_000;
    const out = backgroundPerturbation({ rate: 0.3, seed: 2 })(batchOf(new Float32Array(n).fill(300.5)));
    let replaced = 0;
    for (const v of out.images) {
      if (v !== 300.5) {
        replaced += 1;
        expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true);
      }
    }
    expect(Math.abs(replaced / n - 0.3)).toBeLessThan(0.02);
  });

  it('uses linspace(batch min, batch max, 256) on scaled data', () => {
    const input = batchOf(Array.from({ length: 4000 }, (_, i) => (i % 2 ? 0.75 : 0.25)));
    const out = backgroundPerturbation({ rate: 1, seed: 1 })(input);
    const grid = Array.from({ length: 256 }, (_, k) => 0.25 + (k * 0.5) / 255);
    for (const v of out.images) expect(grid.some((g) => Math.abs(g - v) < 1e-6)).toBe(true);
    expect(new Set(out.images).size).toBeGreaterThan(200);
  });

  it('is the identity at rate 0 and rejects rates outside [0, 1]', () => {
    expect(backgroundPerturbation({ rate: 0, seed: 1 })(batchOf(pixels)).images).toEqual(Float32Array.from(pixels));
    expect(() => backgroundPerturbation({ rate: 1.5, seed: 1 })).toThrow(/rate/);
  });
});

describe('dataTransform and compose', () => {
  it('runs dequantize → scale → perturb in upstream order and lands in the documented ranges', () => {
    const x = toFloatBatch({ images: Uint8Array.from(pixels), shape: [1, 1, 16, 16] });
    const flows = dataTransform({ dequantize: true, scale: 'unit', seed: 0 })(x);
    for (const v of flows.images) expect(v >= 0 && v < 1).toBe(true);
    const diffusions = dataTransform({ dequantize: true, scale: 'symmetric', seed: 0 })(x);
    for (const v of diffusions.images) expect(v >= -1 && v < 1).toBe(true);
    const plain = dataTransform({ dequantize: false, scale: 'none', seed: 0 })(x);
    expect(plain.images).toEqual(x.images);
    const background = dataTransform({ dequantize: false, scale: 'unit', backgroundRate: 1, seed: 0 })(x);
    for (const v of background.images) expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-4);
  });

  it('compose applies steps left to right', () => {
    const add = (k: number) => (b: ImageBatch) => ({ ...b, images: b.images.map((v) => v * 10 + k) });
    expect([...compose(add(1), add(2))(batchOf([0])).images]).toEqual([12]);
  });
});
