import sharp from 'sharp';
import type * as tf from '@tensorflow/tfjs';
import { imageGrid } from './image-grid.js';

/** Raw NHWC images (0..255) as one PNG grid, each pixel drawn `scale`×`scale` so small images can be looked at. */
export async function writeSampleGrid(images: tf.Tensor4D, path: string, opts: { columns?: number; scale?: number } = {}): Promise<void> {
  const values = await images.data();
  const grid = imageGrid(values, images.shape as [number, number, number, number], { columns: opts.columns ?? 3 });
  const scale = opts.scale ?? 1;
  let png = sharp(Buffer.from(grid.data), { raw: { width: grid.width, height: grid.height, channels: grid.channels as 1 | 3 } });
  if (scale !== 1) png = png.resize(grid.width * scale, grid.height * scale, { kernel: 'nearest' });
  await png.png().toFile(path);
}
