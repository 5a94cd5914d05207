/**
 * Tile NHWC images into one grid image (for the per-epoch sample grid of training jobs): values are clamped
 * to [0, 255] and truncated to uint8, as the reference does before writing PNGs. PNG encoding is left to the
 * caller (the data package has the codecs).
 */
export interface ImageGrid {
  width: number;
  height: number;
  channels: number;
  /** Row-major HWC uint8. */
  data: Uint8Array;
}

export function imageGrid(
  images: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  opts: { columns?: number; padding?: number; padValue?: number } = {},
): ImageGrid {
  const [n, h, w, c] = shape;
  if (images.length !== n * h * w * c) throw new Error(`imageGrid: ${images.length} values for shape [${shape.join(', ')}]`);
  const cols = Math.max(1, Math.min(opts.columns ?? Math.ceil(Math.sqrt(n)), n));
  const rows = Math.ceil(n / cols);
  const pad = opts.padding ?? 2;
  const width = cols * w + (cols + 1) * pad;
  const height = rows * h + (rows + 1) * pad;
  const data = new Uint8Array(width * height * c).fill(opts.padValue ?? 255);
  for (let i = 0; i < n; i++) {
    const x0 = pad + (i % cols) * (w + pad);
    const y0 = pad + Math.floor(i / cols) * (h + pad);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) {
          const v = images[((i * h + y) * w + x) * c + ch]!;
          data[((y0 + y) * width + x0 + x) * c + ch] = Number.isFinite(v) ? Math.min(255, Math.max(0, Math.trunc(v))) : 0;
        }
  }
  return { width, height, channels: c, data };
}
