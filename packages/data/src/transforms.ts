import { invalidOption } from './errors.js';
import { createRng } from './random.js';
import { resizeFloat } from './resize.js';
import type { ImageArray, Shape4 } from './types.js';

/**
 * The model-side data transform of docs/reference-notes.md §1.4 as composable, pure-array steps on float NCHW batches.
 * Each factory returns a function batch → new batch (inputs are never modified). Random steps own a seeded
 * generator, so a transform replays the same noise sequence when re-created with the same seed.
 */
export interface ImageBatch {
  images: Float32Array;
  shape: Shape4;
}

export type BatchTransform = (batch: ImageBatch) => ImageBatch;

/** Float32 copy of an image array (uint8 or float). */
export function toFloatBatch(x: ImageArray): ImageBatch {
  return { images: x.images instanceof Float32Array ? x.images.slice() : Float32Array.from(x.images), shape: [...x.shape] as Shape4 };
}

export function compose(...steps: BatchTransform[]): BatchTransform {
  return (batch) => steps.reduce((b, step) => step(b), batch);
}

function map(batch: ImageBatch, f: (v: number, i: number) => number): ImageBatch {
  const out = new Float32Array(batch.images.length);
  for (let i = 0; i < out.length; i++) out[i] = f(batch.images[i]!, i);
  return { images: out, shape: batch.shape };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The largest float32 strictly below `x` (x > 0). */
function float32Below(x: number): number {
  f32[0] = x;
  if (f32[0]! < x) return f32[0]!;
  u32[0]! -= 1;
  return f32[0]!;
}

/**
 * Uniform dequantization x ← x + u, u ~ U[0, 1) i.i.d. per element (docs/reference-notes.md §1.4 step 3). The float32
 * sum is kept strictly below x + 1 (a plain float32 add rounds x + 0.99999… up to x + 1 for x ≥ 128, which would put
 * a 255 pixel at exactly 1.0 after scaling by 1/256 and make the logit infinite).
 */
export function dequantize(options: { seed: number }): BatchTransform {
  const rng = createRng(options.seed, 0x64657175);
  return (batch) =>
    map(batch, (x) => {
      const y = x + rng.nextFloat();
      f32[0] = y;
      return f32[0]! < x + 1 ? f32[0]! : float32Below(x + 1);
    });
}

export interface ScaleOptions {
  /** Whether dequantization ran before (deq ∈ {0, 1} in the formulas). Default false. */
  dequantized?: boolean;
  /** The dataset's range; upstream always has 0 and 255. */
  dataMin?: number;
  dataMax?: number;
}

function scaleParams(options: ScaleOptions) {
  const dataMin = options.dataMin ?? 0;
  const dataMax = options.dataMax ?? 255;
  if (!(dataMax > dataMin)) throw invalidOption(`scale: dataMax (${dataMax}) must exceed dataMin (${dataMin})`);
  const deq = options.dequantized ? 1 : 0;
  return { dataMin, dataMax, deq, m: Math.max(Math.abs(dataMin), Math.abs(dataMax)) };
}

/** Flows' `scale_data`: x ← x / (m + deq), m = max(|min|, |max|): (x+u)/256 ∈ [0,1) dequantized, x/255 ∈ [0,1] not. */
export function scaleToUnitRange(options: ScaleOptions = {}): BatchTransform {
  const { m, deq } = scaleParams(options);
  const d = m + deq;
  return (batch) => map(batch, (x) => x / d);
}

/** Diffusions' `scale_data_to_n1_1`: x ← 2(x − min)/(range + deq) − 1: 2(x+u)/256 − 1 ∈ [−1,1) dequantized. */
export function scaleToSymmetricRange(options: ScaleOptions = {}): BatchTransform {
  const { dataMin, dataMax, deq } = scaleParams(options);
  const d = dataMax - dataMin + deq;
  return (batch) => map(batch, (x) => (2 * (x - dataMin)) / d - 1);
}

export interface UnscaleOptions extends ScaleOptions {
  /** Clamp to [dataMin, dataMax] at the end (upstream's `clamp_samples`, false in every config). */
  clamp?: boolean;
}

/**
 * Inverse of scaleToUnitRange for samples (docs/reference-notes.md §1.4): × (m + deq), then ⌊·⌋ when
 * dequantized, then optional clamp.
 */
export function unscaleFromUnitRange(options: UnscaleOptions = {}): BatchTransform {
  const { m, deq, dataMin, dataMax } = scaleParams(options);
  return (batch) => map(batch, (x) => finishUnscale(x * (m + deq), deq, options.clamp, dataMin, dataMax));
}

/** Inverse of scaleToSymmetricRange for samples: (x + 1)/2 · (range + deq) + min, then ⌊·⌋ / clamp as above. */
export function unscaleFromSymmetricRange(options: UnscaleOptions = {}): BatchTransform {
  const { deq, dataMin, dataMax } = scaleParams(options);
  const d = dataMax - dataMin + deq;
  return (batch) => map(batch, (x) => finishUnscale(((x + 1) / 2) * d + dataMin, deq, options.clamp, dataMin, dataMax));
}

function finishUnscale(v: number, deq: number, clamp: boolean | undefined, lo: number, hi: number): number {
  const floored = deq ? Math.floor(v) : v;
  return clamp ? Math.min(hi, Math.max(lo, floored)) : floored;
}

/** Antialiased bilinear resize of every plane (torch `Resize(antialias=True)` on a float tensor). */
export function resizeTo(size: readonly [number, number]): BatchTransform {
  return (batch) => {
    const [n, c] = batch.shape;
    return { images: resizeFloat(batch.images, batch.shape, size), shape: [n, c, size[0], size[1]] };
  };
}

/**
 * Background perturbation of Ren et al. (2019) (docs/reference-notes.md §1.4 step 6): every element is independently
 * replaced, with probability `rate`, by a value drawn uniformly from 256 evenly spaced values: {0, …, 255} when the
 * batch maximum exceeds 1, else linspace(batch min, batch max, 256) (data already scaled).
 */
export function backgroundPerturbation(options: { rate: number; seed: number }): BatchTransform {
  const { rate } = options;
  if (!(rate >= 0 && rate <= 1)) throw invalidOption(`background perturbation rate must be in [0, 1], got ${rate}`);
  const rng = createRng(options.seed, 0x6267);
  return (batch) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of batch.images) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const scaled = hi <= 1;
    const step = scaled ? (hi - lo) / 255 : 1;
    const base = scaled ? lo : 0;
    return map(batch, (x) => (rng.nextFloat() < rate ? base + rng.nextInt(256) * step : x));
  };
}

