/**
 * Named diffusion specs of ours, and the one entry point that turns any accepted model section into a
 * DiffusionModelSpec: a reference section (upstream-config.ts), one of our specs, or a preset with
 * overrides. Imports no tensor library: the coordinator validates submissions with it.
 */
import { describeValue, ValueReader, type Obj } from './config-values.js';
import { DEFAULT_DIFFUSION_DATA_TRANSFORM, DIFFUSION_SPEC_FORMAT, type DiffusionModelSpec, type SdeSpec } from './spec.js';
import { UNET_DEFAULTS, type DownBlockType, type UNetSpec, type UpBlockType } from './unet/spec.js';
import { diffusionSpecFromUpstream, UPSTREAM_DIFFUSION_CLASSES } from './upstream-config.js';
import { checkSpecConsistency, DOWN_BLOCK_TYPES, UP_BLOCK_TYPES, validateDiffusionSpec } from './validate-spec.js';

/** The architecture fields a preset fixes; the rest of the U-Net follows the images and UNET_DEFAULTS. */
export type UNetArchitecture = Pick<UNetSpec, 'blockOutChannels' | 'layersPerBlock' | 'downBlockTypes' | 'upBlockTypes' | 'normNumGroups' | 'attentionHeadDim'>;

/**
 * Our CPU U-Net (presets `vp-unet-cpu`, `ve-unet-cpu`): four levels at 32, 16, 8 and 4 pixels with 16/16/32/32
 * channels, attention at 4×4 and in the mid block (the reference's pattern: attention only at low resolution),
 * one ResNet block per down block: 307,777 parameters, 77 MFLOP per image forward. About 1.1 s per training step
 * at batch 64 on our 2-core CPU (measurements in docs/diffusion.md §7–8); retune here only.
 */
export const CPU_PRESET_UNET: Readonly<UNetArchitecture> = Object.freeze({
  blockOutChannels: [16, 16, 32, 32],
  layersPerBlock: 1,
  downBlockTypes: ['DownBlock2D', 'DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D'] as DownBlockType[],
  upBlockTypes: ['AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D', 'UpBlock2D'] as UpBlockType[],
  normNumGroups: 8,
  attentionHeadDim: 8,
});

/** The reference's U-Net (its training configs' `score_network_kwargs`, docs/diffusion.md). */
export const REFERENCE_UNET: Readonly<UNetArchitecture> = Object.freeze({
  blockOutChannels: [128, 128, 256, 256, 512, 512],
  layersPerBlock: 2,
  downBlockTypes: ['DownBlock2D', 'DownBlock2D', 'DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D'] as DownBlockType[],
  upBlockTypes: ['UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D', 'UpBlock2D', 'UpBlock2D'] as UpBlockType[],
  normNumGroups: UNET_DEFAULTS.normNumGroups,
  attentionHeadDim: UNET_DEFAULTS.attentionHeadDim,
});

/** VP: the reference's β 0.1 → 20. VE: g ±10, the value of the reference's training sweeps (class default ±5). */
const VP: SdeSpec = { type: 'vp', betaMin: 0.1, betaMax: 20, T: 1 };
const VE: SdeSpec = { type: 've', gMin: -10, gMax: 10, T: 1 };

interface PresetDef {
  description: string;
  dataShape: [number, number, number];
  sde: SdeSpec;
  unet: Readonly<UNetArchitecture>;
}

const PRESETS: Record<string, PresetDef> = {
  'vp-unet-cpu': { description: 'VP-SDE (β 0.1 → 20) with our CPU U-Net (channels 16/16/32/32, attention at 4×4) on 1×32×32', dataShape: [1, 32, 32], sde: VP, unet: CPU_PRESET_UNET },
  've-unet-cpu': { description: 'VE-SDE (g −10 → +10) with our CPU U-Net (channels 16/16/32/32, attention at 4×4) on 1×32×32', dataShape: [1, 32, 32], sde: VE, unet: CPU_PRESET_UNET },
};
for (const [tag, dataShape] of [['grayscale', [1, 32, 32]], ['rgb', [3, 32, 32]]] as const) {
  for (const [kind, sde, what] of [['vp', VP, 'VP-SDE (β 0.1 → 20)'], ['ve', VE, 'VE-SDE (g −10 → +10)']] as const) {
    PRESETS[`${kind}-unet-reference-${tag}`] = {
      description: `${what} with the reference's U-Net (channels 128/128/256/256/512/512, attention at 2×2) on ${dataShape.join('×')}`,
      dataShape: [...dataShape],
      sde,
      unet: REFERENCE_UNET,
    };
  }
}

