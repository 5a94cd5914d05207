import * as tf from '@tensorflow/tfjs';
import { TrainingError } from './errors.js';

/** Raw images on the host; the trainer makes (and disposes) the tensor. */
export interface HostImageBatch {
  data: Float32Array | Uint8Array | Uint8ClampedArray | Int32Array | number[];
  /** [B, H, W, C] for NHWC (default) or [B, C, H, W] for NCHW. */
  shape: [number, number, number, number];
  layout?: 'NHWC' | 'NCHW';
}

/** A batch of raw images (0..255): an NHWC tensor (owned by the caller) or host data. */
export type ImageBatch = tf.Tensor | HostImageBatch;

type Batches = Iterable<ImageBatch> | AsyncIterable<ImageBatch>;

/**
 * Batches for training or validation: an (async) iterable read anew every epoch, or a function of the epoch
 * (for a per-epoch shuffle). For an exact resume in the middle of an epoch the order must be a function of the
 * epoch only: the resumed attempt skips the batches that were already used.
 */
export type BatchSource = Batches | ((epoch: number) => Batches);

export function batchesFor(source: BatchSource, epoch: number): AsyncIterable<ImageBatch> | Iterable<ImageBatch> {
  return typeof source === 'function' ? source(epoch) : source;
}

export async function* iterate(batches: AsyncIterable<ImageBatch> | Iterable<ImageBatch>): AsyncGenerator<ImageBatch> {
  if (Symbol.asyncIterator in batches) yield* batches as AsyncIterable<ImageBatch>;
  else yield* batches as Iterable<ImageBatch>;
}

/** The batch as an NHWC float tensor, and whether the caller of this function must dispose it. */
export function batchTensor(batch: ImageBatch, where: string): { x: tf.Tensor4D; owned: boolean } {
  if (batch instanceof tf.Tensor) {
    if (batch.rank !== 4) throw new TrainingError('TRAINING_DATA_INVALID', `${where}: expected an NHWC batch of rank 4, got shape [${batch.shape.join(', ')}]`);
    return { x: batch as tf.Tensor4D, owned: false };
  }
  const { data, shape } = batch;
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(shape) || shape.length !== 4 || data.length !== size) {
    throw new TrainingError('TRAINING_DATA_INVALID', `${where}: batch data has ${data.length} values for shape [${String(shape)}]`);
  }
  const x = tf.tidy(() => {
    const t = tf.tensor4d(Float32Array.from(data as ArrayLike<number>), shape);
    return batch.layout === 'NCHW' ? tf.transpose(t, [0, 2, 3, 1]) : t;
  });
  return { x, owned: true };
}

export function knownLength(source: BatchSource): number | null {
  return Array.isArray(source) ? source.length : null;
}
