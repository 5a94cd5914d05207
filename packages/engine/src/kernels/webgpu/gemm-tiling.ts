import * as tf from '@tensorflow/tfjs';

/**
 * A tiling of the engine's register-blocked GEMM (gemm-wgsl.ts): a workgroup of wgX × wgY invocations computes a
 * tile of (wgY·tm) rows × (wgX·tn) columns of the output, tm × tn values per invocation held in registers, over
 * tk-deep slices of both operands staged in workgroup memory.
 */
export interface GemmTiling {
  name: string;
  wgX: number;
  wgY: number;
  tm: number;
  tn: number;
  tk: number;
  /** Load the next step's slices into registers while multiplying the staged ones (gemm-wgsl.ts). */
  prefetch?: boolean;
}

/**
 * Largest tile first. `large` needs 256 invocations per workgroup (core WebGPU's default limit; the compatibility
 * level's is 128); the others fit the compatibility limits. Every tiling stages ≤ 8 KiB (limit 16 KiB). The 8 × 8
 * blocks stage 8 deep, so that each invocation loads (and keeps the row or column of) at most 8 values per operand
 * per step beside its 64 accumulators; the 4 × 4 block stages 16 deep to keep enough work between barriers.
 */
export const GEMM_TILINGS: readonly GemmTiling[] = [
  { name: 'large', wgX: 16, wgY: 16, tm: 8, tn: 8, tk: 8 }, // 128 × 128
  { name: 'wide', wgX: 16, wgY: 8, tm: 8, tn: 8, tk: 8 }, // 64 × 128
  { name: 'tall', wgX: 8, wgY: 16, tm: 8, tn: 8, tk: 8 }, // 128 × 64 (convs with 64 output channels)
  { name: 'small', wgX: 16, wgY: 8, tm: 4, tn: 4, tk: 16 }, // 32 × 64
];

/**
 * Each tiling with its global loads prefetched a step ahead (`large-prefetch` …): forced only, for bench/gpu to
 * compare on a card — whether the overlap is worth the registers it takes is the card's to say, so `auto` does not
 * choose them yet.
 */
const GEMM_PREFETCH_TILINGS: readonly GemmTiling[] = GEMM_TILINGS.map((t) => ({ ...t, name: `${t.name}-prefetch`, prefetch: true }));

/** Every tiling the flag can force. */
export const FORCEABLE_GEMM_TILINGS: readonly GemmTiling[] = [...GEMM_TILINGS, ...GEMM_PREFETCH_TILINGS];

/** What the flag (and DGM_OOD_WEBGPU_GEMM) takes. */
export const GEMM_MODES: readonly string[] = ['auto', 'stock', ...FORCEABLE_GEMM_TILINGS.map((t) => t.name)];

export const tileRows = (t: GemmTiling): number => t.wgY * t.tm;
export const tileCols = (t: GemmTiling): number => t.wgX * t.tn;
export const stagedBytes = (t: GemmTiling): number => 4 * t.tk * (tileRows(t) + tileCols(t));

/**
 * tfjs environment flag choosing the GEMM behind matMul and conv2d on webgpu (with the engine's own kernels on):
 * `auto` (chooseGemmTiling), `stock` (tfjs-webgpu's own programs), or a tiling's name to force it wherever the
 * device allows it (tests, bench/gpu).
 */
export const WEBGPU_GEMM_FLAG = 'DGM_WEBGPU_GEMM';
if ((tf.env() as unknown as { flagRegistry: Record<string, unknown> }).flagRegistry[WEBGPU_GEMM_FLAG] === undefined) {
  tf.env().registerFlag(WEBGPU_GEMM_FLAG, () => 'auto');
}

