import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import { FormatError } from './errors.js';
import { resizeUint8 } from './resize.js';
import type { ImageArray, Shape4 } from './types.js';

/**
 * Decoding JPEG/PNG files with sharp (libvips) into CHW uint8 planes, then resizing with our PIL-equivalent
 * filter (resize.ts), which is how upstream's PIL-backed datasets prepare images:
 * `PIL.Image.open(f).convert('RGB' | 'L')` → `Resize(size, antialias=True)` → `ToTensor() × 255`.
 * No EXIF auto-rotation (PIL does not rotate either); alpha is dropped like `convert('RGB')`.
 */
export type ChannelCount = 1 | 3;

export interface DecodedImage {
  /** CHW, uint8. */
  data: Uint8Array;
  channels: ChannelCount;
  height: number;
  width: number;
}

export async function decodeImageFile(file: string, channels: ChannelCount): Promise<DecodedImage> {
  let result: { data: Buffer; info: OutputInfo };
  try {
    result = await sharp(file, { failOn: 'truncated' })
      .removeAlpha()
      .toColourspace(channels === 1 ? 'b-w' : 'srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new FormatError(`cannot decode image ${file}: ${(error as Error).message}`);
  }
  const { data, info } = result;
  if (info.channels !== channels) throw new FormatError(`image ${file} decoded to ${info.channels} channels, expected ${channels}`);
  const { width, height } = info;
  const plane = width * height;
  const chw = new Uint8Array(channels * plane);
  if (channels === 1) chw.set(data.subarray(0, plane));
  else for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) chw[c * plane + p] = data[p * channels + c]!;
  return { data: chw, channels, height, width };
}

/** 1 for grey (PIL mode L/LA, also 1-bit), 3 for colour (RGB/RGBA/palette), from the file's header. */
export async function imageChannels(file: string): Promise<ChannelCount> {
  try {
    const meta = await sharp(file).metadata();
    return (meta.channels ?? 3) <= 2 ? 1 : 3;
  } catch (error) {
    throw new FormatError(`cannot decode image ${file}: ${(error as Error).message}`);
  }
}

export interface ReadImagesOptions {
  channels: ChannelCount;
  /** Resize every image to [h, w] (PIL bilinear, antialiased); without it all images must share one size. */
  size?: readonly [number, number];
  /** Concurrent decodes (sharp works on libuv's thread pool). */
  concurrency?: number;
  /** Called after each decoded image (progress reporting). */
  onProgress?: (done: number, total: number) => void;
  /** Applied to every pixel after resizing, e.g. Omniglot's inversion. */
  map?: (v: number) => number;
}

/** Decodes `files` in order into one NCHW uint8 array. */
export async function readImageFiles(files: readonly string[], options: ReadImagesOptions): Promise<ImageArray & { images: Uint8Array }> {
  const { channels } = options;
  const n = files.length;
  if (n === 0) throw new FormatError('no image files to read');
  let size = options.size;
  if (!size) {
    const first = await decodeImageFile(files[0]!, channels);
    size = [first.height, first.width];
  }
  const [h, w] = size;
  const per = channels * h * w;
  const images = new Uint8Array(n * per);
  const lut = options.map ? Uint8Array.from({ length: 256 }, (_, v) => options.map!(v)) : undefined;
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const img = await decodeImageFile(files[i]!, channels);
      let pixels = img.data;
      if (img.height !== h || img.width !== w) {
        if (!options.size) {
          throw new FormatError(`image ${files[i]} is ${img.width}×${img.height}, the first image is ${w}×${h} (pass a size to resize)`);
        }
        pixels = resizeUint8(pixels, [1, channels, img.height, img.width], [h, w]);
      }
      if (lut) for (let k = 0; k < pixels.length; k++) pixels[k] = lut[pixels[k]!]!;
      images.set(pixels, i * per);
      done += 1;
      options.onProgress?.(done, n);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 8, n));
  await Promise.all(Array.from({ length: workers }, worker));
  const shape: Shape4 = [n, channels, h, w];
  return { images, shape };
}

/**
 * Writes model samples the way upstream's `dgm-generated` writer does (docs/reference-notes.md §1.5): clamp to
 * [0, 255], truncate to uint8, one PNG per sample named `<start+1>.png…`, mode L for 1 channel, RGB for 3.
 * `samples` is NCHW in [0, 255]. Returns the written paths.
 */
export async function writeSamplesAsPng(dir: string, samples: Float32Array | Uint8Array, shape: Shape4, start = 0): Promise<string[]> {
  const [n, c, h, w] = shape;
  if (c !== 1 && c !== 3) throw new RangeError(`PNG samples need 1 or 3 channels, got ${c}`);
  if (samples.length !== n * c * h * w) throw new RangeError(`samples have ${samples.length} values, shape [${shape.join(', ')}] needs ${n * c * h * w}`);
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const hwc = Buffer.alloc(c * plane);
    for (let p = 0; p < plane; p++) {
      for (let ch = 0; ch < c; ch++) {
        const v = samples[i * c * plane + ch * plane + p]!;
        hwc[p * c + ch] = Number.isNaN(v) ? 0 : Math.trunc(Math.min(255, Math.max(0, v)));
      }
    }
    const path = join(dir, `${start + i + 1}.png`);
    await sharp(hwc, { raw: { width: w, height: h, channels: c } })
      .toColourspace(c === 1 ? 'b-w' : 'srgb')
      .png()
      .toFile(path);
    paths.push(path);
  }
  return paths;
}
