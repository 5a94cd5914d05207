/**
 * Named model specs of ours. `multiscaleFlowSpec` writes the architecture of docs/reference-notes.md §2.2 for
 * any image size:
 * per level Squeeze(f) → blocks × [ActNorm, 1×1Conv?, Coupling(flip=T), ActNorm, 1×1Conv?, Coupling(flip=F)]
 * → 1×1Conv, with a split after every level but the last.
 */
import { FlowConfigError } from './errors.js';
import {
  DEFAULT_DATA_TRANSFORM,
  FLOW_SPEC_FORMAT,
  validateFlowSpec,
  type DataTransformSpec,
  type FlowLevelSpec,
  type FlowModelSpec,
  type TransformSpec,
} from './spec.js';
import { flowSpecFromUpstream, type UpstreamParseOptions } from './upstream-config.js';

export type CouplingKind = 'affine' | 'rq-spline';

export interface MultiscaleLevelRecipe {
  squeeze: number;
  /** Number of [ActNorm, (1×1), Coupling(T), ActNorm, (1×1), Coupling(F)] blocks. */
  blocks: number;
  hiddenChannels: number;
  /** 1×1 convolutions inside the blocks (levels 1–2 of the reference) or only at the level end (level 3). */
  conv1x1InBlocks: boolean;
}

export interface MultiscaleRecipe {
  dataShape: [number, number, number];
  coupling: CouplingKind;
  levels: MultiscaleLevelRecipe[];
  numBlocks?: number;
  dropout?: number;
  numBins?: number;
  tailBound?: number;
  dataTransform?: Partial<DataTransformSpec>;
  seed?: number;
}

export function multiscaleFlowSpec(r: MultiscaleRecipe): FlowModelSpec {
  let [c, h, w] = r.dataShape;
  const levels: FlowLevelSpec[] = r.levels.map((lv, i) => {
    if (h % lv.squeeze !== 0 || w % lv.squeeze !== 0) throw new FlowConfigError(`squeeze ${lv.squeeze} does not divide ${h}×${w}`, `levels[${i}].squeeze`);
    c = c * lv.squeeze * lv.squeeze;
    h /= lv.squeeze;
    w /= lv.squeeze;
    const net = { type: 'conv-residual' as const, hiddenChannels: lv.hiddenChannels, numBlocks: r.numBlocks ?? 2, dropout: r.dropout ?? 0.2 };
    const coupling = (flip: boolean): TransformSpec =>
      r.coupling === 'affine'
        ? { type: 'affine-coupling', mask: { dim: c, flip }, net }
        : {
            type: 'rq-spline-coupling',
            mask: { dim: c, flip },
            net,
            numBins: r.numBins ?? 8,
            tailBound: r.tailBound ?? 3,
            tails: 'linear',
            minBinWidth: 1e-3,
            minBinHeight: 1e-3,
            minDerivative: 1e-3,
          };
    const transforms: TransformSpec[] = [{ type: 'squeeze', factor: lv.squeeze }];
    for (let b = 0; b < lv.blocks; b++) {
      for (const flip of [true, false]) {
        transforms.push({ type: 'actnorm', features: c });
        if (lv.conv1x1InBlocks) transforms.push({ type: 'conv1x1', channels: c });
        transforms.push(coupling(flip));
      }
    }
    transforms.push({ type: 'conv1x1', channels: c });
    const level: FlowLevelSpec = { transforms, outputShape: [c, h, w] };
    if (i < r.levels.length - 1) c = Math.floor(c / 2);
    return level;
  });
  return {
    format: FLOW_SPEC_FORMAT,
    dataShape: [...r.dataShape],
    dataTransform: { ...DEFAULT_DATA_TRANSFORM, ...r.dataTransform },
    levels,
    seed: r.seed ?? 0,
  };
}

const grayscale = (hidden: [number, number, number]): MultiscaleLevelRecipe[] => [
  { squeeze: 2, blocks: 3, hiddenChannels: hidden[0], conv1x1InBlocks: true },
  { squeeze: 2, blocks: 3, hiddenChannels: hidden[1], conv1x1InBlocks: true },
  { squeeze: 7, blocks: 2, hiddenChannels: hidden[2], conv1x1InBlocks: false },
];
const rgb = (hidden: [number, number, number]): MultiscaleLevelRecipe[] => [
  { squeeze: 2, blocks: 3, hiddenChannels: hidden[0], conv1x1InBlocks: true },
  { squeeze: 2, blocks: 3, hiddenChannels: hidden[1], conv1x1InBlocks: true },
  { squeeze: 8, blocks: 2, hiddenChannels: hidden[2], conv1x1InBlocks: false },
];

interface PresetDef {
  description: string;
  recipe: Omit<MultiscaleRecipe, 'coupling'> & { coupling: CouplingKind };
}

const REFERENCE = [64, 64, 1024] as [number, number, number];
const SMALL = [32, 32, 256] as [number, number, number];
const CPU = [16, 16, 128] as [number, number, number];