export interface GemmDeviceLimits {
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

/** Workgroups that fill a large card about once (an H100 has 132 multiprocessors); fewer leave most of it idle. */
export const FULL_CARD_WORKGROUPS = 128;
/** Below this many workgroups even with the smallest tile, tfjs's split-K and small-output programs serve better. */
export const MIN_OWN_WORKGROUPS = 32;
/** Padding a tile may waste: the covered area at most 4/3 of the output. */
const MAX_COVER = 4 / 3;

export interface GemmShape {
  batch: number;
  m: number;
  n: number;
}

const fits = (t: GemmTiling, l: GemmDeviceLimits, s: GemmShape): boolean =>
  t.wgX * t.wgY <= l.maxComputeInvocationsPerWorkgroup &&
  t.wgX <= l.maxComputeWorkgroupSizeX &&
  t.wgY <= l.maxComputeWorkgroupSizeY &&
  stagedBytes(t) <= l.maxComputeWorkgroupStorageSize &&
  Math.ceil(s.m / tileRows(t)) <= l.maxComputeWorkgroupsPerDimension &&
  Math.ceil(s.n / tileCols(t)) <= l.maxComputeWorkgroupsPerDimension &&
  s.batch <= l.maxComputeWorkgroupsPerDimension;

export const gemmWorkgroups = (t: GemmTiling, s: GemmShape): number => s.batch * Math.ceil(s.m / tileRows(t)) * Math.ceil(s.n / tileCols(t));

const cover = (t: GemmTiling, s: GemmShape): number =>
  (Math.ceil(s.m / tileRows(t)) * tileRows(t) * Math.ceil(s.n / tileCols(t)) * tileCols(t)) / (s.m * s.n);

/**
 * The tiling for a batch × (m × n) output, or null for tfjs's own program. `auto`: the largest tile that still
 * gives a large card FULL_CARD_WORKGROUPS workgroups without padding more than a third of the output; else the
 * smallest tile, when it gives at least MIN_OWN_WORKGROUPS. A guess for large cards that only bench/gpu on one can
 * tune (it prints every forced tiling beside auto and stock).
 */
export function chooseGemmTiling(limits: GemmDeviceLimits, shape: GemmShape, mode: string): GemmTiling | null {
  if (mode === 'stock') return null;
  if (mode !== 'auto') {
    const forced = FORCEABLE_GEMM_TILINGS.find((t) => t.name === mode);
    if (forced === undefined) {
      throw new Error(`${WEBGPU_GEMM_FLAG}: unknown value '${mode}' (expected ${GEMM_MODES.join(', ')})`);
    }
    return fits(forced, limits, shape) ? forced : null;
  }
  const usable = GEMM_TILINGS.filter((t) => fits(t, limits, shape));
  const full = usable.find((t) => gemmWorkgroups(t, shape) >= FULL_CARD_WORKGROUPS && cover(t, shape) <= MAX_COVER);
  if (full !== undefined) return full;
  const smallest = usable.at(-1);
  return smallest !== undefined && gemmWorkgroups(smallest, shape) >= MIN_OWN_WORKGROUPS ? smallest : null;
}

/** The flag's current value. */
export function gemmMode(): string {
  return String(tf.env().get(WEBGPU_GEMM_FLAG));
}

/**
 * The tiling for a split-K GEMM (the conv filter gradient: a short, wide output over a long k): forced or stock as
 * the flag says; `auto` the largest tile that pads at most a third of the output, else the one that pads least.
 * Split-K (splitK) then supplies the workgroups.
 */
export function chooseSplitKTiling(limits: GemmDeviceLimits, m: number, n: number, mode: string): GemmTiling | null {
  if (mode !== 'auto') return chooseGemmTiling(limits, { batch: 1, m, n }, mode);
  const usable = GEMM_TILINGS.filter((t) => fits(t, limits, { batch: 1, m, n }));
  if (usable.length === 0) return null;
  const shape = { batch: 1, m, n };
  return usable.find((t) => cover(t, shape) <= MAX_COVER) ?? usable.reduce((best, t) => (cover(t, shape) < cover(best, shape) ? t : best));
}

/** Split-K aims at about this many workgroups in all: a large card's several waves. */
const SPLIT_TARGET = 512;
/** Each slice keeps at least this much of k, to amortise its tile loads and the summing pass. */
const SPLIT_MIN_K = 256;

/**
 * How to cut k for `tiles` output tiles: slices of kPerSlice (a multiple of the staged depth tk, so no staged step
 * straddles two slices) such that about SPLIT_TARGET workgroups run, each slice at least SPLIT_MIN_K long; one slice
 * (no split) when the tiles are enough or k is short.
 */
export function splitK(tiles: number, k: number, tk: number): { kPerSlice: number; slices: number } {
  const wanted = Math.max(1, Math.min(Math.ceil(SPLIT_TARGET / tiles), Math.floor(k / SPLIT_MIN_K)));
  const kPerSlice = Math.max(tk, Math.ceil(Math.ceil(k / wanted) / tk) * tk);
  return { kPerSlice, slices: Math.max(1, Math.ceil(k / kPerSlice)) };
}
