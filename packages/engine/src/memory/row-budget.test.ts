import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { setUpBackends } from '../testing/backends.js';
import { passBudgetBytes, peakBytesPerRow, rowsWithinBudget } from './row-budget.js';

beforeAll(() => setUpBackends('wasm'));

test('peak bytes per row counts the intermediates a pass holds, not the tensors alive before it', async () => {
  const resident = tf.zeros([1000]);
  // Per row: the input (64 floats) and two intermediates of 64 floats, alive together inside the tidy.
  const pass = (rows: number) => tf.tidy(() => {
    const x = tf.ones([rows, 64]);
    const y = tf.mul(x, 2);
    return tf.add(y, x);
  });
  const perRow = await peakBytesPerRow(pass, 4);
  expect(perRow).toBe(3 * 64 * 4);
  expect(tf.memory().numTensors).toBe(1);
  resident.dispose();
});

test('rows within a budget: the floor of budget / bytes per row, at least 1', () => {
  expect(rowsWithinBudget(1000, 10_500)).toBe(10);
  expect(rowsWithinBudget(20_000, 10_500)).toBe(1);
  // The wasm heap must stay far below 2 GiB (its offsets are signed 32-bit).
  expect(passBudgetBytes('wasm')).toBeLessThan(2 ** 31 / 2);
  expect(passBudgetBytes('webgpu')).toBeGreaterThan(passBudgetBytes('wasm'));
});
