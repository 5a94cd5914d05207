/**
 * Distances between a raw image and its reconstruction, both 8-bit-range pixels (H, W, C) row-major, C = 1 or 3:
 * higher = further apart, so that every metric's z-score points the same way.
 *  - l2: the mean over all pixels of (x − r)², as the reference computes it on [0, 255];
 *  - ssim: 1 − SSIM (Wang et al. 2004, the original 11×11 Gaussian window, σ 1.5, on [0, 255]; RGB by luma), by
 *    ssim.js; images smaller than 11 pixels use the largest odd window that fits (SSIM is undefined otherwise).
 */
import { ssim } from 'ssim.js';

export function meanSquaredError(x: ArrayLike<number>, r: ArrayLike<number>): number {
  if (x.length !== r.length) throw new RangeError(`images of ${x.length} and ${r.length} values`);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i]! - r[i]!) ** 2;
  return sum / x.length;
}

function rgba(pixels: ArrayLike<number>, height: number, width: number, channels: number): { data: Uint8ClampedArray; width: number; height: number } {
  const data = new Uint8ClampedArray(height * width * 4);
  for (let p = 0; p < height * width; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = pixels[p * channels + (channels === 1 ? 0 : c)]!;
    data[p * 4 + 3] = 255;
  }
  return { data, width, height };
}

export function ssimDistance(x: ArrayLike<number>, r: ArrayLike<number>, shape: [number, number, number]): number {
  const [height, width, channels] = shape;
  const side = Math.min(11, height, width);
  const windowSize = side % 2 === 1 ? side : side - 1;
  const { mssim } = ssim(rgba(x, height, width, channels), rgba(r, height, width, channels), { ssim: 'original', windowSize });
  return 1 - mssim;
}
