import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { LoadedDataset } from './registry.js';

/** Where a job's images came from and a hash of exactly the images it used, for provenance records. */
export interface DatasetFingerprint {
  dataset: string;
  role: string;
  origin: string;
  part: string;
  files: string[];
  scheme: string;
  /** Images used (the first `count` of the loaded role). */
  count: number;
  shape: number[];
  /** sha256 of the used images' bytes as loaded (dtype and layout included). */
  sha256: string;
}

export function datasetFingerprint(data: LoadedDataset, count = data.shape[0]): DatasetFingerprint {
  const n = Math.min(count, data.shape[0]);
  const per = data.shape[1] * data.shape[2] * data.shape[3];
  const used = data.images.subarray(0, n * per);
  const hash = createHash('sha256')
    .update(`${used.constructor.name}:${[n, ...data.shape.slice(1)].join('x')}:`)
    .update(new Uint8Array(used.buffer, used.byteOffset, used.byteLength))
    .digest('hex');
  return {
    dataset: data.name,
    role: data.role,
    origin: data.source.origin,
    part: data.source.part,
    files: data.source.files.map((f) => basename(f)),
    scheme: String(data.source.scheme),
    count: n,
    shape: [n, ...data.shape.slice(1)],
    sha256: hash,
  };
}
