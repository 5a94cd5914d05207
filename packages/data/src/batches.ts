import { invalidOption } from './errors.js';
import { seededPermutation } from './random.js';
import type { BatchTransform, ImageBatch } from './transforms.js';
import type { ImageArray, Role } from './types.js';

export interface Batch extends ImageBatch {
  labels?: Int32Array;
  /** Positions of the batch's items in the iterated array. */
  indices: Int32Array;
}

export interface BatchOptions {
  batchSize: number;
  /** Visit items in a seeded random order (new order per `epoch`). Default false. */
  shuffle?: boolean;
  seed?: number;
  epoch?: number;
  /** Drop a final incomplete batch. Default false. */
  dropLast?: boolean;
  /** Applied to each float batch (e.g. `dataTransform(…)`). */
  transform?: BatchTransform;
}

/**
 * Upstream's loader settings per role (docs/reference-notes.md §1.1): drop_last only for train; shuffle only
 * when training.
 */
export function loaderDefaults(role: Role, mode: 'training' | 'ood'): Pick<BatchOptions, 'shuffle' | 'dropLast'> {
  return { shuffle: mode === 'training', dropLast: role === 'train' };
}

export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** Float32 NCHW batches (pixels in [0,255] unless a transform changes them), optionally shuffled. */
export function* iterateBatches(data: ImageArray, options: BatchOptions): Generator<Batch> {
  const { batchSize } = options;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw invalidOption(`batchSize must be a positive integer, got ${batchSize}`);
  const [n, c, h, w] = data.shape;
  const per = c * h * w;
  let order: Int32Array;
  if (options.shuffle) {
    // A different permutation per epoch, all fixed by the seed.
    order = seededPermutation(n, (options.seed ?? 0) * 1_000_003 + (options.epoch ?? 0));
  } else {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  const count = batchCount(n, batchSize, options.dropLast);
  for (let b = 0; b < count; b++) {
    const indices = order.slice(b * batchSize, Math.min(n, (b + 1) * batchSize));
    const images = new Float32Array(indices.length * per);
    indices.forEach((src, k) => {
      const from = data.images.subarray(src * per, (src + 1) * per);
      images.set(from, k * per);
    });
    let batch: ImageBatch = { images, shape: [indices.length, c, h, w] };
    if (options.transform) batch = options.transform(batch);
    const out: Batch = { ...batch, indices };
    if (data.labels) out.labels = Int32Array.from(indices, (src) => data.labels![src]!);
    yield out;
  }
}
