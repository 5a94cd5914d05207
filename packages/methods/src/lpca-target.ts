import * as tf from '@tensorflow/tfjs';
import type { ImageArray } from '@dgm-ood/data';
import { lpcaDimensionFromCovariance } from '@dgm-ood/lid';

/**
 * The model-free dimension the LID scale is calibrated against (docs/reference-notes.md §3.2): global PCA of the
 * first `rows` flattened training images in [0, 255] (skdim lPCA, ver FO, alphaFO 0.001). The covariance is a
 * matmul on the engine; its eigenvalues are taken in float64.
 */
export async function lpcaTarget(data: ImageArray, rows: number, alpha = 0.001): Promise<{ dimension: number; rows: number }> {
  const n = Math.min(rows, data.shape[0]);
  const d = data.shape[1] * data.shape[2] * data.shape[3];
  const cov = tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from(data.images.subarray(0, n * d)), [n, d]);
    const centred = tf.sub(x, tf.mean(x, 0, true));
    return tf.div(tf.matMul(centred, centred, true, false), n - 1);
  });
  const values = Float64Array.from((await cov.data()) as Float32Array);
  cov.dispose();
  return { dimension: lpcaDimensionFromCovariance(values, d, alpha), rows: n };
}