export interface DataTransformOptions {
  dequantize: boolean;
  /** `unit` for flows ([0,1)), `symmetric` for diffusions ([−1,1)), `none` to keep [0,255]. */
  scale: 'unit' | 'symmetric' | 'none';
  /** Background-model perturbation rate ρ; omit or 0 for none. */
  backgroundRate?: number;
  seed: number;
  dataMin?: number;
  dataMax?: number;
}

/** The docs/reference-notes.md §1.4 steps in upstream's order: dequantize → scale → background perturbation. */
export function dataTransform(options: DataTransformOptions): BatchTransform {
  const steps: BatchTransform[] = [];
  const range = { ...(options.dataMin !== undefined ? { dataMin: options.dataMin } : {}), ...(options.dataMax !== undefined ? { dataMax: options.dataMax } : {}) };
  if (options.dequantize) steps.push(dequantize({ seed: options.seed }));
  if (options.scale === 'unit') steps.push(scaleToUnitRange({ dequantized: options.dequantize, ...range }));
  if (options.scale === 'symmetric') steps.push(scaleToSymmetricRange({ dequantized: options.dequantize, ...range }));
  if (options.backgroundRate) steps.push(backgroundPerturbation({ rate: options.backgroundRate, seed: options.seed + 1 }));
  return compose(...steps);
}
