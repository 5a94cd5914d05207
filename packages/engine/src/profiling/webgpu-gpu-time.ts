import { webGpuBackend, type WebGpuBackendInternals } from '../kernels/webgpu/raw-dispatch.js';
import { MethodPatches, tfjsDispatchLabel, trackKernels } from './method-patches.js';

/** One dispatch and the GPU time between the start and the end of its compute pass. */
export interface TimedDispatch {
  /** `Conv2D/conv2DMM` for a tfjs program (kernel/program, as the dispatch counters name it), our kernels' own names. */
  label: string;
  ms: number;
}

export interface TimedRegion<T> {
  value: T;
  /** Whether the device has `timestamp-query`; without it every `ms` is 0 and only labels and counts mean anything. */
  timestamps: boolean;
  dispatches: TimedDispatch[];
}

interface TimerEntry {
  name: string;
  query: Promise<number>;
  /** Ours: the dispatch's kernel/program label (tfjs's own entries carry only the program's class name). */
  label?: string;
}

/**
 * Runs `f` (synchronous: it enqueues work, it does not read it) with every dispatch timed on the GPU: tfjs's
 * programs by tfjs's own mechanism (the backend's active timers), ours by recordDispatch joining it. Each dispatch
 * then runs in a compute pass of its own and, with timestamps, is submitted alone, so the times do not overlap and
 * their sum is the GPU's busy time for the region — but the region itself runs slower than untimed (compare with an
 * untimed wall time). Copies and buffer clears are not timed. Not reentrant.
 */
export async function timeWebGpuDispatches<T>(f: () => T): Promise<TimedRegion<T>> {
  const backend = webGpuBackend() as WebGpuBackendInternals & { programTimersStack?: unknown[] | null };
  if (backend.activeTimers != null) throw new Error('webgpu gpu time: programs are already being timed (tf.profile, tf.time or another region)');
  const entries: unknown[] = [];
  const patches = new MethodPatches();
  const kernel = trackKernels(patches);
  // tfjs pushes {name: class name, query} while recording a timed program: give it the label the counters use.
  patches.around(backend, 'recordAndSubmit', (original, self, args) => {
    const before = entries.length;
    const out = original.apply(self, args);
    const label = tfjsDispatchLabel(kernel(), args[0] as { shaderKey?: string });
    for (let i = before; i < entries.length; i++) (entries[i] as TimerEntry).label ??= label;
    return out;
  });
  let value: T;
  backend.activeTimers = entries;
  backend.programTimersStack = entries; // as tfjs's own outermost time(): nested timers (tf.profile) land inside
  try {
    value = f();
    if (value instanceof Promise) {
      value.catch(() => undefined); // reported below instead
      throw new Error('webgpu gpu time: the region returned a promise; it must enqueue its work synchronously (what it awaits would run untimed)');
    }
  } finally {
    backend.activeTimers = null;
    backend.programTimersStack = null;
    patches.restore();
  }
  const flat = entries.flat(Infinity) as TimerEntry[];
  const ms = await Promise.all(flat.map((e) => e.query));
  return { value, timestamps: backend.supportTimestampQuery, dispatches: flat.map((e, i) => ({ label: e.label ?? e.name, ms: ms[i]! })) };
}

export interface GpuTimeRow {
  label: string;
  /** Per region (divided by the number of regions summed). */
  dispatches: number;
  ms: number;
}

export interface GpuTimeSummary {
  timestamps: boolean;
  regions: number;
  dispatches: number;
  /** GPU busy time per region: the sum of its dispatches' times. */
  ms: number;
  /** By label, the most GPU time first (most dispatches first without timestamps). */
  rows: GpuTimeRow[];
}

/** Per-region totals and rows by label, from the dispatches of `regions` timed regions of the same work. */
export function summarizeGpuTimes(dispatches: TimedDispatch[], regions: number, timestamps: boolean): GpuTimeSummary {
  if (!Number.isInteger(regions) || regions < 1) throw new Error(`webgpu gpu time: regions must be a positive integer, got ${regions}`);
  const byLabel = new Map<string, { dispatches: number; ms: number }>();
  for (const d of dispatches) {
    const row = byLabel.get(d.label) ?? { dispatches: 0, ms: 0 };
    row.dispatches++;
    row.ms += d.ms;
    byLabel.set(d.label, row);
  }
  const rows = [...byLabel].map(([label, r]) => ({ label, dispatches: r.dispatches / regions, ms: r.ms / regions }));
  rows.sort((a, b) => b.ms - a.ms || b.dispatches - a.dispatches || a.label.localeCompare(b.label));
  const ms = dispatches.reduce((s, d) => s + d.ms, 0) / regions;
  return { timestamps, regions, dispatches: dispatches.length / regions, ms, rows };
}

/**
 * `GPU busy 12.3 ms over 57 dispatches per step; wall 30.1 ms untimed: the GPU is busy 41 % of the step`, then the
 * top `n` labels with their share of the busy time.
 */
export function formatGpuTimes(s: GpuTimeSummary, wallMs: number | null, n = 12): string {
  const count = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  const lines: string[] = [];
  if (!s.timestamps) {
    lines.push(`GPU times unavailable (this device has no timestamp-query): ${count(s.dispatches)} dispatches per step, by label:`);
    for (const r of s.rows.slice(0, n)) lines.push(`    ${count(r.dispatches).padStart(7)}  ${r.label}`);
    return lines.join('\n');
  }
  let head = `GPU busy ${s.ms.toFixed(3)} ms over ${count(s.dispatches)} dispatches per step`;
  if (wallMs !== null && wallMs > 0) head += `; wall ${wallMs.toFixed(3)} ms untimed: the GPU is busy ${Math.min(100, (100 * s.ms) / wallMs).toFixed(0)} % of the step`;
  lines.push(head);
  for (const r of s.rows.slice(0, n)) {
    const share = s.ms > 0 ? (100 * r.ms) / s.ms : 0;
    lines.push(`    ${r.ms.toFixed(3).padStart(10)} ms ${share.toFixed(1).padStart(5)} %  ${count(r.dispatches).padStart(6)}×  ${r.label}`);
  }
  return lines.join('\n');
}
