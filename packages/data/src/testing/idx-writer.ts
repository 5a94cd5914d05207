import { gzipSync } from 'node:zlib';

/** Test helper: an IDX file (uint8 elements), as in LeCun's MNIST distribution; gzipped when asked. */
export function encodeIdx(dims: number[], data: Uint8Array, options: { gzip?: boolean } = {}): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const raw = new Uint8Array(header.length + data.length);
  raw.set(header);
  raw.set(data, header.length);
  return options.gzip ? gzipSync(raw) : raw;
}
