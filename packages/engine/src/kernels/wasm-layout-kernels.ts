import * as tf from '@tensorflow/tfjs';
import { sliceInto, sumRowsInto, transposeInto, type Flat } from './array-layout.mjs';
import { withKernelCalls, type TensorInfo } from './kernel-calls.js';
import { matMul2D } from './parallel-conv.js';

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Flat;
}

const heap = (backend: unknown) => backend as HeapBackend & tf.KernelBackend;
const numeric = (dtype: tf.DataType) => dtype === 'float32' || dtype === 'int32';

/**
 * A 4-byte tensor's heap bytes as an Int32Array: layout kernels move bits, never values, and seeing
 * every dtype as one array type keeps V8's element accesses monomorphic (3× faster than a union).
 */
function words(b: HeapBackend, info: TensorInfo): Int32Array {
  const v = b.typedArrayFromHeap(info);
  return new Int32Array(v.buffer, v.byteOffset, v.length);
}
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Transpose in JS on the wasm heap (see array-layout.mjs): 3–5× faster than the backend's C++ loop. */
export function transposeOnHeap(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Transpose,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      const perm = (args.attrs as unknown as { perm: number[] }).perm;
      if (!numeric(x.dtype)) return original.kernelFunc(args);
      const b = heap(args.backend);
      const out = b.makeOutput(perm.map((a) => x.shape[a]!), x.dtype);
      // Views only after makeOutput: allocating can grow (and move) the wasm memory.
      transposeInto(words(b, x), x.shape, perm, words(b, out));
      return out;
    },
  };
}

/** Slice reading the input in place (tfjs-backend-wasm 4.22's Slice first copies the whole input). */
export function sliceOnHeap(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Slice,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      if (!numeric(x.dtype)) return original.kernelFunc(args);
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
      const [b0, s0] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size) as [number[], number[]];
      const b = heap(args.backend);
      const out = b.makeOutput(s0, x.dtype);
      if (sizeOf(s0) > 0) sliceInto(words(b, x), x.shape, b0, s0, words(b, out));
      return out;
    },
  };
}

/**
 * Sum / Mean over leading axes (e.g. a bias gradient: Σ over batch, rows, columns of [B,H,W,C]) as one
 * pass over the rows in JS, accumulating in float64 — the backend's own kernels transpose the input
 * first, ≈ 10× slower. Other reductions go to the original kernel.
 */
export function leadingAxesReduction(kernelName: typeof tf.Sum | typeof tf.Mean, original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
      const k = axes.length;
      const leading = k > 0 && k < x.shape.length && axes.every((a, i) => a === i);
      if (x.dtype !== 'float32' || !leading) return original.kernelFunc(args);
      const n = sizeOf(x.shape.slice(0, k));
      const c = sizeOf(x.shape.slice(k));
      const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
      const b = heap(args.backend);
      const out = b.makeOutput(outShape, 'float32');
      sumRowsInto(b.typedArrayFromHeap(x) as Float32Array, n, c, b.typedArrayFromHeap(out) as Float32Array, kernelName === tf.Mean ? 1 / n : 1);
      return out;
    },
  };
}

/**
 * BatchMatMul that keeps XNNPACK busy: tfjs-backend-wasm 4.22 runs only the plain 2-D product
 * through XNNPACK (≈ 30 GFLOP/s) and falls back to a naive loop (≈ 2.5 GFLOP/s) for transposed
 * operands and for batches — i.e. for every matMul gradient. Here transposed operands are transposed
 * explicitly (cheap next to the product), a broadcast right operand turns a batch into one tall
 * product, and other batches run as a loop of 2-D products. Small products keep the original kernel.
 */
export function batchMatMulThroughXnnpack(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { a, b: bIn } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (a.dtype !== 'float32' || bIn.dtype !== 'float32') return original.kernelFunc(args);
      const ra = a.shape.length;
      const rb = bIn.shape.length;
      const batchA = sizeOf(a.shape.slice(0, -2));
      const batchB = sizeOf(bIn.shape.slice(0, -2));
      const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
      const kDim = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
      const n = transposeB ? bIn.shape[rb - 2]! : bIn.shape[rb - 1]!;
      const batch = Math.max(batchA, batchB);
      const plain = !transposeA && !transposeB && batch === 1;
      if (plain) {
        // XNNPACK already; split between threads when helpers run.
        const r = matMul2D(original, { ...a, shape: [m, kDim] }, { ...bIn, shape: [kDim, n] }, args.backend);
        return { ...r, shape: tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bIn.shape.slice(0, -2)).concat([m, n]) };
      }
      const sameOrBroadcast = batchA === batchB || batchA === 1 || batchB === 1;
      if (!sameOrBroadcast || m * n * kDim < 32768) return original.kernelFunc(args);
      const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bIn.shape.slice(0, -2)).concat([m, n]);
      const backend = heap(args.backend);
      return withKernelCalls(backend, 'wasm', (calls) => {
        // Operands as [batch, rows, inner] / [batch, inner, cols], transposed explicitly if needed.
        const a3 = transposeA
          ? calls.run(tf.Transpose, { x: { ...a, shape: [batchA, kDim, m] } }, { perm: [0, 2, 1] })
          : { ...a, shape: [batchA, m, kDim] };
        const b3 = transposeB
          ? calls.run(tf.Transpose, { x: { ...bIn, shape: [batchB, n, kDim] } }, { perm: [0, 2, 1] })
          : { ...bIn, shape: [batchB, kDim, n] };
        if (batchB === 1) {
          // Every left matrix meets the same right one: one tall product.
          const r = calls.track(matMul2D(original, { ...a3, shape: [batchA * m, kDim] }, { ...b3, shape: [kDim, n] }, backend));
          return { ...r, shape: outShape };
        }
        const out = backend.makeOutput([batch, m, n], 'float32');
        calls.track(out);
        for (let i = 0; i < batch; i++) {
          const ai = batchA === 1 ? { ...a3, shape: [m, kDim] } : calls.run(tf.Slice, { x: a3 }, { begin: [i, 0, 0], size: [1, m, kDim] });
          const bi = calls.run(tf.Slice, { x: b3 }, { begin: [i, 0, 0], size: [1, kDim, n] });
          const ci = calls.track(matMul2D(original, { ...ai, shape: [m, kDim] }, { ...bi, shape: [kDim, n] }, backend));
          (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(ci) as Float32Array, i * m * n);
          calls.free(ci);
          calls.free(bi);
          if (batchA !== 1) calls.free(ai);
        }
        return { ...out, shape: outShape };
      });
    },
  };
}

/**
 * Identity (and same-dtype Cast) that shares the input's buffer, as tfjs-backend-cpu and -webgl do;
 * tfjs-backend-wasm 4.22 copies it. tfjs clones every tensor it saves for the backward pass, so each
 * op on the tape paid a full copy. Safe because tensors are immutable: no kernel writes its inputs.
 * Also fixes Cast to bool (see below); other casts keep the backend's kernel.
 */
export function sharedIdentity(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: original.kernelName,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      const dtype = original.kernelName === tf.Cast ? (args.attrs as unknown as { dtype: tf.DataType }).dtype : x.dtype;
      if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
        // tfjs-backend-wasm 4.22 casts to bool by copying into a Uint8Array: −7 becomes 249 and 0.4
        // becomes 0. A bool is "not zero".
        const b = heap(args.backend);
        const out = b.makeOutput(x.shape, 'bool');
        const src = b.typedArrayFromHeap(x);
        const dst = b.typedArrayFromHeap(out);
        for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
        return out;
      }
      if (dtype !== x.dtype || x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as tf.KernelBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
