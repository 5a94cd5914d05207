import { describe, expect, it } from 'vitest';
import { bilinearAxisWeights, resizeFloat, resizeUint8 } from './resize.js';

// A 9×11 test plane; the reference values below were produced once from this plane with
// PIL 9.4 `Image.resize((w, h), Image.BILINEAR)` and torch 1.13
// `F.interpolate(x, size, mode='bilinear', antialias=True, align_corners=False)`.
const H = 9;
const W = 11;
const plane = Uint8Array.from({ length: H * W }, (_, k) => {
  const i = Math.floor(k / W);
  const j = k % W;
  return (i * 37 + j * 11 + ((i * j) % 7) * 13) % 256;
});

const references: { size: [number, number]; pil: number[]; torch: number[] }[] = [
  {
    size: [5, 4],
    pil: [43, 85, 111, 127, 120, 164, 181, 152, 170, 175, 143, 77, 95, 72, 53, 99, 48, 86, 111, 132],
    torch: [42.3016, 84.8321, 111.1893, 127.1905, 120.3391, 164.2479, 180.6573, 152.5868, 169.7473, 174.8863, 142.6441, 76.7386, 95.0567, 72.3886, 53.0542, 98.7535, 47.6574, 85.8428, 111.194, 132.4431],
  },
  {
    size: [7, 13],
    pil: [10, 21, 34, 46, 58, 71, 83, 95, 91, 95, 107, 120, 131, 54, 76, 102, 127, 140, 137, 162, 187, 150, 147, 172, 171, 104, 98, 132, 171, 182, 179, 186, 175, 213, 189, 199, 175, 115, 159, 148, 166, 187, 213, 220, 171, 50, 188, 195, 124, 51, 36, 92, 198, 64, 117, 171, 130, 49, 40, 31, 23, 63, 96, 88, 80, 103, 49, 36, 40, 44, 49, 53, 57, 62, 88, 111, 116, 120, 30, 45, 63, 80, 97, 115, 132, 149, 121, 118, 135, 153, 168],
    torch: [10.0909, 21.2797, 33.5874, 45.8951, 58.2028, 70.5105, 82.8182, 95.1259, 90.2517, 94.9231, 107.2308, 119.5385, 130.7273, 53.8182, 76.8252, 102.1329, 127.4406, 140.021, 136.6923, 162.0, 187.3077, 149.6154, 146.9231, 172.2308, 170.6853, 104.1818, 97.5454, 132.3706, 170.6783, 182.2587, 179.2028, 185.6923, 175.0, 213.3077, 188.6154, 198.9231, 174.5734, 115.3776, 159.3636, 148.0, 166.1657, 187.2367, 213.1539, 219.8817, 170.7337, 50.3846, 188.5029, 194.2308, 124.1065, 50.852, 35.1657, 92.3846, 198.4545, 63.6293, 117.1119, 171.0769, 130.0769, 48.6923, 40.0, 31.3077, 22.6154, 62.9231, 96.2308, 87.5385, 79.6364, 102.5455, 48.7692, 35.7692, 40.0769, 44.3846, 48.6923, 53.0, 57.3077, 61.6154, 88.1958, 111.5944, 115.9021, 119.8182, 29.9091, 45.6433, 62.951, 80.2587, 97.5664, 114.8741, 132.1818, 149.4895, 120.979, 117.9231, 135.2308, 152.5384, 168.2727],
  },
  {
    size: [9, 4], // width only
    pil: [13, 40, 70, 97, 65, 125, 148, 158, 116, 159, 177, 148, 160, 196, 206, 156, 190, 187, 164, 49, 134, 126, 31, 61, 101, 50, 59, 122, 16, 43, 73, 100, 68, 128, 151, 161],
    torch: [12.6296, 40.15, 69.85, 97.3704, 64.5555, 124.6, 148.45, 158.4444, 116.4815, 159.0, 177.0, 148.4074, 159.9815, 196.4333, 205.8333, 155.7592, 190.0, 186.9333, 164.2167, 48.7037, 133.9444, 126.2333, 30.9167, 60.7963, 100.537, 49.7, 59.4667, 121.8704, 15.6296, 43.15, 72.85, 100.3704, 67.5555, 127.6, 151.45, 161.4444],
  },
  {
    size: [3, 11], // height only
    pil: [46, 74, 101, 117, 121, 137, 164, 123, 151, 146, 130, 148, 126, 185, 197, 153, 80, 168, 140, 117, 63, 104, 90, 36, 75, 83, 70, 78, 86, 71, 113, 120, 128],
    torch: [46.25, 73.5, 100.75, 116.625, 121.125, 137.0, 164.25, 123.25, 150.5, 145.75, 129.625, 148.0, 125.6667, 184.8889, 197.3333, 152.8889, 80.0, 167.6667, 139.6667, 117.3333, 62.7778, 103.6667, 89.75, 35.625, 75.375, 83.125, 70.25, 78.0, 85.75, 70.75, 112.625, 120.375, 128.125],
  },
];

