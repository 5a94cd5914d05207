// A helper thread for the wasm backend: runs convolution jobs on its own tfjs-backend-wasm instance
// (tfjs-wasm cannot run XNNPACK on several threads in Node). Plain JavaScript so that worker_threads
// can start it under any TypeScript loader (tsx, vitest) or none.
//
// Protocol (see parallel-conv.ts): control words [state, status]; state 0 = idle, 1 = job posted
// (set by the caller after the header), 2 = job done (set here), 3 = shut down. The job header arrives
// on `port`; tensors travel in a SharedArrayBuffer of float32s. Jobs:
//   conv2d      y = conv2d(x, w) for a block of the batch
//   filterGrad  the weight gradient of a conv for a block of the batch (summed by the caller)
//   matMul      c = a·b for a block of a's rows
import { createRequire } from 'node:module';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { transposeInto } from './array-layout.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const wasm = require('@tensorflow/tfjs-backend-wasm');

const { port, control, wasmDir } = workerData;
const ctl = new Int32Array(control);
tf.enableProdMode();
wasm.setWasmPaths(wasmDir);
const ok = await tf.setBackend('wasm');
if (!ok) throw new Error('conv worker: tfjs-backend-wasm failed to initialise');
parentPort.postMessage({ type: 'ready' });

function transposed(view, shape, perm) {
  const out = new Float32Array(view.length);
  transposeInto(view, shape, perm, out);
  return out;
}

function conv2d(job, f32) {
  const y = tf.tidy(() => {
    const x = tf.tensor(f32.subarray(job.xOffset, job.xOffset + job.xSize), job.xShape);
    const w = tf.tensor(f32.subarray(job.wOffset, job.wOffset + job.wSize), job.wShape);
    return tf.conv2d(x, w, job.strides, job.pad, 'NHWC', job.dilations, job.dimRoundingMode);
  });
  f32.set(y.dataSync(), job.outOffset);
  y.dispose();
}

// dW = conv(xᵀ, dyᵀ) as in conv2d-backprop-filter.ts, on this thread's block of the batch, in chunks
// of `job.chunkRows` samples.
function filterGrad(job, f32) {
  const [rows, h, w, c] = job.xShape;
  const [, ho, wo, k] = job.dyShape;
  const [kh, kw] = job.filterShape;
  const [t, b, l, r] = job.pad;
  const total = new Float32Array(c * kh * kw * k);
  for (let r0 = 0; r0 < rows; r0 += job.chunkRows) {
    const n = Math.min(job.chunkRows, rows - r0);
    const xs = f32.subarray(job.xOffset + r0 * h * w * c, job.xOffset + (r0 + n) * h * w * c);
    const dys = f32.subarray(job.dyOffset + r0 * ho * wo * k, job.dyOffset + (r0 + n) * ho * wo * k);
    const xT = transposed(xs, [n, h, w, c], [3, 1, 2, 0]);
    const dyT = transposed(dys, [n, ho, wo, k], [1, 2, 0, 3]);
    const y = tf.tidy(() => {
      let xt = tf.tensor(xT, [c, h, w, n]);
      if (job.keepH < h || job.keepW < w) xt = tf.slice(xt, [0, 0, 0, 0], [c, job.keepH, job.keepW, n]);
      return tf.conv2d(xt, tf.tensor(dyT, [ho, wo, n, k]), 1, [[0, 0], [t, b], [l, r], [0, 0]], 'NHWC', job.dilations);
    });
    const part = y.dataSync();
    for (let i = 0; i < part.length; i++) total[i] += part[i];
    y.dispose();
  }
  transposeInto(total, [c, kh, kw, k], [1, 2, 0, 3], f32.subarray(job.outOffset, job.outOffset + kh * kw * c * k));
}

function matMul(job, f32) {
  const [m, k] = job.aShape;
  const n = job.bShape[1];
  const c = tf.tidy(() => tf.matMul(tf.tensor(f32.subarray(job.aOffset, job.aOffset + m * k), job.aShape), tf.tensor(f32.subarray(job.bOffset, job.bOffset + k * n), job.bShape)));
  f32.set(c.dataSync(), job.outOffset);
  c.dispose();
}

let data;
for (;;) {
  // Sleep until a job (1) or shutdown (3); state 2 (last job done, not yet collected) is not a job.
  let state = Atomics.load(ctl, 0);
  while (state !== 1 && state !== 3) {
    Atomics.wait(ctl, 0, state);
    state = Atomics.load(ctl, 0);
  }
  if (state === 3) break;
  const received = receiveMessageOnPort(port);
  try {
    if (received === undefined) throw new Error('job signalled but no job header arrived');
    const job = received.message;
    if (job.data !== undefined) data = job.data;
    const f32 = new Float32Array(data);
    if (job.kind === 'conv2d') conv2d(job, f32);
    else if (job.kind === 'filterGrad') filterGrad(job, f32);
    else if (job.kind === 'matMul') matMul(job, f32);
    else throw new Error(`unknown job kind ${job.kind}`);
    Atomics.store(ctl, 1, 0);
  } catch (error) {
    Atomics.store(ctl, 1, 1);
    port.postMessage({ error: String(error?.stack ?? error) });
  }
  Atomics.store(ctl, 0, 2);
  Atomics.notify(ctl, 0);
}
