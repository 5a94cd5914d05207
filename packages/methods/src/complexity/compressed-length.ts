/**
 * Compressed lengths for the input-complexity baseline, with the settings the reference's OpenCV encoder used:
 * PNG at zlib level 9 (default strategy, memLevel 9) with libpng's adaptive row filters, and baseline JPEG at
 * quality 95 without Huffman optimisation (sharp's libjpeg), one component for grayscale images.
 * Lengths are in bytes of the whole file; images are 8-bit (H, W, C) row-major, C = 1 or 3.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { deflate } from 'pako';

export interface Image8 {
  data: Uint8Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * The PNG file OpenCV writes: libpng's adaptive filter choice per row (the filter whose output has the least sum
 * of |signed bytes|, ties to the earlier of None, Sub, Up, Average, Paeth), zlib level 9, default strategy, memLevel 9, one
 * IDAT. Written here because no PNG library exposes libpng's heuristic with OpenCV's zlib settings, and the
 * complexity score is a byte count: pngjs's heuristic (unsigned sums) gives MNIST digits ~20% longer files.
 */
export function pngBytes(image: Image8): number {
  return encodePng(image).length;
}

export function encodePng(image: Image8): Buffer {
  const { width, height, channels } = image;
  const stride = width * channels;
  const filtered = Buffer.alloc((stride + 1) * height);
  const prev = new Uint8Array(stride);
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = image.data.subarray(y * stride, (y + 1) * stride);
    let best = 0;
    let bestSum = signedSum(row);
    filtered.set(row, y * (stride + 1) + 1);
    for (let type = 1; type <= 4; type++) {
      applyFilter(type, row, prev, channels, candidate);
      const sum = signedSum(candidate);
      if (sum < bestSum) {
        bestSum = sum;
        best = type;
        filtered.set(candidate, y * (stride + 1) + 1);
      }
    }
    filtered[y * (stride + 1)] = best;
    prev.set(row);
  }
  // pako is zlib 1.2's deflate, as libpng links it; Node's bundled zlib (Chromium's fork) compresses differently.
  const idat = Buffer.from(deflate(filtered, { level: 9, memLevel: 9, windowBits: pngWindowBits(filtered.length) }));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, channels === 1 ? 0 : 2, 0, 0, 0], 8);
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function signedSum(bytes: Uint8Array): number {
  let sum = 0;
  for (const v of bytes) sum += v < 128 ? v : 256 - v;
  return sum;
}

function applyFilter(type: number, row: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array): void {
  for (let i = 0; i < row.length; i++) {
    const left = i >= bpp ? row[i - bpp]! : 0;
    const up = prev[i]!;
    const upLeft = i >= bpp ? prev[i - bpp]! : 0;
    const predictor = type === 1 ? left : type === 2 ? up : type === 3 ? (left + up) >> 1 : paeth(left, up, upLeft);
    out[i] = (row[i]! - predictor) & 0xff;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

const JFIF_APP0_BYTES = 18;

export async function jpegBytes(image: Image8, quality = 95): Promise<number> {
  // Loaded on first use: libvips is large, and the coordinator reads this method's plan without encoding.
  const { default: sharp } = await import('sharp');
  let pipeline = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  });
  if (image.channels === 1) pipeline = pipeline.toColourspace('b-w');
  const jpeg = await pipeline
    .jpeg({ quality, optimiseCoding: false, trellisQuantisation: false, overshootDeringing: false, optimiseScans: false, progressive: false, chromaSubsampling: '4:2:0' })
    .toBuffer();
  // libjpeg under OpenCV writes a JFIF APP0 segment (18 bytes) that libvips leaves out: counted, so that lengths
  // equal OpenCV's.
  const hasJfif = jpeg[2] === 0xff && jpeg[3] === 0xe0;
  return jpeg.length + (hasJfif ? 0 : JFIF_APP0_BYTES);
}

/** The FLIF encoder on PATH (`flif`, or DGM_OOD_FLIF), or null: no registry ships one. */
export function findFlifEncoder(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidate = env.DGM_OOD_FLIF ?? 'flif';
  const r = spawnSync(candidate, ['--help'], { stdio: 'ignore' });
  return r.error ? null : candidate;
}

/** FLIF length of the image's PNG, encoded by the external `flif` binary (as the reference did). */
export function flifBytes(image: Image8, encoder: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'dgm-flif-'));
  try {
    const input = join(dir, 'in.png');
    const output = join(dir, 'out.flif');
    writeFileSync(input, encodePng(image));
    const r = spawnSync(encoder, ['-e', '--overwrite', input, output], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.error || r.status !== 0) throw new Error(`${encoder} failed (${r.error?.message ?? `exit ${r.status}: ${String(r.stderr).trim()}`})`);
    return statSync(output).size;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** libpng's window for small images: the smallest power of two whose half is below the data size + 262 (≥ 2^8). */
function pngWindowBits(dataSize: number): number {
  let bits = 15;
  let half = 1 << (bits - 1);
  while (dataSize + 262 <= half && bits > 8) {
    half >>= 1;
    bits--;
  }
  return bits;
}
