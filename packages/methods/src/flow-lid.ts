import * as tf from '@tensorflow/tfjs';
import { jacobian } from '@dgm-ood/engine';
import type { FlowModel } from '@dgm-ood/flows';
import { gramSpectrum } from '@dgm-ood/lid';

/** Copies of a point per reverse pass of the Jacobian (memory vs. per-pass overhead). */
export const JACOBIAN_CHUNK_ROWS = Number(process.env.DGM_OOD_JACOBIAN_CHUNK ?? 196);

/** Timings of the exact estimator, per point. */
export interface SpectrumTiming {
  jacobianMs: number;
  eigenMs: number;
}

/**
 * The exact LID spectrum of one raw image (NHWC [1, H, W, C]) under a flow (§3.2): x̃ = dequantize+scale(x),
 * z = f(x̃), J = ∂f⁻¹/∂z at z (D×D, from D VJPs in batched reverse passes), and the eigenvalues of JᵀJ
 * (the squared singular values of the decoder Jacobian) with the reference's fixes.
 */
export async function flowJacobianSpectrum(model: FlowModel, image: tf.Tensor4D, seed: number, timing?: SpectrumTiming): Promise<Float64Array> {
  const t0 = performance.now();
  const gram = tf.tidy(() => {
    const xt = model.preprocess(image, { seed });
    const { z } = model.encode(xt);
    const d = z.shape[1];
    // Latent NaNs become 0, as the reference does.
    const z0 = tf.where(tf.isNaN(z), tf.zerosLike(z), z).reshape([d]);
    const decode = (zb: tf.Tensor) => tf.reshape(model.decode(zb).x, [zb.shape[0]!, d]);
    // Rows in chunks: one reverse pass over all D copies would exceed the 4 GB wasm heap.
    const j = jacobian(decode, z0, { chunkRows: JACOBIAN_CHUNK_ROWS }); // [D, D]: rows ∂x̃_i/∂z
    return tf.matMul(j, j, true, false); // JᵀJ
  });
  const values = (await gram.data()) as Float32Array;
  const dimension = gram.shape[0]!;
  gram.dispose();
  const t1 = performance.now();
  const spectrum = gramSpectrum(values, dimension);
  if (timing) {
    timing.jacobianMs += t1 - t0;
    timing.eigenMs += performance.now() - t1;
  }
  return spectrum;
}

/** log p(x) in nats of raw NHWC images, with the reference's dequantization noise (seeded). */
export async function flowLogLikelihood(model: FlowModel, images: tf.Tensor4D, seed: number): Promise<Float32Array> {
  const logp = tf.tidy(() => model.logProb(images, { seed }));
  const values = (await logp.data()) as Float32Array;
  logp.dispose();
  return values;
}
