import * as tf from '@tensorflow/tfjs';

/**
 * Global-L2-norm clipping as torch.nn.utils.clip_grad_norm_: total = ‖all gradients‖₂, every gradient is
 * scaled by min(1, maxNorm / (total + 1e-6)). Returns the scaled gradients (new tensors; the inputs are
 * disposed) and the total norm as a scalar tensor (before clipping).
 */
export function clipGradNorm(grads: Map<string, tf.Tensor>, maxNorm: number | null): { grads: Map<string, tf.Tensor>; totalNorm: tf.Scalar } {
  const totalNorm = tf.tidy(() => {
    const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
    return tf.sqrt(squares.length === 0 ? tf.scalar(0) : tf.addN(squares)) as tf.Scalar;
  });
  if (maxNorm === null) return { grads, totalNorm };
  const coef = tf.tidy(() => tf.minimum(tf.div(maxNorm, tf.add(totalNorm, 1e-6)), 1));
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) {
    out.set(name, tf.mul(g, coef));
    g.dispose();
  }
  coef.dispose();
  return { grads: out, totalNorm };
}
