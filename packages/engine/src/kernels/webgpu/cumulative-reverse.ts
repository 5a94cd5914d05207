import * as tf from '@tensorflow/tfjs';
import { replaceWebGpuKernel } from './replace-kernel.js';

interface CumulativeAttrs {
  axis: number;
  exclusive: boolean;
  reverse: boolean;
}

/**
 * tfjs-webgpu 4.22's reverse Cumsum/Cumprod are wrong whenever the scanned axis changes length within a process:
 * their shader inlines that length, but its cache key (`cum_<op>_<exclusive>_<reverse>` plus ranks and dtypes)
 * does not hold it, so the first length compiled is used for every later one. The forward direction inlines no
 * length. A reverse scan is therefore done as a forward one between two reversals of the axis (tfjs's Reverse
 * takes its shape as uniforms). The gradient of every forward cumsum is a reverse one, so this is what makes
 * cumsum's gradient right on webgpu. A correctness fix: on whether or not the engine's own kernels are.
 */
export function registerWebGpuCumulativeReverseFix(): void {
  for (const kernelName of ['Cumsum', 'Cumprod']) {
    replaceWebGpuKernel(kernelName, (stock) => (args) => {
      const attrs = args.attrs as unknown as CumulativeAttrs;
      if (!attrs.reverse) return stock.kernelFunc(args);
      const reverse = tf.getKernel('Reverse', 'webgpu')!.kernelFunc;
      const x = (args.inputs as unknown as { x: tf.TensorInfo }).x;
      const backend = args.backend as tf.KernelBackend;
      const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
      const flipped = reverse({ inputs: { x }, backend, attrs: { dims: [axis] } }) as tf.TensorInfo;
      const scanned = stock.kernelFunc({ inputs: { x: flipped }, backend, attrs: { ...attrs, reverse: false } as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
      const result = reverse({ inputs: { x: scanned }, backend, attrs: { dims: [axis] } });
      backend.disposeData(flipped.dataId);
      backend.disposeData(scanned.dataId);
      return result;
    });
  }
}
