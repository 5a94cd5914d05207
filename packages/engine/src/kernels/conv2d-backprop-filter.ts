import * as tf from '@tensorflow/tfjs';
import { convGeometry, filterGradientPlan, type Conv2DBackpropFilterAttrs } from './conv-geometry.js';
import { withKernelCalls, type TensorInfo } from './kernel-calls.js';

/**
 * Samples per dW conv: the "filter" of that conv is dyᵀ for those samples, and XNNPACK streams it once
 * per block of output rows; kept near 1 MB (L2-sized), the conv runs ≈ 12% faster than on a whole
 * batch of 64 at 14×14×64.
 */
export function filterGradChunkRows(batch: number, outH: number, outW: number, outC: number): number {
  const perSample = outH * outW * outC;
  const fit = Math.max(1, Math.floor(262_144 / perSample));
  const chunks = Math.ceil(batch / fit);
  return Math.ceil(batch / chunks);
}

/**
 * `Conv2DBackpropFilter` (the weight gradient of conv2d) built from the backend's forward Conv2D, which
 * on wasm runs through XNNPACK: dW = conv(xᵀ, dyᵀ) with the batch as the contracted channel axis (see
 * `filterGradientPlan`), summed over chunks of the batch. tfjs-backend-wasm has no kernel of its own.
 */
export function conv2dBackpropFilterFromConv(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const a = attrs as unknown as Conv2DBackpropFilterAttrs;
      if (a.dataFormat === 'NCHW') {
        throw new Error(`Conv2DBackpropFilter on ${backendName}: dataFormat NCHW is not supported; use NHWC`);
      }
      const g = convGeometry(x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
      const plan = filterGradientPlan(g);
      const [top, bottom, left, right] = plan.pad;
      const chunk = filterGradChunkRows(g.batch, g.outH, g.outW, g.outC);
      return withKernelCalls(backend as tf.KernelBackend, backendName, (calls) => {
        const part = (xs: TensorInfo, dys: TensorInfo, rows: number): TensorInfo => {
          let xT = calls.run(tf.Transpose, { x: xs }, { perm: [3, 1, 2, 0] }); // [C, H, W, rows]
          if (plan.keepH < g.inH || plan.keepW < g.inW) {
            xT = calls.run(tf.Slice, { x: xT }, { begin: [0, 0, 0, 0], size: [g.inC, plan.keepH, plan.keepW, rows] });
          }
          const dyT = calls.run(tf.Transpose, { x: dys }, { perm: [1, 2, 0, 3] }); // [Ho, Wo, rows, K]
          return calls.run(
            tf.Conv2D,
            { x: xT, filter: dyT },
            { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [g.strideH, g.strideW] },
          ); // [C, kH, kW, K]
        };
        let total: TensorInfo | undefined;
        for (let b0 = 0; b0 < g.batch; b0 += chunk) {
          const rows = Math.min(chunk, g.batch - b0);
          const whole = rows === g.batch;
          const xs = whole ? x : calls.run(tf.Slice, { x }, { begin: [b0, 0, 0, 0], size: [rows, g.inH, g.inW, g.inC] });
          const dys = whole ? dy : calls.run(tf.Slice, { x: dy }, { begin: [b0, 0, 0, 0], size: [rows, g.outH, g.outW, g.outC] });
          const p = part(xs, dys, rows);
          total = total === undefined ? p : calls.run(tf.Add, { a: total, b: p });
        }
        return calls.run(tf.Transpose, { x: total! }, { perm: [1, 2, 0, 3] });
      });
    },
  };
}
