/**
 * Validation of a DiffusionModelSpec of unknown origin (a checkpoint, a job payload): every field's type and
 * range, then the consistency of the U-Net with the images (checkSpecConsistency, shared with the readers of
 * reference sections and presets, which locate its errors at their own keys). Imports no tensor library.
 */
import { describeValue, ValueReader } from './config-values.js';
import { DIFFUSION_SPEC_FORMAT, type DiffusionModelSpec, type SdeSpec } from './spec.js';
import type { DownBlockType, UNetSpec, UpBlockType } from './unet/spec.js';

export const DOWN_BLOCK_TYPES: readonly DownBlockType[] = ['DownBlock2D', 'AttnDownBlock2D'];
export const UP_BLOCK_TYPES: readonly UpBlockType[] = ['UpBlock2D', 'AttnUpBlock2D'];

const SPEC_KEYS = ['format', 'dataShape', 'dataTransform', 'sde', 'network', 'seed', 'preset'] as const;
const TRANSFORM_KEYS = ['dequantize', 'dataMin', 'dataMax', 'clampSamples'] as const;
const NETWORK_KEYS = [
  'type',
  'sampleSize',
  'inChannels',
  'outChannels',
  'layersPerBlock',
  'blockOutChannels',
  'downBlockTypes',
  'upBlockTypes',
  'normNumGroups',
  'normEps',
  'attentionHeadDim',
  'flipSinToCos',
  'freqShift',
  'midBlockAttention',
  'dropout',
] as const;

/** Structural and consistency check of a spec read back from a checkpoint; `where` names the file or field. */
export function validateDiffusionSpec(value: unknown, where = 'spec'): DiffusionModelSpec {
  const r = new ValueReader();
  const o = r.mapping(value, where);
  r.onlyKeys(o, SPEC_KEYS, where, 'spec field');
  if (o['format'] !== DIFFUSION_SPEC_FORMAT) throw r.error(`expected format "${DIFFUSION_SPEC_FORMAT}", got ${describeValue(o['format'])}`, `${where}.format`);
  const dt = r.mapping(o['dataTransform'], `${where}.dataTransform`);
  r.onlyKeys(dt, TRANSFORM_KEYS, `${where}.dataTransform`, 'data transform field');
  const dataMin = r.finite(dt['dataMin'], `${where}.dataTransform.dataMin`);
  const dataMax = r.finite(dt['dataMax'], `${where}.dataTransform.dataMax`);
  if (!(dataMax > dataMin)) throw r.error(`must be above dataMin ${dataMin}, got ${dataMax}`, `${where}.dataTransform.dataMax`);
  const spec: DiffusionModelSpec = {
    format: DIFFUSION_SPEC_FORMAT,
    dataShape: r.shape3(o['dataShape'], `${where}.dataShape`),
    dataTransform: {
      dequantize: r.bool(dt['dequantize'], `${where}.dataTransform.dequantize`),
      dataMin,
      dataMax,
      clampSamples: r.bool(dt['clampSamples'], `${where}.dataTransform.clampSamples`),
    },
    sde: readSde(r, o['sde'], `${where}.sde`),
    network: readNetwork(r, o['network'], `${where}.network`),
    seed: r.integer(o['seed'], `${where}.seed`),
  };
  if (o['preset'] !== undefined) spec.preset = r.string(o['preset'], `${where}.preset`);
  checkSpecConsistency(spec, { path: (field) => `${where}.${field}`, name: (field) => field.replace(/^network\./, '') });
  return spec;
}

function readSde(r: ValueReader, v: unknown, p: string): SdeSpec {
  const o = r.mapping(v, p);
  const T = r.positive(o['T'], `${p}.T`);
  if (o['type'] === 'vp') {
    r.onlyKeys(o, ['type', 'betaMin', 'betaMax', 'T'], p, 'VP SDE field');
    r.nonNegative(o['betaMin'], `${p}.betaMin`);
    const { low, high } = increasingPair(r, o, 'betaMin', 'betaMax', p);
    return { type: 'vp', betaMin: low, betaMax: high, T };
  }
  if (o['type'] === 've') {
    r.onlyKeys(o, ['type', 'gMin', 'gMax', 'T'], p, 'VE SDE field');
    const { low, high } = increasingPair(r, o, 'gMin', 'gMax', p);
    return { type: 've', gMin: low, gMax: high, T };
  }
  throw r.error(`must be "vp" or "ve", got ${describeValue(o['type'])}`, `${p}.type`);
}

function increasingPair(r: ValueReader, o: Record<string, unknown>, lowKey: string, highKey: string, p: string) {
  const low = r.finite(o[lowKey], `${p}.${lowKey}`);
  const high = r.finite(o[highKey], `${p}.${highKey}`);
  if (!(high > low)) throw r.error(`must be above ${lowKey} ${low}, got ${high}`, `${p}.${highKey}`);
  return { low, high };
}

