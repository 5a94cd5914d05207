import * as tf from '@tensorflow/tfjs';

/** The sizes of one NHWC conv2d (dilation 1), as tfjs computes them for the forward op. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

export type Conv2DPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** The attributes tfjs passes to the conv kernels (NHWC only in our kernels). */
interface ConvAttrs {
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
export interface Conv2DAttrs extends ConvAttrs {
  dilations: number | [number, number];
}
export interface Conv2DBackpropFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}
export interface Conv2DBackpropInputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: Conv2DPad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

/**
 * How to get dW as one forward conv: dW[kh,kw,c,k] = Σ_{b,i,j} x[b, i·s+kh−top, j·s+kw−left, c]·dy[b,i,j,k]
 * is a conv of xᵀ ([C,H,W,B]: channels become the batch, the batch becomes the channels) with dyᵀ
 * ([Ho,Wo,B,K] as a Ho×Wo filter) dilated by the stride, output [C,kH,kW,K]. The pads make that output
 * exactly kH×kW; rows/columns of x that no output ever reads (stride > 1, 'valid') are cropped instead
 * of padded negatively.
 */
export function filterGradientPlan(g: ConvGeometry): {
  pad: [number, number, number, number];
  /** Rows and columns of x to keep (the rest is never read). */
  keepH: number;
  keepW: number;
} {
  const spanH = (g.outH - 1) * g.strideH + 1;
  const spanW = (g.outW - 1) * g.strideW + 1;
  const bottom = g.kH - 1 + spanH - g.inH - g.padTop;
  const right = g.kW - 1 + spanW - g.inW - g.padLeft;
  return {
    pad: [g.padTop, Math.max(0, bottom), g.padLeft, Math.max(0, right)],
    keepH: g.inH + Math.min(0, bottom),
    keepW: g.inW + Math.min(0, right),
  };
}

/**
 * How to get dx as one stride-1 forward conv: dx = conv(u, rot180(W)ᵀ) where u is dy with (s−1) zeros
 * inserted between rows/columns (u = dy for stride 1), padded by kH−1−top above and whatever makes the
 * output exactly H rows below. `uH`/`uW` count u's rows and columns including trailing zeros that the
 * zero insertion leaves after the last row (s−1 of them), which the bottom pad then absorbs (possibly
 * negative: a crop).
 */
export function inputGradientPlan(g: ConvGeometry): {
  uH: number;
  uW: number;
  pad: [number, number, number, number];
} {
  const uH = g.outH * g.strideH;
  const uW = g.outW * g.strideW;
  const top = g.kH - 1 - g.padTop;
  const left = g.kW - 1 - g.padLeft;
  // Output rows = uH + top + bottom − kH + 1 must equal inH.
  const bottom = g.inH - uH - top + g.kH - 1;
  const right = g.inW - uW - left + g.kW - 1;
  return { uH, uW, pad: [top, bottom, left, right] };
}