export const DIFFUSION_PRESET_NAMES: readonly string[] = Object.keys(PRESETS);

export function describeDiffusionPreset(name: string): string {
  const p = PRESETS[name];
  if (!p) throw unknownPreset(new ValueReader(), name, 'preset');
  return p.description;
}

/** What a preset reference may change (camelCase spec names; a config may also spell them in snake_case). */
export interface DiffusionPresetOverrides extends Partial<Omit<UNetSpec, 'sampleSize' | 'inChannels' | 'outChannels'>> {
  seed?: number;
  /** [C, H, W]; the U-Net's sample size and channels follow it. */
  dataShape?: [number, number, number];
  T?: number;
  betaMin?: number;
  betaMax?: number;
  gMin?: number;
  gMax?: number;
  dequantize?: boolean;
  clampSamples?: boolean;
}
type OverrideKey = keyof DiffusionPresetOverrides;

/** Where each override was written (its dotted path and its key as written), for located errors. */
type OverrideSites = Partial<Record<OverrideKey, { path: string; key: string }>>;

/**
 * A preset's spec with overrides applied; inconsistent results are refused at the override's path (`sites`,
 * when the overrides were read from a config; else `<path>.<key>`). `path` is the model section's path.
 */
export function diffusionPreset(name: string, overrides: DiffusionPresetOverrides = {}, path = 'model', sites: OverrideSites = {}, source?: string): DiffusionModelSpec {
  const r = new ValueReader(source);
  const p = PRESETS[name];
  if (!p) throw unknownPreset(r, name, `${path}.preset`);
  const given: OverrideSites = { ...sites };
  for (const key of Object.keys(overrides) as OverrideKey[]) if (overrides[key] !== undefined) given[key] ??= { path: `${path}.${key}`, key };
  const siteOf = (key: OverrideKey) => given[key]?.path ?? `${path}.${key}`;
  const sde = presetSde(r, name, p.sde, overrides, siteOf);
  const dataShape: [number, number, number] = [...(overrides.dataShape ?? p.dataShape)];
  const unet: Omit<UNetSpec, 'sampleSize' | 'inChannels' | 'outChannels'> = { ...UNET_DEFAULTS, ...p.unet };
  for (const key of Object.keys(unet) as Array<keyof typeof unet>) if (overrides[key] !== undefined) (unet as Record<string, unknown>)[key] = overrides[key];
  const spec: DiffusionModelSpec = {
    format: DIFFUSION_SPEC_FORMAT,
    dataShape,
    dataTransform: {
      ...DEFAULT_DIFFUSION_DATA_TRANSFORM,
      ...(overrides.dequantize !== undefined ? { dequantize: overrides.dequantize } : {}),
      ...(overrides.clampSamples !== undefined ? { clampSamples: overrides.clampSamples } : {}),
    },
    sde,
    network: {
      type: 'unet2d',
      sampleSize: dataShape[1],
      inChannels: dataShape[0],
      outChannels: dataShape[0],
      ...unet,
      blockOutChannels: [...unet.blockOutChannels],
      downBlockTypes: [...unet.downBlockTypes],
      upBlockTypes: [...unet.upBlockTypes],
    },
    seed: overrides.seed ?? 0,
    preset: name,
  };
  checkSpecConsistency(spec, { source, ...presetLocator(given, path) });
  return spec;
}

