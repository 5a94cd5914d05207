/**
 * How many rows (copies of a sample) one tensor pass may carry. tfjs keeps every intermediate of a pass (and, for a
 * gradient, of its backward) alive until the pass ends, so a pass over R rows holds about R × (peak bytes per row).
 * On wasm the heap must stay well under 2 GiB: tfjs-backend-wasm reads heap offsets as signed 32-bit integers, and
 * beyond 2^31 bytes a pass dies with "memory access out of bounds" instead of an out-of-memory error.
 */
import * as tf from '@tensorflow/tfjs';

const BUDGET_BYTES: Record<string, number> = {
  wasm: 768 * 2 ** 20,
  cpu: 1024 * 2 ** 20,
};
const DEFAULT_BUDGET_BYTES = 2048 * 2 ** 20;

/** Bytes of intermediates one pass may hold on the active backend. */
export function passBudgetBytes(backend: string = tf.getBackend()): number {
  return BUDGET_BYTES[backend] ?? DEFAULT_BUDGET_BYTES;
}

/**
 * Peak bytes per row of `pass(rows)`, measured once on `probeRows` rows (the tensor it returns is disposed).
 * Measured rather than estimated: it covers whatever the network and its gradient allocate.
 */
export async function peakBytesPerRow(pass: (rows: number) => tf.Tensor | tf.Tensor[], probeRows = 2): Promise<number> {
  const before = tf.memory().numBytes;
  const info = await tf.profile(() => pass(probeRows));
  tf.dispose(info.result as tf.Tensor | tf.Tensor[]);
  return Math.max(1, (info.peakBytes - before) / probeRows);
}

/** The most rows a pass may carry within `budgetBytes` (at least 1). */
export function rowsWithinBudget(bytesPerRow: number, budgetBytes: number = passBudgetBytes()): number {
  return Math.max(1, Math.floor(budgetBytes / bytesPerRow));
}
