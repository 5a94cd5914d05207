import { gunzipSync } from 'node:zlib';
import { FormatError } from './errors.js';

/**
 * IDX files (LeCun's MNIST format, also Fashion-MNIST and EMNIST): a 4-byte magic `00 00 <type> <ndim>`,
 * ndim big-endian uint32 dimensions, then the values, big-endian, row-major.
 * Only the element types real datasets use are supported: 0x08 (uint8) and 0x09 (int8).
 */
export interface IdxArray {
  dims: number[];
  data: Uint8Array | Int8Array;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/** Gunzips when the bytes start with the gzip magic (whatever the file name says), else returns them. */
export function maybeGunzip(bytes: Uint8Array): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength); // a plain view, not a Buffer
  } catch (error) {
    throw new FormatError(`gzip stream is corrupt: ${(error as Error).message}`);
  }
}

/** Parses an IDX file, gzip-compressed or raw. The returned data views the (decompressed) buffer. */
export function parseIdx(fileBytes: Uint8Array): IdxArray {
  const bytes = maybeGunzip(fileBytes);
  if (bytes.length < 4) throw new FormatError(`IDX: file is ${bytes.length} bytes, shorter than the 4-byte magic`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(`IDX: bad magic ${hex(bytes.subarray(0, 4))} (must start with 00 00)`);
  }
  const type = bytes[2]!;
  const ndim = bytes[3]!;
  if (type !== 0x08 && type !== 0x09) {
    throw new FormatError(`IDX: unsupported element type 0x${type.toString(16).padStart(2, '0')} (only 0x08 uint8 and 0x09 int8)`);
  }
  if (ndim < 1) throw new FormatError('IDX: zero dimensions');
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) throw new FormatError(`IDX: header truncated (${bytes.length} < ${headerSize} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerSize;
  if (available !== count) {
    throw new FormatError(
      `IDX: dims [${dims.join(', ')}] need ${count} bytes of data, file has ${available}${available < count ? ' (truncated)' : ' (trailing bytes)'}`,
    );
  }
  const data =
    type === 0x08
      ? bytes.subarray(headerSize, headerSize + count)
      : new Int8Array(bytes.buffer, bytes.byteOffset + headerSize, count);
  return { dims, data };
}

/** An IDX image file (N×H×W) and its label file (N), checked against each other. */
export function parseIdxImagesAndLabels(
  imageBytes: Uint8Array,
  labelBytes: Uint8Array,
): { images: Uint8Array; n: number; h: number; w: number; labels: Int32Array } {
  const images = parseIdx(imageBytes);
  if (images.dims.length !== 3 || !(images.data instanceof Uint8Array)) {
    throw new FormatError(`IDX images: expected a uint8 N×H×W array, got dims [${images.dims.join(', ')}]`);
  }
  const labels = parseIdx(labelBytes);
  if (labels.dims.length !== 1) throw new FormatError(`IDX labels: expected 1 dimension, got [${labels.dims.join(', ')}]`);
  const [n, h, w] = images.dims as [number, number, number];
  if (labels.dims[0] !== n) throw new FormatError(`IDX: ${n} images but ${labels.dims[0]} labels`);
  return { images: images.data, n, h, w, labels: Int32Array.from(labels.data) };
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