/** The preset's SDE with T and its own family's parameters overridden; the other family's are refused. */
function presetSde(r: ValueReader, name: string, base: SdeSpec, o: DiffusionPresetOverrides, siteOf: (key: OverrideKey) => string): SdeSpec {
  const T = o.T ?? base.T;
  const [own, other] = base.type === 'vp' ? (['betaMin', 'betaMax'] as const) : (['gMin', 'gMax'] as const);
  for (const key of base.type === 'vp' ? (['gMin', 'gMax'] as const) : (['betaMin', 'betaMax'] as const)) {
    if (o[key] !== undefined) throw r.error(`applies to ${base.type === 'vp' ? 'VE' : 'VP'} presets only; "${name}" is a ${base.type.toUpperCase()}-SDE preset`, siteOf(key));
  }
  const sde: SdeSpec =
    base.type === 'vp'
      ? { type: 'vp', betaMin: o.betaMin ?? base.betaMin, betaMax: o.betaMax ?? base.betaMax, T }
      : { type: 've', gMin: o.gMin ?? base.gMin, gMax: o.gMax ?? base.gMax, T };
  const [low, high] = sde.type === 'vp' ? [sde.betaMin, sde.betaMax] : [sde.gMin, sde.gMax];
  if (!(high > low)) throw r.error(`${other} ${high} must be above ${own} ${low}`, siteOf(o[other] !== undefined ? other : own));
  return sde;
}

/** Which overrides can make each spec field inconsistent, the field's own key first. */
const CAUSES: Record<string, OverrideKey[]> = {
  dataShape: ['dataShape', 'blockOutChannels'],
  sampleSize: ['dataShape'],
  inChannels: ['dataShape'],
  outChannels: ['dataShape'],
  downBlockTypes: ['downBlockTypes', 'blockOutChannels'],
  upBlockTypes: ['upBlockTypes', 'blockOutChannels'],
  blockOutChannels: ['blockOutChannels', 'normNumGroups', 'attentionHeadDim', 'downBlockTypes', 'upBlockTypes', 'midBlockAttention'],
};

function presetLocator(sites: OverrideSites, path: string) {
  const keyOf = (field: string) => field.replace(/^network\./, '').replace(/\[\d+\]$/, '');
  const site = (field: string) => {
    const own = keyOf(field);
    const cause = (CAUSES[own] ?? [own as OverrideKey]).find((k) => sites[k] !== undefined);
    if (cause === undefined) return undefined;
    return { ...sites[cause]!, index: cause === own ? (/\[\d+\]$/.exec(field)?.[0] ?? '') : '' };
  };
  return {
    path: (field: string) => {
      const s = site(field);
      return s ? `${s.path}${s.index}` : `${path}.preset`;
    },
    name: (field: string) => sites[keyOf(field) as OverrideKey]?.key ?? keyOf(field),
  };
}

type ReadOverride = (r: ValueReader, v: unknown, p: string) => unknown;
const as = (method: 'integer' | 'shape3' | 'positive' | 'nonNegative' | 'finite' | 'bool' | 'positiveInt' | 'positiveInts' | 'probability'): ReadOverride => (r, v, p) => r[method](v, p);

/** Override keys and how to read each; `add_attention` is diffusers' name of midBlockAttention. */
const OVERRIDE_READERS: Record<OverrideKey, ReadOverride> = {
  seed: as('integer'),
  dataShape: as('shape3'),
  T: as('positive'),
  betaMin: as('nonNegative'),
  betaMax: as('positive'),
  gMin: as('finite'),
  gMax: as('finite'),
  dequantize: as('bool'),
  clampSamples: as('bool'),
  layersPerBlock: as('positiveInt'),
  blockOutChannels: as('positiveInts'),
  downBlockTypes: (r, v, p) => r.oneOfEach(v, DOWN_BLOCK_TYPES, p, 'down block type'),
  upBlockTypes: (r, v, p) => r.oneOfEach(v, UP_BLOCK_TYPES, p, 'up block type'),
  normNumGroups: as('positiveInt'),
  normEps: as('positive'),
  attentionHeadDim: as('positiveInt'),
  flipSinToCos: as('bool'),
  freqShift: as('finite'),
  midBlockAttention: as('bool'),
  dropout: as('probability'),
};
const OVERRIDE_KEYS = Object.keys(OVERRIDE_READERS) as OverrideKey[];

function overrideKey(written: string): OverrideKey | undefined {
  if (written === 'add_attention') return 'midBlockAttention';
  const camel = written.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return (OVERRIDE_KEYS as string[]).includes(camel) ? (camel as OverrideKey) : undefined;
}

