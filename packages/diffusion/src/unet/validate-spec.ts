import { DiffusionConfigError } from '../errors.js';
import type { UNetSpec } from './spec.js';

const DOWN_TYPES = new Set(['DownBlock2D', 'AttnDownBlock2D']);
const UP_TYPES = new Set(['UpBlock2D', 'AttnUpBlock2D']);

const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/**
 * Checks a U-Net spec before anything is built: every error names the offending field as `path.field`
 * (e.g. `network.normNumGroups`). Beyond the types, it checks what the architecture needs: GroupNorm groups
 * dividing every channel count (a resnet's input in an up block is a sum of level widths, so dividing each
 * width suffices), attention head width dividing the channels of every attention layer, and an image side that
 * survives the len−1 halvings exactly (the up path concatenates skips of the same size).
 */
export function validateUNetSpec(spec: UNetSpec, path = 'network', source?: string): void {
  const fail = (field: string, message: string): never => {
    throw new DiffusionConfigError(message, `${path}.${field}`, source);
  };
  for (const field of ['sampleSize', 'inChannels', 'outChannels', 'layersPerBlock', 'normNumGroups', 'attentionHeadDim'] as const) {
    if (!isPositiveInteger(spec[field])) fail(field, `expected a positive integer, got ${JSON.stringify(spec[field])}`);
  }
  const channels = spec.blockOutChannels;
  if (!Array.isArray(channels) || channels.length === 0) fail('blockOutChannels', 'expected a non-empty list of channel counts');
  const levels = channels.length;
  channels.forEach((c, i) => {
    if (!isPositiveInteger(c)) fail(`blockOutChannels[${i}]`, `expected a positive integer, got ${JSON.stringify(c)}`);
    if (c % spec.normNumGroups !== 0) {
      fail('normNumGroups', `${spec.normNumGroups} groups do not divide blockOutChannels[${i}] = ${c} (GroupNorm needs every channel count divisible by the groups)`);
    }
  });
  if (channels[0]! % 2 !== 0) fail('blockOutChannels[0]', `the sinusoidal time embedding has blockOutChannels[0] dimensions and needs an even number, got ${channels[0]}`);
  for (const [field, types, allowed] of [
    ['downBlockTypes', spec.downBlockTypes, DOWN_TYPES],
    ['upBlockTypes', spec.upBlockTypes, UP_TYPES],
  ] as const) {
    if (!Array.isArray(types) || types.length !== levels) {
      fail(field, `expected ${levels} block types (one per blockOutChannels entry), got ${Array.isArray(types) ? types.length : JSON.stringify(types)}`);
    }
    types.forEach((t, i) => {
      if (!allowed.has(t)) fail(`${field}[${i}]`, `unknown block type ${JSON.stringify(t)}; expected one of ${[...allowed].join(', ')}`);
    });
  }
  const headDim = spec.attentionHeadDim;
  const attentionWidths: Array<[string, number]> = [];
  spec.downBlockTypes.forEach((t, i) => t === 'AttnDownBlock2D' && attentionWidths.push([`downBlockTypes[${i}]`, channels[i]!]));
  spec.upBlockTypes.forEach((t, i) => t === 'AttnUpBlock2D' && attentionWidths.push([`upBlockTypes[${i}]`, channels[levels - 1 - i]!]));
  if (spec.midBlockAttention) attentionWidths.push(['midBlockAttention', channels[levels - 1]!]);
  for (const [where, c] of attentionWidths) {
    if (c % headDim !== 0) fail('attentionHeadDim', `${headDim} does not divide the ${c} channels of the attention in ${where}`);
  }
  const factor = 2 ** (levels - 1);
  if (spec.sampleSize % factor !== 0) {
    fail('sampleSize', `${spec.sampleSize} is not divisible by 2^${levels - 1} = ${factor} (${levels} levels halve the image ${levels - 1} times)`);
  }
  if (!(typeof spec.normEps === 'number' && spec.normEps > 0 && Number.isFinite(spec.normEps))) fail('normEps', `expected a positive number, got ${JSON.stringify(spec.normEps)}`);
  if (!(typeof spec.dropout === 'number' && spec.dropout >= 0 && spec.dropout < 1)) fail('dropout', `expected a number in [0, 1), got ${JSON.stringify(spec.dropout)}`);
  if (typeof spec.flipSinToCos !== 'boolean') fail('flipSinToCos', `expected a boolean, got ${JSON.stringify(spec.flipSinToCos)}`);
  if (typeof spec.midBlockAttention !== 'boolean') fail('midBlockAttention', `expected a boolean, got ${JSON.stringify(spec.midBlockAttention)}`);
  if (!(typeof spec.freqShift === 'number' && Number.isFinite(spec.freqShift) && spec.freqShift !== channels[0]! / 2)) {
    fail('freqShift', `expected a finite number other than blockOutChannels[0]/2 = ${channels[0]! / 2} (the frequencies divide by half − freqShift), got ${JSON.stringify(spec.freqShift)}`);
  }
}
