import * as tf from '@tensorflow/tfjs';
import { AFFINE_COUPLING, AFFINE_COUPLING_GRAD } from '../kernels/webgpu/affine-coupling.js';
import { ownWebGpuKernelsActive } from '../kernels/webgpu/own-kernels-flag.js';
import { outerTapeRecording, sumExceptBatch } from './elementwise.js';
import { sigmoid } from './sigmoid.js';

/** scale = σ(raw + 2) + 1e-3 in tfjs ops (σ differentiable twice). */
const scaleOf = (raw: tf.Tensor) => tf.add(sigmoid(tf.add(raw, 2)), 1e-3);


// Backend-independent, so registered once with the module; the kernels themselves are webgpu's (activateWebGpu).
if (tf.getGradient(AFFINE_COUPLING) === undefined) {
  tf.registerGradient({
    kernelName: AFFINE_COUPLING,
    inputsToSave: ['x', 'shift', 'raw'],
    gradFunc: (dys, saved) => {
      const [dy, dlogdet] = dys as tf.Tensor[];
      const [x, , raw] = saved as tf.Tensor[];
      // The fused backward is not differentiable: where an enclosing tape records this gradient (second order),
      // tfjs ops take over, with σ recomputed from the saved input (tfjs's own Sigmoid gradient is wrong there).
      if (!outerTapeRecording()) {
        const [dx, draw] = tf.engine().runKernel(AFFINE_COUPLING_GRAD, { dy: dy!, dlogdet: dlogdet!, x: x!, raw: raw! } as unknown as tf.NamedTensorMap) as tf.Tensor[];
        return { x: () => dx!, shift: () => dy!, raw: () => draw! };
      }
      const sig = tf.sigmoid(tf.add(raw!, 2));
      const scale = tf.add(sig, 1e-3);
      const perSample = tf.reshape(dlogdet!, [dlogdet!.size, ...x!.shape.slice(1).map(() => 1)]);
      return {
        x: () => tf.mul(dy!, scale),
        shift: () => dy!,
        raw: () => tf.mul(tf.add(tf.mul(dy!, x!), tf.div(perSample, scale)), tf.mul(sig, tf.sub(1, sig))),
      };
    },
  });
}

/**
 * The affine coupling's elementwise bijection (nflows AffineCouplingTransform): scale = σ(raw + 2) + 1e-3,
 * y = x·scale + shift, log|det| = Σ ln scale per sample (all axes but the first). On webgpu with the engine's own
 * kernels (and x, shift, raw of one shape): one dispatch forward, one backward; elsewhere tfjs ops.
 */
export function affineCouplingForward(x: tf.Tensor, shift: tf.Tensor, raw: tf.Tensor): { y: tf.Tensor; logabsdet: tf.Tensor1D } {
  const same = (t: tf.Tensor) => t.shape.length === x.shape.length && t.shape.every((d, i) => d === x.shape[i]);
  if (ownWebGpuKernelsActive() && x.dtype === 'float32' && x.rank >= 1 && same(shift) && same(raw)) {
    const [y, logabsdet] = tf.engine().runKernel(AFFINE_COUPLING, { x, shift, raw } as unknown as tf.NamedTensorMap) as tf.Tensor[];
    return { y: y!, logabsdet: logabsdet as tf.Tensor1D };
  }
  return tf.tidy(() => {
    const scale = scaleOf(raw);
    return { y: tf.add(tf.mul(x, scale), shift), logabsdet: sumExceptBatch(tf.log(scale)) };
  });
}