/** Overrides beside `preset` and/or under `overrides:` (the flows' form), each read at its own path. */
function readOverrides(r: ValueReader, c: Obj, path: string): { overrides: DiffusionPresetOverrides; sites: OverrideSites } {
  const overrides: Record<string, unknown> = {};
  const sites: OverrideSites = {};
  const take = (o: Obj, at: string) => {
    for (const [written, v] of Object.entries(o)) {
      const p = `${at}.${written}`;
      const key = overrideKey(written);
      if (key === undefined) throw r.error(`unknown preset override "${written}" (supported: ${OVERRIDE_KEYS.join(', ')}; snake_case spellings too)`, p);
      if (sites[key]) throw r.error(`overrides ${key} a second time (first at ${sites[key]!.path})`, p);
      if (v === null || v === undefined) continue;
      overrides[key] = OVERRIDE_READERS[key](r, v, p);
      sites[key] = { path: p, key: written };
    }
  };
  const { preset: _preset, overrides: nested, ...beside } = c;
  take(beside, path);
  if (nested !== undefined && nested !== null) take(r.mapping(nested, `${path}.overrides`), `${path}.overrides`);
  return { overrides: overrides as DiffusionPresetOverrides, sites };
}

function unknownPreset(r: ValueReader, name: unknown, path: string) {
  return r.error(`unknown diffusion preset ${describeValue(name)} (known: ${DIFFUSION_PRESET_NAMES.join(', ')})`, path);
}

export interface ResolveOptions {
  /** Seed of the initial weights, unless the section sets its own. */
  seed: number;
  /** Dotted path of the model section (e.g. `model`). */
  path: string;
  /** File the section came from, named in errors. */
  source?: string;
}

/**
 * Any accepted model section → spec:
 *  - a reference section ({class_path: …VPSDE_Diffusion | …VESDE_Diffusion, init_args}),
 *  - one of our specs ({format: "dgm-ood/diffusion-spec@1", …}),
 *  - a preset with overrides ({preset: "vp-unet-cpu", data_shape: [3, 32, 32], …} or {preset, overrides: {…}}).
 */
export function resolveDiffusionModelSpec(config: unknown, opts: ResolveOptions): DiffusionModelSpec {
  const r = new ValueReader(opts.source);
  const { path } = opts;
  const accepted = `a reference diffusion section (class_path ${UPSTREAM_DIFFUSION_CLASSES.vp} or ${UPSTREAM_DIFFUSION_CLASSES.ve}), a diffusion spec (format ${DIFFUSION_SPEC_FORMAT}) or {preset: name}`;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw r.error(`must be ${accepted}, got ${describeValue(config)}`, path);
  const c = config as Obj;
  if ('class_path' in c) return diffusionSpecFromUpstream(c, { path, seed: opts.seed, ...(opts.source ? { source: opts.source } : {}) });
  if ('format' in c) {
    if (c['format'] !== DIFFUSION_SPEC_FORMAT) throw r.error(`unknown spec format ${describeValue(c['format'])} (expected ${DIFFUSION_SPEC_FORMAT})`, `${path}.format`);
    return validateDiffusionSpec(c, path);
  }
  if ('preset' in c) {
    const name = c['preset'];
    if (typeof name !== 'string' || !PRESETS[name]) throw unknownPreset(r, name, `${path}.preset`);
    const { overrides, sites } = readOverrides(r, c, path);
    return diffusionPreset(name, { seed: opts.seed, ...overrides }, path, sites, opts.source);
  }
  throw r.error(`must be ${accepted}`, path);
}

/** Whether a model section is a diffusion model: the reference's VP/VE class, a `vp-`/`ve-` preset, or our spec. */
export function isDiffusionModel(config: unknown): boolean {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return false;
  const c = config as Obj;
  if (typeof c['class_path'] === 'string') return /(^|\.)(VPSDE|VESDE)_Diffusion$/.test(c['class_path']);
  // By prefix, so that a misspelt preset gets the diffusion family's "unknown preset (known: …)" error.
  if (typeof c['preset'] === 'string') return /^v[pe]-/.test(c['preset']);
  return c['format'] === DIFFUSION_SPEC_FORMAT;
}
