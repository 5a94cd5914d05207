import * as tf from '@tensorflow/tfjs';
import type { ImageArray } from '@dgm-ood/data';

/** One raw image as an NHWC tensor [1, H, W, C] (data arrays are NCHW). */
export function imageAt(data: ImageArray, index: number): tf.Tensor4D {
  const [, c, h, w] = data.shape;
  const per = c * h * w;
  return tf.tidy(() =>
    tf.transpose(tf.tensor4d(Float32Array.from(data.images.subarray(index * per, (index + 1) * per)), [1, c, h, w]), [0, 2, 3, 1]),
  ) as tf.Tensor4D;
}
