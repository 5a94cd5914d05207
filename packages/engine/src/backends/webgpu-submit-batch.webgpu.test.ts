import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openCountedSoftwareWebGpu } from '../profiling/counted-software-webgpu.js';
import type { WebGpuCounter } from '../profiling/webgpu-counters.js';
import { WEBGPU_SUBMIT_BATCH_SIZE } from './webgpu.js';

let counter: WebGpuCounter;
beforeAll(async () => {
  counter = await openCountedSoftwareWebGpu();
});
afterAll(() => counter.uninstall());

/** Submits for a chain of `n` dependent multiplications and one read. */
async function submitsFor(n: number): Promise<{ submits: number; dispatches: number; value: number }> {
  let x = tf.fill([1024], 1.5);
  await x.data();
  counter.reset();
  for (let i = 0; i < n; i++) {
    const y = tf.mul(x, 1.01);
    x.dispose();
    x = y;
  }
  const value = (await x.data())[0]!;
  x.dispose();
  const c = counter.snapshot();
  return { submits: c.submits, dispatches: c.dispatches, value };
}

it('webgpu submits the command buffer every 64 dispatches, not tfjs default 15: fewer submits, same values', async () => {
  expect(tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE')).toBe(WEBGPU_SUBMIT_BATCH_SIZE);
  const ours = await submitsFor(60);
  expect(ours.dispatches).toBe(60);
  expect(ours.submits).toBe(1); // the read's
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 15);
  try {
    const stock = await submitsFor(60);
    expect(stock.dispatches).toBe(60);
    expect(stock.submits).toBe(5); // 4 full batches of 15, then the read's (empty) submit
    expect(stock.value).toBe(ours.value);
  } finally {
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', WEBGPU_SUBMIT_BATCH_SIZE);
  }
});
