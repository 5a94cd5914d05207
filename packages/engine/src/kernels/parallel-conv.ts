import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { filterGradChunkRows } from './conv2d-backprop-filter.js';
import { convGeometry, filterGradientPlan, type Conv2DAttrs, type Conv2DBackpropFilterAttrs } from './conv-geometry.js';
import { withKernelCalls, type TensorInfo } from './kernel-calls.js';

/**
 * Runs the large convolutions of the wasm backend on several threads. tfjs-backend-wasm uses one
 * thread in Node (its pthread build cannot start there), so each helper thread runs its own wasm
 * instance (conv-worker.mjs) and takes a block of the batch; this thread computes the first block and
 * then waits (Atomics.wait: kernels are synchronous). Forward convs (the project's dx kernel is one)
 * split their output; weight gradients are summed over the blocks, each thread doing its own
 * transposes.
 */
interface Helper {
  worker: Worker;
  port: MessagePort;
  control: Int32Array;
  data: SharedArrayBuffer | undefined;
  /** The data buffer the worker already holds. */
  sent: SharedArrayBuffer | undefined;
}

const helpers: Helper[] = [];
/** True while helpers run a job: kernels called from inside a split kernel stay on one thread. */
let busy = false;
/** Below this many multiply-adds a conv stays on one thread: the copies would cost more. */
const MIN_PARALLEL_MACS = 20e6;
const WAIT_LIMIT_MS = 120_000;

export function convHelperThreads(): number {
  return helpers.length;
}

/** Starts helper threads until there are `count` (idempotent). */
export async function startConvHelpers(count: number, wasmDir: string): Promise<void> {
  const starting: Array<Promise<void>> = [];
  while (helpers.length + starting.length < count) starting.push(startHelper(wasmDir));
  await Promise.all(starting);
}

async function startHelper(wasmDir: string): Promise<void> {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./conv-worker.mjs', import.meta.url), {
    workerData: { port: port2, control: control.buffer, wasmDir: wasmDir.endsWith('/') ? wasmDir : `${wasmDir}/` },
    transferList: [port2],
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`conv helper thread exited with code ${code} before it was ready`)));
  });
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
  // Blocked in Atomics.wait between jobs; must not keep the process alive.
  worker.unref();
  port1.unref();
  helpers.push({ worker, port: port1, control, data: undefined, sent: undefined });
}

/** Stops the helper threads (tests; a process that exits needs no call). */
export async function stopConvHelpers(): Promise<void> {
  for (const h of helpers.splice(0)) {
    Atomics.store(h.control, 0, 3);
    Atomics.notify(h.control, 0);
    await h.worker.terminate();
    h.port.close();
  }
}

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** The helper's float32 view, grown to hold `floats`. */
function dataView(h: Helper, floats: number): Float32Array {
  if (h.data === undefined || h.data.byteLength < floats * 4) h.data = new SharedArrayBuffer(Math.ceil(floats * 1.25) * 4);
  return new Float32Array(h.data);
}

function dispatch(h: Helper, header: Record<string, unknown>): void {
  h.port.postMessage({ ...header, data: h.sent === h.data ? undefined : h.data });
  h.sent = h.data;
  Atomics.store(h.control, 0, 1);
  Atomics.notify(h.control, 0);
}

/** Waits for a helper's job; the error message if it failed. */
function collect(h: Helper): string | undefined {
  if (Atomics.wait(h.control, 0, 1, WAIT_LIMIT_MS) === 'timed-out' && Atomics.load(h.control, 0) === 1) {
    return `conv helper thread gave no answer within ${WAIT_LIMIT_MS / 1000} s`;
  }
  Atomics.store(h.control, 0, 0);
  if (Atomics.load(h.control, 1) !== 0) {
    const message = receiveMessageOnPort(h.port)?.message as { error?: string } | undefined;
    return `conv helper thread failed: ${message?.error ?? 'unknown error'}`;
  }
  return undefined;
}

/** Batch rows per thread, as even as possible; thread 0 is this one. */
function blocks(batch: number): Array<{ start: number; rows: number }> {
  const threads = helpers.length + 1;
  const base = Math.floor(batch / threads);
  const out: Array<{ start: number; rows: number }> = [];
  let start = 0;
  for (let t = 0; t < threads; t++) {
    const rows = base + (t < batch % threads ? 1 : 0);
    out.push({ start, rows });
    start += rows;
  }
  return out;
}

