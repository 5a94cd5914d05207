import * as tf from '@tensorflow/tfjs-core';
import { nchwToNhwc, nhwcToNchw } from './layout.js';
import type { ImageBatch } from './transforms.js';
import type { ImageArray, Shape4 } from './types.js';

/**
 * Batches → tfjs tensors. Data is NCHW throughout the package (as upstream); `layout: 'NHWC'` reorders for
 * tfjs convolutions (which only take NHWC on most backends). The tensors are float32 and owned by the caller
 * (dispose them, or create them inside `tf.tidy`).
 */
export type Layout = 'NCHW' | 'NHWC';

export function imagesToTensor(batch: ImageArray | ImageBatch, layout: Layout = 'NCHW'): tf.Tensor4D {
  const [n, c, h, w] = batch.shape;
  const values = batch.images instanceof Float32Array ? batch.images : Float32Array.from(batch.images);
  if (layout === 'NCHW') return tf.tensor4d(values, [n, c, h, w], 'float32');
  return tf.tensor4d(nchwToNhwc(values, batch.shape), [n, h, w, c], 'float32');
}

export function labelsToTensor(labels: Int32Array): tf.Tensor1D {
  return tf.tensor1d(labels, 'int32');
}

/** A 4-D tensor back to a float NCHW batch (reads the data synchronously). */
export function tensorToImages(x: tf.Tensor4D, layout: Layout = 'NCHW'): ImageBatch {
  const values = x.dataSync() as Float32Array;
  if (layout === 'NCHW') return { images: Float32Array.from(values), shape: [...x.shape] as Shape4 };
  const [n, h, w, c] = x.shape;
  const shape: Shape4 = [n, c, h, w];
  return { images: nhwcToNchw(Float32Array.from(values), shape), shape };
}

/** Tensor-side layout changes (tf.transpose), for data already on the device. */
export function toNhwc(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 2, 3, 1]);
}

export function toNchw(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 3, 1, 2]);
}
