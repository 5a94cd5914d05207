import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCountedSoftwareWebGpu } from './counted-software-webgpu.js';
import { diffCounts, formatCounts, programLabel, type WebGpuCounter } from './webgpu-counters.js';

let counter: WebGpuCounter;
beforeAll(async () => {
  counter = await openCountedSoftwareWebGpu();
});
afterAll(() => counter.uninstall());

describe('webgpu counters on the software adapter', () => {
  it('count one matMul as one dispatch and one data() as one read from the device', async () => {
    // Large enough (> WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD) that nothing runs on the CPU.
    const a = tf.fill([48, 48], 0.5);
    const b = tf.fill([48, 48], 2);
    const warm = tf.matMul(a, b);
    await warm.data(); // compiles the pipeline, fills the buffer pool
    warm.dispose();
    counter.reset();
    const c = tf.matMul(a, b);
    const before = counter.snapshot();
    expect(before).toMatchObject({ dispatches: 1, mapReads: 0, tfjsReads: 0 });
    const v = await c.data();
    expect(v[0]).toBe(48);
    const after = counter.snapshot();
    // The read submits the pending pass and maps one staging buffer; pooled buffers are reused.
    expect(after).toMatchObject({ dispatches: 1, submits: 1, mapReads: 1, tfjsReads: 1, bufferCreations: 0 });
    // Time inside the submit: the software adapter runs the product there.
    expect(before.submitMs).toBe(0);
    expect(after.submitMs).toBeGreaterThan(0);
    expect(after.byProgram).toEqual({ 'BatchMatMul/matMulSmallOutputSize': 1 });
    // A second read of the same tensor is served from the host copy: a tfjs read, no device read.
    await c.data();
    expect(diffCounts(counter.snapshot(), after)).toMatchObject({ dispatches: 0, submits: 0, mapReads: 0, tfjsReads: 1 });
    tf.dispose([a, b, c]);
  });

  it('count buffer creations and their bytes, and name the programs', async () => {
    const x = tf.fill([1000 + 24], 1); // 1024 floats: uploaded, not computed on the CPU
    await x.data();
    counter.reset();
    const y = tf.add(tf.mul(x, 3), 1); // two dispatches, two fresh 4 KiB outputs of a size the pool has not seen
    const s = counter.snapshot();
    expect(s.dispatches).toBe(2);
    expect(s.byProgram).toEqual({ 'Multiply/binary': 1, 'Add/binary': 1 });
    expect(s.bufferBytes).toBeGreaterThanOrEqual(2 * 4096);
    expect(s.bufferCreations).toBeGreaterThanOrEqual(2);
    expect(formatCounts(s)).toMatch(/^dispatches 2 {2}submits \d+ {2}copies \d+ {2}buffers \d+ \(/);
    tf.dispose([x, y]);
  });
});

describe('programLabel', () => {
  it('drops the variant suffixes of a shader key', () => {
    expect(programLabel('binary_0_4')).toBe('binary');
    expect(programLabel('conv2DMM_4_null}_true')).toBe('conv2DMM');
    expect(programLabel('reduce_8_sum')).toBe('reduce');
    expect(programLabel(undefined)).toBe('(unnamed)');
  });
});