/**
 * Runs `dispatchAll` (which posts the helpers' jobs), then `local` on this thread, then collects the
 * helpers — always, even when `local` throws, so that no helper is left mid-job for the next call.
 */
function split<T>(dispatchAll: () => Helper[], local: () => T, finish: (result: T) => void): T {
  busy = true;
  const posted = dispatchAll();
  let result: T | undefined;
  const errors: string[] = [];
  try {
    result = local();
  } finally {
    for (const h of posted) {
      const e = collect(h);
      if (e !== undefined) errors.push(e);
    }
    busy = false;
  }
  if (errors.length > 0) throw new Error(errors.join('; '));
  finish(result);
  return result;
}

/** Conv2D for 'wasm' that splits the batch between threads; the backend's kernel when not worth it. */
export function parallelConv2D(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Conv2D,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
      const a = args.attrs as unknown as Conv2DAttrs;
      const batch = x.shape[0]!;
      if (helpers.length === 0 || busy || a.dataFormat === 'NCHW' || batch <= helpers.length) return original.kernelFunc(args);
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filter.shape as [number, number, number, number],
        a.strides,
        a.dilations,
        a.pad,
        a.dimRoundingMode,
      );
      const perSampleOut = info.outHeight * info.outWidth * info.outChannels;
      if (batch * perSampleOut * info.filterHeight * info.filterWidth * info.inChannels < MIN_PARALLEL_MACS) return original.kernelFunc(args);

      const backend = args.backend as unknown as HeapBackend & tf.KernelBackend;
      const perSampleIn = x.shape[1]! * x.shape[2]! * x.shape[3]!;
      const wSize = filter.shape.reduce((p, q) => p * q, 1);
      const [mine, ...theirs] = blocks(batch);
      return withKernelCalls(backend, 'wasm', (calls) => {
        const out = calls.track(backend.makeOutput([batch, info.outHeight, info.outWidth, info.outChannels], 'float32'));
        split(
          () =>
            theirs.map((blk, i) => {
              const h = helpers[i]!;
              const xSize = blk.rows * perSampleIn;
              const f32 = dataView(h, xSize + wSize + blk.rows * perSampleOut);
              f32.set(backend.typedArrayFromHeap(x).subarray(blk.start * perSampleIn, (blk.start + blk.rows) * perSampleIn), 0);
              f32.set(backend.typedArrayFromHeap(filter), xSize);
              dispatch(h, {
                kind: 'conv2d',
                xOffset: 0,
                xSize,
                xShape: [blk.rows, x.shape[1], x.shape[2], x.shape[3]],
                wOffset: xSize,
                wSize,
                wShape: filter.shape,
                strides: a.strides,
                pad: a.pad,
                dilations: a.dilations,
                dimRoundingMode: a.dimRoundingMode,
                outOffset: xSize + wSize,
              });
              return h;
            }),
          () => {
            const xMine = calls.run(tf.Slice, { x }, { begin: [0, 0, 0, 0], size: [mine!.rows, x.shape[1], x.shape[2], x.shape[3]] });
            const yMine = calls.track(original.kernelFunc({ inputs: { x: xMine, filter }, backend: args.backend, attrs: args.attrs }) as TensorInfo);
            backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(yMine), 0);
          },
          () => {
            theirs.forEach((blk, i) => {
              const h = helpers[i]!;
              const offset = blk.rows * perSampleIn + wSize;
              const f32 = new Float32Array(h.data!);
              backend.typedArrayFromHeap(out).set(f32.subarray(offset, offset + blk.rows * perSampleOut), blk.start * perSampleOut);
            });
          },
        );
        return out;
      });
    },
  };
}

/**
 * Conv2DBackpropFilter for 'wasm' that splits the batch: each thread computes the weight gradient of
 * its block (transposes included) and this one sums them. `single` is the one-thread kernel.
 */