const PRESETS: Record<string, PresetDef> = {};
for (const coupling of ['affine', 'rq-spline'] as const) {
  const tag = coupling === 'affine' ? 'glow' : 'rqnsf';
  const name = coupling === 'affine' ? 'Glow-style affine' : 'RQ-NSF (K=8, B=3)';
  PRESETS[`${tag}-grayscale`] = {
    description: `${name} flow on 1×28×28, the reference architecture (docs/reference-notes.md §2.2, hidden 64/64/1024)`,
    recipe: { dataShape: [1, 28, 28], coupling, levels: grayscale(REFERENCE) },
  };
  PRESETS[`${tag}-rgb`] = {
    description: `${name} flow on 3×32×32, the reference architecture (docs/reference-notes.md §2.2, hidden 64/64/1024)`,
    recipe: { dataShape: [3, 32, 32], coupling, levels: rgb(REFERENCE) },
  };
  PRESETS[`${tag}-grayscale-small`] = {
    description: `${name} flow on 1×28×28, docs/reference-notes.md §2.2 structure with coupling widths 32/32/256`,
    recipe: { dataShape: [1, 28, 28], coupling, levels: grayscale(SMALL) },
  };
  PRESETS[`${tag}-grayscale-cpu`] = {
    description: `${name} flow on 1×28×28, docs/reference-notes.md §2.2 structure with coupling widths 16/16/128: trains on FMNIST on a CPU (wasm) in minutes`,
    recipe: { dataShape: [1, 28, 28], coupling, levels: grayscale(CPU) },
  };
}

export const FLOW_PRESET_NAMES: readonly string[] = Object.keys(PRESETS);

export interface PresetOverrides {
  seed?: number;
  /** Coupling widths per level. */
  hiddenChannels?: number[];
  coupling?: CouplingKind;
  numBins?: number;
  tailBound?: number;
  dropout?: number;
  dataTransform?: Partial<DataTransformSpec>;
}

export function describeFlowPreset(name: string): string {
  const p = PRESETS[name];
  if (!p) throw unknownPreset(name, 'preset');
  return p.description;
}

export function flowPreset(name: string, overrides: PresetOverrides = {}, path = 'preset'): FlowModelSpec {
  const p = PRESETS[name];
  if (!p) throw unknownPreset(name, path);
  const r = p.recipe;
  if (overrides.hiddenChannels && overrides.hiddenChannels.length !== r.levels.length) {
    throw new FlowConfigError(`hiddenChannels needs ${r.levels.length} entries (one per level), got ${overrides.hiddenChannels.length}`, 'overrides.hiddenChannels');
  }
  return multiscaleFlowSpec({
    ...r,
    coupling: overrides.coupling ?? r.coupling,
    levels: r.levels.map((l, i) => ({ ...l, hiddenChannels: overrides.hiddenChannels?.[i] ?? l.hiddenChannels })),
    numBins: overrides.numBins ?? r.numBins,
    tailBound: overrides.tailBound ?? r.tailBound,
    dropout: overrides.dropout ?? r.dropout,
    dataTransform: { ...r.dataTransform, ...overrides.dataTransform },
    seed: overrides.seed ?? 0,
  });
}

function unknownPreset(name: string, path: string): FlowConfigError {
  return new FlowConfigError(`unknown flow preset "${name}" (known: ${FLOW_PRESET_NAMES.join(', ')})`, path);
}

/** Replace every coupling net's width (e.g. to test the reference architecture at reduced cost). */
export function withCouplingWidths(spec: FlowModelSpec, width: (levelIndex: number, original: number) => number): FlowModelSpec {
  return {
    ...spec,
    levels: spec.levels.map((l, i) => ({
      ...l,
      transforms: l.transforms.map((t) =>
        t.type === 'affine-coupling' || t.type === 'rq-spline-coupling' ? { ...t, net: { ...t.net, hiddenChannels: width(i, t.net.hiddenChannels) } } : t,
      ),
    })),
  };
}

/**
 * Resolve any accepted model configuration to a spec:
 *  - an upstream section ({class_path: ...NormalizingFlow, init_args}),
 *  - one of our specs ({format: "dgm-ood/flow-spec@1", ...}),
 *  - a preset reference ({preset: "rqnsf-grayscale-cpu", overrides?: {...}}).
 */
export function resolveFlowModelSpec(config: unknown, opts: UpstreamParseOptions = {}): FlowModelSpec {
  const path = opts.path ?? 'model';
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FlowConfigError('must be a model section (class_path/init_args), a flow spec, or {preset: name}', path, opts.source);
  }
  const c = config as Record<string, unknown>;
  if ('class_path' in c) return flowSpecFromUpstream(c, opts);
  if (c['format'] === FLOW_SPEC_FORMAT) return validateFlowSpec(c, path);
  if (typeof c['preset'] === 'string') {
    const overrides = (c['overrides'] ?? {}) as PresetOverrides;
    if (typeof overrides !== 'object' || overrides === null) throw new FlowConfigError('must be a mapping', `${path}.overrides`, opts.source);
    return flowPreset(c['preset'], { seed: opts.seed, ...overrides }, `${path}.preset`);
  }
  throw new FlowConfigError('must be a model section (class_path/init_args), a flow spec (format), or {preset: name}', path, opts.source);
}