describe('bilinearAxisWeights', () => {
  it('normalises each output row and widens the filter when shrinking', () => {
    const shrink = bilinearAxisWeights(105, 28);
    const grow = bilinearAxisWeights(28, 32);
    for (const ax of [shrink, grow]) {
      for (let o = 0; o < ax.start.length; o++) {
        let s = 0;
        for (let k = 0; k < ax.count[o]!; k++) s += ax.weights[o * ax.stride + k]!;
        expect(s).toBeCloseTo(1, 12);
      }
    }
    expect(Math.max(...shrink.count)).toBeGreaterThanOrEqual(7); // support 2·105/28 ≈ 7.5 input pixels
    expect(Math.max(...grow.count)).toBeLessThanOrEqual(2);
  });
});

describe('resizeFloat (torch antialias=True semantics)', () => {
  for (const ref of references) {
    it(`matches torch for 9×11 → ${ref.size.join('×')}`, () => {
      const out = resizeFloat(plane, [1, 1, H, W], ref.size);
      expect(out.length).toBe(ref.size[0] * ref.size[1]);
      out.forEach((v, i) => expect(Math.abs(v - ref.torch[i]!)).toBeLessThan(1e-3));
    });
  }

  it('is the identity (a float copy) at the same size, and resizes each plane of NCHW independently', () => {
    const same = resizeFloat(plane, [1, 1, H, W], [H, W]);
    expect([...same]).toEqual([...plane]);
    const two = new Uint8Array(2 * H * W);
    two.set(plane, 0);
    two.set(plane.map((v) => 255 - v), H * W);
    const out = resizeFloat(two, [2, 1, H, W], [5, 4]);
    for (let i = 0; i < 20; i++) {
      expect(out[i]!).toBeCloseTo(references[0]!.torch[i]!, 3);
      expect(out[20 + i]!).toBeCloseTo(255 - references[0]!.torch[i]!, 3);
    }
  });

  it('keeps a constant image constant when enlarging 28 → 32', () => {
    const out = resizeFloat(new Float32Array(28 * 28).fill(77), [1, 1, 28, 28], [32, 32]);
    for (const v of out) expect(v).toBeCloseTo(77, 4);
  });

  it('rejects a shape that does not fit the data', () => {
    expect(() => resizeFloat(plane, [1, 1, 10, 10], [5, 5])).toThrow(/shape/);
    expect(() => resizeFloat(plane, [1, 1, H, W], [0, 5])).toThrow(/positive/);
  });
});

describe('resizeUint8 (PIL BILINEAR semantics)', () => {
  for (const ref of references) {
    it(`matches PIL exactly for 9×11 → ${ref.size.join('×')}`, () => {
      expect([...resizeUint8(plane, [1, 1, H, W], ref.size)]).toEqual(ref.pil);
    });
  }

  it('returns a copy at the same size', () => {
    const out = resizeUint8(plane, [1, 1, H, W], [H, W]);
    expect(out).toEqual(plane);
    expect(out).not.toBe(plane);
  });
});