function readNetwork(r: ValueReader, v: unknown, p: string): DiffusionModelSpec['network'] {
  const o = r.mapping(v, p);
  r.onlyKeys(o, NETWORK_KEYS, p, 'U-Net field');
  if (o['type'] !== 'unet2d') throw r.error(`must be "unet2d", got ${describeValue(o['type'])}`, `${p}.type`);
  return {
    type: 'unet2d',
    sampleSize: r.positiveInt(o['sampleSize'], `${p}.sampleSize`),
    inChannels: r.positiveInt(o['inChannels'], `${p}.inChannels`),
    outChannels: r.positiveInt(o['outChannels'], `${p}.outChannels`),
    layersPerBlock: r.positiveInt(o['layersPerBlock'], `${p}.layersPerBlock`),
    blockOutChannels: r.positiveInts(o['blockOutChannels'], `${p}.blockOutChannels`),
    downBlockTypes: r.oneOfEach(o['downBlockTypes'], DOWN_BLOCK_TYPES, `${p}.downBlockTypes`, 'down block type'),
    upBlockTypes: r.oneOfEach(o['upBlockTypes'], UP_BLOCK_TYPES, `${p}.upBlockTypes`, 'up block type'),
    normNumGroups: r.positiveInt(o['normNumGroups'], `${p}.normNumGroups`),
    normEps: r.positive(o['normEps'], `${p}.normEps`),
    attentionHeadDim: r.positiveInt(o['attentionHeadDim'], `${p}.attentionHeadDim`),
    flipSinToCos: r.bool(o['flipSinToCos'], `${p}.flipSinToCos`),
    freqShift: r.finite(o['freqShift'], `${p}.freqShift`),
    midBlockAttention: r.bool(o['midBlockAttention'], `${p}.midBlockAttention`),
    dropout: r.probability(o['dropout'], `${p}.dropout`),
  };
}

/**
 * Where a consistency problem is reported: `field` is a spec path such as `dataShape`, `network.sampleSize`
 * or `network.blockOutChannels[2]`; `path` gives its dotted config path, `name` the key as its reader
 * spells it in messages (e.g. `block_out_channels` for a reference section).
 */
export interface SpecLocator {
  path(field: string): string;
  name(field: string): string;
  source?: string;
}

/**
 * What the U-Net needs of the images and of its own lists, beyond each field's type: square images of the
 * network's side and channels; one down and one up block type per level; a side that survives the
 * (levels − 1) stride-2 halvings exactly (the up path concatenates the skips of the same size); every
 * level's channels divisible into the GroupNorm groups and, where a level has attention (or the mid block),
 * into heads of `attentionHeadDim`.
 */
export function checkSpecConsistency(spec: DiffusionModelSpec, at: SpecLocator): void {
  const r = new ValueReader(at.source);
  const fail = (field: string, message: string) => r.error(message, at.path(field));
  const net: UNetSpec = spec.network;
  const [c, h, w] = spec.dataShape;
  const shape = `${at.name('dataShape')} [${spec.dataShape.join(', ')}]`;
  if (h !== w) throw fail('dataShape', `images must be square (H = W): the U-Net takes one side length, got ${shape}`);
  if (net.sampleSize !== h) throw fail('network.sampleSize', `${at.name('network.sampleSize')} ${net.sampleSize} does not match the image side ${h} of ${shape}`);
  if (net.inChannels !== c) throw fail('network.inChannels', `${at.name('network.inChannels')} ${net.inChannels} does not match the ${c} channel(s) of ${shape}`);
  if (net.outChannels !== c) throw fail('network.outChannels', `${at.name('network.outChannels')} ${net.outChannels} does not match the ${c} channel(s) of ${shape} (the network predicts the score of every channel)`);
  const levels = net.blockOutChannels.length;
  const channelsName = at.name('network.blockOutChannels');
  for (const key of ['downBlockTypes', 'upBlockTypes'] as const) {
    const n = net[key].length;
    if (n !== levels) throw fail(`network.${key}`, `has ${n} block type(s) but ${channelsName} has ${levels} level(s): one down and one up block per level`);
  }
  const factor = 2 ** (levels - 1);
  if (h % factor !== 0) {
    throw fail('dataShape', `the U-Net's ${levels} levels halve the image side ${levels - 1} time(s), so the side must be divisible by ${factor}; ${shape} has side ${h} (use fewer levels in ${channelsName} or another image size)`);
  }
  const groups = net.normNumGroups;
  net.blockOutChannels.forEach((ch, i) => {
    if (ch % groups !== 0) throw fail(`network.blockOutChannels[${i}]`, `${ch} channels cannot be split into ${at.name('network.normNumGroups')} = ${groups} GroupNorm groups (every level's channels must be divisible by it)`);
  });
  const heads = net.attentionHeadDim;
  const attention = (i: number, where: string) => {
    const ch = net.blockOutChannels[i]!;
    if (ch % heads !== 0) {
      throw fail(`network.blockOutChannels[${i}]`, `${ch} channels cannot be split into attention heads of ${at.name('network.attentionHeadDim')} = ${heads} (${where} attends over this level's channels)`);
    }
  };
  net.downBlockTypes.forEach((t, i) => t === 'AttnDownBlock2D' && attention(i, `down block ${i} (${t})`));
  net.upBlockTypes.forEach((t, j) => t === 'AttnUpBlock2D' && attention(levels - 1 - j, `up block ${j} (${t})`));
  if (net.midBlockAttention) attention(levels - 1, 'the mid block');
}
