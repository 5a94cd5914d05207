/**
 * The model specification we build flows from: plain JSON, stored in checkpoints so that a checkpoint can
 * rebuild its own model. Upstream YAML model sections (upstream-config.ts) and presets (presets.ts) are both
 * turned into this form.
 */
import { FlowConfigError } from './errors.js';

export const FLOW_SPEC_FORMAT = 'dgm-ood/flow-spec@1';

export interface ConvResidualNetSpec {
  type: 'conv-residual';
  hiddenChannels: number;
  numBlocks: number;
  dropout: number;
}

export interface MaskSpec {
  dim: number;
  flip: boolean;
}

export type TransformSpec =
  | { type: 'squeeze'; factor: number }
  | { type: 'actnorm'; features: number }
  | { type: 'conv1x1'; channels: number }
  | { type: 'affine-coupling'; mask: MaskSpec; net: ConvResidualNetSpec }
  | {
      type: 'rq-spline-coupling';
      mask: MaskSpec;
      net: ConvResidualNetSpec;
      numBins: number;
      tailBound: number;
      tails: 'linear';
      minBinWidth: number;
      minBinHeight: number;
      minDerivative: number;
    };

export interface FlowLevelSpec {
  transforms: TransformSpec[];
  /** Expected (C,H,W) of the level output before the split (upstream `multiscale.transform_output_shape`). */
  outputShape?: [number, number, number];
}

export interface DataTransformSpec {
  /** x ← x + u, u ~ U[0,1), applied in training and (as upstream) in evaluation unless switched off per call. */
  dequantize: boolean;
  /** x ← x / (m + dequantize), m = max(|dataMin|, |dataMax|). */
  scaleData: boolean;
  /** Raw pixel range; 0..255 for every image dataset of the reference. */
  dataMin: number;
  dataMax: number;
  /** The logit bijection folded into the flow (its Jacobian counts in the likelihood). */
  logit: { alpha: number; eps: number } | null;
  /** Background models (Ren et al.): per-element replacement probability ρ, or null. */
  backgroundAugmentation: number | null;
  /** Clamp samples to [dataMin, dataMax] after the inverse data transform. */
  clampSamples: boolean;
}

export interface FlowModelSpec {
  format: typeof FLOW_SPEC_FORMAT;
  /** (C, H, W) of the images. */
  dataShape: [number, number, number];
  dataTransform: DataTransformSpec;
  /** Multiscale levels; a split (first half to the latent) follows every level but the last. */
  levels: FlowLevelSpec[];
  /** Seed of the initial weights and of the 1×1-conv permutations. */
  seed: number;
}

export const DEFAULT_DATA_TRANSFORM: DataTransformSpec = {
  dequantize: true,
  scaleData: true,
  dataMin: 0,
  dataMax: 255,
  logit: { alpha: 0.05, eps: 1e-6 },
  backgroundAugmentation: null,
  clampSamples: false,
};

/** D = C·H·W. */
export function specDimension(spec: FlowModelSpec): number {
  return spec.dataShape[0] * spec.dataShape[1] * spec.dataShape[2];
}

/** Structural validation of a spec of unknown origin (JSON from a DB row, a checkpoint, a job payload). */
export function validateFlowSpec(value: unknown, where = 'spec'): FlowModelSpec {
  const obj = record(value, where);
  if (obj['format'] !== FLOW_SPEC_FORMAT) throw new FlowConfigError(`expected format "${FLOW_SPEC_FORMAT}", got ${JSON.stringify(obj['format'])}`, `${where}.format`);
  const dataShape = shape3(obj['dataShape'], `${where}.dataShape`);
  const dt = record(obj['dataTransform'], `${where}.dataTransform`);
  const logitRaw = dt['logit'];
  const dataTransform: DataTransformSpec = {
    dequantize: bool(dt['dequantize'], `${where}.dataTransform.dequantize`),
    scaleData: bool(dt['scaleData'], `${where}.dataTransform.scaleData`),
    dataMin: num(dt['dataMin'], `${where}.dataTransform.dataMin`),
    dataMax: num(dt['dataMax'], `${where}.dataTransform.dataMax`),
    logit:
      logitRaw === null
        ? null
        : (() => {
            const l = record(logitRaw, `${where}.dataTransform.logit`);
            return { alpha: num(l['alpha'], `${where}.dataTransform.logit.alpha`), eps: num(l['eps'], `${where}.dataTransform.logit.eps`) };
          })(),
    backgroundAugmentation: dt['backgroundAugmentation'] === null ? null : num(dt['backgroundAugmentation'], `${where}.dataTransform.backgroundAugmentation`),
    clampSamples: bool(dt['clampSamples'], `${where}.dataTransform.clampSamples`),
  };
  const levelsRaw = obj['levels'];
  if (!Array.isArray(levelsRaw) || levelsRaw.length === 0) throw new FlowConfigError('must be a non-empty array', `${where}.levels`);
  const levels = levelsRaw.map((l, i) => {
    const lp = `${where}.levels[${i}]`;
    const lo = record(l, lp);
    const ts = lo['transforms'];
    if (!Array.isArray(ts)) throw new FlowConfigError('must be an array', `${lp}.transforms`);
    const level: FlowLevelSpec = { transforms: ts.map((t, j) => transformSpec(t, `${lp}.transforms[${j}]`)) };
    if (lo['outputShape'] !== undefined) level.outputShape = shape3(lo['outputShape'], `${lp}.outputShape`);
    return level;
  });
  return { format: FLOW_SPEC_FORMAT, dataShape, dataTransform, levels, seed: int(obj['seed'], `${where}.seed`) };
}

