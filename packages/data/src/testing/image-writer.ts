import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import sharp from 'sharp';

/** Test helpers that write real image files: PNG (pngjs, or a hand-made 1-bit PNG) and JPEG (sharp). */

function ensureDir(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}

/** An 8-bit PNG from CHW uint8 pixels: grey (1 channel, colour type 0), RGB (3), or RGBA with `alpha`. */
export function writePng(path: string, chw: Uint8Array, channels: 1 | 3, height: number, width: number, options: { alpha?: number } = {}): void {
  const hasAlpha = options.alpha !== undefined;
  const colorType = channels === 1 ? (hasAlpha ? 4 : 0) : hasAlpha ? 6 : 2;
  const png = new PNG({ width, height, colorType, inputColorType: 6, bitDepth: 8, inputHasAlpha: true });
  const plane = width * height;
  for (let p = 0; p < plane; p++) {
    const r = chw[p]!;
    png.data[p * 4] = r;
    png.data[p * 4 + 1] = channels === 1 ? r : chw[plane + p]!;
    png.data[p * 4 + 2] = channels === 1 ? r : chw[2 * plane + p]!;
    png.data[p * 4 + 3] = options.alpha ?? 255;
  }
  ensureDir(path);
  writeFileSync(path, PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true, bitDepth: 8 }));
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A 1-bit greyscale PNG (as Omniglot's files are): `bits[p]` true = white. */
export function writeOneBitPng(path: string, bits: ArrayLike<boolean>, height: number, width: number): void {
  const stride = Math.ceil(width / 8);
  const raw = new Uint8Array(height * (1 + stride));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (bits[y * width + x]) raw[y * (1 + stride) + 1 + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  ensureDir(path);
  writeFileSync(
    path,
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', new Uint8Array(0)),
    ]),
  );
}

/** A JPEG (quality 100, 4:4:4) from CHW uint8 pixels; `channels` 1 writes a greyscale JPEG. */
export async function writeJpeg(path: string, chw: Uint8Array, channels: 1 | 3, height: number, width: number): Promise<void> {
  const plane = width * height;
  const hwc = Buffer.alloc(plane * channels);
  for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) hwc[p * channels + c] = chw[c * plane + p]!;
  ensureDir(path);
  let img = sharp(hwc, { raw: { width, height, channels } });
  if (channels === 1) img = img.toColourspace('b-w');
  await img.jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toFile(path);
}

/** A constant-colour CHW image (JPEG round-trips it almost exactly). */
export function solid(channels: 1 | 3, height: number, width: number, colour: number[]): Uint8Array {
  const out = new Uint8Array(channels * height * width);
  for (let c = 0; c < channels; c++) out.fill(colour[c] ?? colour[0]!, c * height * width, (c + 1) * height * width);
  return out;
}
