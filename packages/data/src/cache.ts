import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ImageArray, Shape4 } from './types.js';

/**
 * On-disk cache of decoded (and resized) image pools, for the datasets whose decoding is slow (JPEG/PNG
 * folders). One pool is two files under the cache directory (default `DATA_DIR/.cache`):
 * `<dataset>-<part>-<H>x<W>.json` (header) and `.bin` (the NCHW uint8/float32 pixels, then int32 labels).
 * The header records a fingerprint of the source files (relative path, size, mtime of each), and the cache
 * is used only when that fingerprint still matches, so a changed, added or removed source file rebuilds it.
 */
export const CACHE_FORMAT = 1;

export interface CacheKey {
  dataset: string;
  /** Which pool of the dataset (e.g. `train`, `trainval`, `background`, `all`). */
  part: string;
  size: readonly [number, number];
}

export interface Fingerprint {
  count: number;
  digest: string;
}

interface CacheHeader {
  format: number;
  dataset: string;
  part: string;
  shape: Shape4;
  dtype: 'uint8' | 'float32';
  labels: boolean;
  littleEndian: boolean;
  source: Fingerprint;
}

export function cacheFileBase(dir: string, key: CacheKey): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  return join(dir, `${safe(key.dataset)}-${safe(key.part)}-${key.size[0]}x${key.size[1]}`);
}

/** Fingerprint of `files` (their paths relative to `root`, sizes and modification times). */
export async function fingerprintFiles(root: string, files: readonly string[]): Promise<Fingerprint> {
  const hash = createHash('sha256');
  const chunk = 256;
  for (let i = 0; i < files.length; i += chunk) {
    const slice = files.slice(i, i + chunk);
    const stats = await Promise.all(slice.map((f) => stat(f)));
    slice.forEach((f, k) => hash.update(`${relative(root, f)}\0${stats[k]!.size}\0${stats[k]!.mtimeMs}\n`));
  }
  return { count: files.length, digest: hash.digest('hex') };
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The cached pool, or undefined when absent, stale (fingerprint differs) or unreadable. */
export async function readCachedPool(dir: string, key: CacheKey, source: Fingerprint): Promise<ImageArray | undefined> {
  const base = cacheFileBase(dir, key);
  let header: CacheHeader;
  try {
    header = JSON.parse(await readFile(`${base}.json`, 'utf8')) as CacheHeader;
  } catch {
    return undefined;
  }
  if (
    header.format !== CACHE_FORMAT ||
    header.littleEndian !== littleEndian ||
    header.source?.digest !== source.digest ||
    header.source?.count !== source.count
  ) {
    return undefined;
  }
  let bin: Buffer;
  try {
    bin = await readFile(`${base}.bin`);
  } catch {
    return undefined;
  }
  const [n, c, h, w] = header.shape;
  const count = n * c * h * w;
  const pixelBytes = header.dtype === 'uint8' ? count : count * 4;
  const labelBytes = header.labels ? n * 4 : 0;
  if (bin.length !== pixelBytes + labelBytes) return undefined;
  // Copy into fresh, aligned buffers (Buffer slices may be unaligned for Float32Array/Int32Array).
  const body = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength).slice();
  const images = header.dtype === 'uint8' ? body.subarray(0, count) : new Float32Array(body.buffer, 0, count);
  const labels = header.labels ? new Int32Array(body.buffer, pixelBytes, n) : undefined;
  return labels ? { images, shape: header.shape, labels } : { images, shape: header.shape };
}

/** Writes the pool atomically (temp files, then rename). */
export async function writeCachedPool(dir: string, key: CacheKey, source: Fingerprint, pool: ImageArray): Promise<void> {
  await mkdir(dir, { recursive: true });
  const base = cacheFileBase(dir, key);
  const header: CacheHeader = {
    format: CACHE_FORMAT,
    dataset: key.dataset,
    part: key.part,
    shape: pool.shape,
    dtype: pool.images instanceof Uint8Array ? 'uint8' : 'float32',
    labels: pool.labels !== undefined,
    littleEndian,
    source,
  };
  const parts = [new Uint8Array(pool.images.buffer, pool.images.byteOffset, pool.images.byteLength)];
  if (pool.labels) parts.push(new Uint8Array(pool.labels.buffer, pool.labels.byteOffset, pool.labels.byteLength));
  const tmp = `.tmp-${process.pid}-${Date.now()}`;
  await writeFile(`${base}.bin${tmp}`, Buffer.concat(parts));
  await writeFile(`${base}.json${tmp}`, JSON.stringify(header, null, 2));
  // The header goes last: a reader that finds a header finds the matching binary.
  await rename(`${base}.bin${tmp}`, `${base}.bin`);
  await rename(`${base}.json${tmp}`, `${base}.json`);
}
