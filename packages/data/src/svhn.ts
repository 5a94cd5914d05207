import { FormatError } from './errors.js';
import type { MatFile } from './mat5.js';

/**
 * SVHN's cropped-digit files (`train_32x32.mat`, `test_32x32.mat`, `extra_32x32.mat`): `X` is uint8 with
 * MATLAB dims (32, 32, 3, N) in column-major order, so X[h, w, c, n] sits at h + 32w + 1024c + 3072n;
 * `y` holds N labels 1…10 where 10 means the digit 0 (torchvision maps 10 → 0; so do we).
 * The result is NCHW: out[n, c, h, w] = X[h, w, c, n], as torchvision's transpose (3, 2, 0, 1).
 */
export function svhnFromMat(mat: MatFile): { images: Uint8Array; labels: Int32Array; n: number; h: number; w: number } {
  const x = mat.variables.get('X');
  const y = mat.variables.get('y');
  if (!x) throw new FormatError(`SVHN: no numeric variable "X" (found: ${[...mat.variables.keys()].join(', ') || 'none'})`);
  if (!y) throw new FormatError(`SVHN: no numeric variable "y" (found: ${[...mat.variables.keys()].join(', ') || 'none'})`);
  if (x.class !== 'uint8' || x.dims.length !== 4 || x.dims[2] !== 3) {
    throw new FormatError(`SVHN: X must be uint8 (H, W, 3, N), got ${x.class} (${x.dims.join(', ')})`);
  }
  const [h, w, c, n] = x.dims as [number, number, number, number];
  if (y.data.length !== n) throw new FormatError(`SVHN: X has ${n} images but y has ${y.data.length} labels`);
  const src = x.data as Uint8Array;
  const images = new Uint8Array(n * c * h * w);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const srcImage = i * c * plane;
    const dstImage = i * c * plane;
    for (let ch = 0; ch < c; ch++) {
      const s = srcImage + ch * plane;
      const d = dstImage + ch * plane;
      // column-major plane (index h + H·w) → row-major plane (index w + W·h)
      for (let col = 0; col < w; col++) {
        const sc = s + col * h;
        for (let row = 0; row < h; row++) images[d + row * w + col] = src[sc + row]!;
      }
    }
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y.data[i]!;
    if (!Number.isInteger(v) || v < 1 || v > 10) throw new FormatError(`SVHN: label ${i} is ${v}, expected 1…10`);
    labels[i] = v === 10 ? 0 : v;
  }
  return { images, labels, n, h, w };
}