function transformSpec(value: unknown, p: string): TransformSpec {
  const o = record(value, p);
  switch (o['type']) {
    case 'squeeze':
      return { type: 'squeeze', factor: posInt(o['factor'], `${p}.factor`) };
    case 'actnorm':
      return { type: 'actnorm', features: posInt(o['features'], `${p}.features`) };
    case 'conv1x1':
      return { type: 'conv1x1', channels: posInt(o['channels'], `${p}.channels`) };
    case 'affine-coupling':
      return { type: 'affine-coupling', mask: maskSpec(o['mask'], `${p}.mask`), net: netSpec(o['net'], `${p}.net`) };
    case 'rq-spline-coupling': {
      if (o['tails'] !== 'linear') throw new FlowConfigError(`only "linear" tails are supported, got ${JSON.stringify(o['tails'])}`, `${p}.tails`);
      return {
        type: 'rq-spline-coupling',
        mask: maskSpec(o['mask'], `${p}.mask`),
        net: netSpec(o['net'], `${p}.net`),
        numBins: posInt(o['numBins'], `${p}.numBins`),
        tailBound: num(o['tailBound'], `${p}.tailBound`),
        tails: 'linear',
        minBinWidth: num(o['minBinWidth'], `${p}.minBinWidth`),
        minBinHeight: num(o['minBinHeight'], `${p}.minBinHeight`),
        minDerivative: num(o['minDerivative'], `${p}.minDerivative`),
      };
    }
    default:
      throw new FlowConfigError(`unknown transform type ${JSON.stringify(o['type'])}`, `${p}.type`);
  }
}

function maskSpec(v: unknown, p: string): MaskSpec {
  const o = record(v, p);
  return { dim: posInt(o['dim'], `${p}.dim`), flip: bool(o['flip'], `${p}.flip`) };
}

function netSpec(v: unknown, p: string): ConvResidualNetSpec {
  const o = record(v, p);
  if (o['type'] !== 'conv-residual') throw new FlowConfigError(`unknown net type ${JSON.stringify(o['type'])}`, `${p}.type`);
  const dropout = num(o['dropout'], `${p}.dropout`);
  if (dropout < 0 || dropout >= 1) throw new FlowConfigError(`dropout must lie in [0, 1), got ${dropout}`, `${p}.dropout`);
  return { type: 'conv-residual', hiddenChannels: posInt(o['hiddenChannels'], `${p}.hiddenChannels`), numBlocks: int(o['numBlocks'], `${p}.numBlocks`), dropout };
}

function record(v: unknown, p: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FlowConfigError(`must be an object, got ${describe(v)}`, p);
  return v as Record<string, unknown>;
}
function bool(v: unknown, p: string): boolean {
  if (typeof v !== 'boolean') throw new FlowConfigError(`must be a boolean, got ${describe(v)}`, p);
  return v;
}
function num(v: unknown, p: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FlowConfigError(`must be a finite number, got ${describe(v)}`, p);
  return v;
}
function int(v: unknown, p: string): number {
  const n = num(v, p);
  if (!Number.isInteger(n) || n < 0) throw new FlowConfigError(`must be a non-negative integer, got ${n}`, p);
  return n;
}
function posInt(v: unknown, p: string): number {
  const n = int(v, p);
  if (n < 1) throw new FlowConfigError(`must be a positive integer, got ${n}`, p);
  return n;
}
function shape3(v: unknown, p: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3) throw new FlowConfigError(`must be [C, H, W], got ${describe(v)}`, p);
  return [posInt(v[0], `${p}[0]`), posInt(v[1], `${p}[1]`), posInt(v[2], `${p}[2]`)];
}
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}