export function parallelFilterGradient(single: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
      const a = args.attrs as unknown as Conv2DBackpropFilterAttrs;
      const batch = x.shape[0]!;
      if (helpers.length === 0 || busy || a.dataFormat === 'NCHW' || batch <= helpers.length) return single.kernelFunc(args);
      const g = convGeometry(x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
      if (batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC < MIN_PARALLEL_MACS) return single.kernelFunc(args);

      const plan = filterGradientPlan(g);
      const backend = args.backend as unknown as HeapBackend & tf.KernelBackend;
      const perX = g.inH * g.inW * g.inC;
      const perDy = g.outH * g.outW * g.outC;
      const wSize = a.filterShape.reduce((p, q) => p * q, 1);
      const [mine, ...theirs] = blocks(batch);
      return withKernelCalls(backend, 'wasm', (calls) => {
        const out = calls.track(backend.makeOutput([...a.filterShape], 'float32'));
        split(
          () =>
            theirs.map((blk, i) => {
              const h = helpers[i]!;
              const xSize = blk.rows * perX;
              const dySize = blk.rows * perDy;
              const f32 = dataView(h, xSize + dySize + wSize);
              f32.set(backend.typedArrayFromHeap(x).subarray(blk.start * perX, (blk.start + blk.rows) * perX), 0);
              f32.set(backend.typedArrayFromHeap(dy).subarray(blk.start * perDy, (blk.start + blk.rows) * perDy), xSize);
              dispatch(h, {
                kind: 'filterGrad',
                xOffset: 0,
                xShape: [blk.rows, g.inH, g.inW, g.inC],
                dyOffset: xSize,
                dyShape: [blk.rows, g.outH, g.outW, g.outC],
                filterShape: a.filterShape,
                pad: plan.pad,
                keepH: plan.keepH,
                keepW: plan.keepW,
                dilations: [g.strideH, g.strideW],
                chunkRows: filterGradChunkRows(blk.rows, g.outH, g.outW, g.outC),
                outOffset: xSize + dySize,
              });
              return h;
            }),
          () => {
            const xMine = calls.run(tf.Slice, { x }, { begin: [0, 0, 0, 0], size: [mine!.rows, g.inH, g.inW, g.inC] });
            const dyMine = calls.run(tf.Slice, { x: dy }, { begin: [0, 0, 0, 0], size: [mine!.rows, g.outH, g.outW, g.outC] });
            const dwMine = calls.track(single.kernelFunc({ inputs: { x: xMine, dy: dyMine }, backend: args.backend, attrs: args.attrs }) as TensorInfo);
            backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(dwMine), 0);
          },
          () => {
            const sum = backend.typedArrayFromHeap(out);
            theirs.forEach((blk, i) => {
              const offset = blk.rows * (perX + perDy);
              const part = new Float32Array(helpers[i]!.data!, offset * 4, wSize);
              for (let j = 0; j < wSize; j++) sum[j] = sum[j]! + part[j]!;
            });
          },
        );
        return out;
      });
    },
  };
}

/**
 * A plain 2-D product a [m,k] · b [k,n] on the wasm backend, rows of `a` split between threads when
 * helper threads run and the product is large. `plain` is the backend's (XNNPACK) BatchMatMul.
 */
export function matMul2D(plain: tf.KernelConfig, a: TensorInfo, b: TensorInfo, backendAny: unknown): TensorInfo {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const attrs = { transposeA: false, transposeB: false };
  if (helpers.length === 0 || busy || m <= helpers.length || m * n * k < MIN_PARALLEL_MACS) {
    return plain.kernelFunc({ inputs: { a, b }, backend: backendAny as tf.KernelBackend, attrs }) as TensorInfo;
  }
  const backend = backendAny as HeapBackend & tf.KernelBackend;
  const [mine, ...theirs] = blocks(m);
  return withKernelCalls(backend, 'wasm', (calls) => {
    const out = calls.track(backend.makeOutput([m, n], 'float32'));
    split(
      () =>
        theirs.map((blk, i) => {
          const h = helpers[i]!;
          const aSize = blk.rows * k;
          const f32 = dataView(h, aSize + k * n + blk.rows * n);
          f32.set(backend.typedArrayFromHeap(a).subarray(blk.start * k, (blk.start + blk.rows) * k), 0);
          f32.set(backend.typedArrayFromHeap(b), aSize);
          dispatch(h, { kind: 'matMul', aOffset: 0, aShape: [blk.rows, k], bOffset: aSize, bShape: [k, n], outOffset: aSize + k * n });
          return h;
        }),
      () => {
        const aMine = calls.run(tf.Slice, { x: a }, { begin: [0, 0], size: [mine!.rows, k] });
        const cMine = calls.track(plain.kernelFunc({ inputs: { a: aMine, b }, backend, attrs }) as TensorInfo);
        backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(cMine), 0);
      },
      () => {
        theirs.forEach((blk, i) => {
          const offset = blk.rows * k + k * n;
          const f32 = new Float32Array(helpers[i]!.data!);
          backend.typedArrayFromHeap(out).set(f32.subarray(offset, offset + blk.rows * n), blk.start * n);
        });
      },
    );
    return out;
  });
}
