import * as tf from '@tensorflow/tfjs';
import { convGeometry, inputGradientPlan, type Conv2DBackpropInputAttrs } from './conv-geometry.js';
import { withKernelCalls, type KernelCalls, type TensorInfo } from './kernel-calls.js';

/** Inserts (s−1) zeros after every row/column of dy: [B,Ho,Wo,K] → [B,Ho·sH,Wo·sW,K]. */
function insertZeros(calls: KernelCalls, dy: TensorInfo, sH: number, sW: number): TensorInfo {
  if (sH === 1 && sW === 1) return dy;
  const [b, h, w, k] = dy.shape as [number, number, number, number];
  const six = calls.run(tf.Reshape, { x: dy }, { shape: [b, h, 1, w, 1, k] });
  const padded = calls.run(
    tf.PadV2,
    { x: six },
    { paddings: [[0, 0], [0, 0], [0, sH - 1], [0, 0], [0, sW - 1], [0, 0]], constantValue: 0 },
  );
  return calls.run(tf.Reshape, { x: padded }, { shape: [b, h * sH, w * sW, k] });
}

/**
 * `Conv2DBackpropInput` (the input gradient of conv2d, also conv2dTranspose) as one stride-1 forward
 * Conv2D with the flipped, transposed filter — XNNPACK on wasm — instead of tfjs-backend-wasm's naive
 * loop (≈ 8× slower at 64 channels). Strides > 1 first insert zeros into dy, which costs s² more
 * multiply-adds than necessary but still beats the naive kernel; our models use stride 1.
 * NCHW is left to `fallback` (the backend's own kernel).
 */
export function conv2dBackpropInputFromConv(backendName: string, fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    setupFunc: fallback?.setupFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const a = attrs as unknown as Conv2DBackpropInputAttrs;
      if (a.dataFormat === 'NCHW') {
        if (fallback === undefined) throw new Error(`Conv2DBackpropInput on ${backendName}: dataFormat NCHW is not supported`);
        return fallback.kernelFunc(args);
      }
      const g = convGeometry(a.inputShape, filter.shape, a.strides, a.pad, a.dimRoundingMode);
      const plan = inputGradientPlan(g);
      return withKernelCalls(backend as tf.KernelBackend, backendName, (calls) => {
        const flipped = calls.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
        const w = calls.run(tf.Transpose, { x: flipped }, { perm: [0, 1, 3, 2] }); // [kH, kW, K, C]
        let u = insertZeros(calls, dy, g.strideH, g.strideW);
        let [top, bottom, left, right] = plan.pad;
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
          // A negative pad is a crop of u (explicit pads larger than the kernel, or the zeros that
          // follow the last row when the stride does not divide the input).
          const [b, h, wd, k] = u.shape as [number, number, number, number];
          const cropT = Math.max(0, -top);
          const cropB = Math.max(0, -bottom);
          const cropL = Math.max(0, -left);
          const cropR = Math.max(0, -right);
          u = calls.run(tf.Slice, { x: u }, { begin: [0, cropT, cropL, 0], size: [b, h - cropT - cropB, wd - cropL - cropR, k] });
          top = Math.max(0, top);
          bottom = Math.max(0, bottom);
          left = Math.max(0, left);
          right = Math.max(0, right);
        }
        return calls.run(
          tf.Conv2D,
          { x: u, filter: w },
          { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] },
        );
      });
    },
  };
}
