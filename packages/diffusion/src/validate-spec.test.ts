import { describe, expect, it } from 'vitest';
import { configErrorOf } from './config-error.test-support.js';
import { diffusionPreset } from './presets.js';
import type { DiffusionModelSpec } from './spec.js';
import { validateDiffusionSpec } from './validate-spec.js';

const WHERE = 'run-1/checkpoints/best_valid.json:spec';
const good = (): DiffusionModelSpec => JSON.parse(JSON.stringify(diffusionPreset('vp-unet-cpu', { seed: 3 })));

/** The error validateDiffusionSpec throws for `good()` with `edit` applied. */
function problem(edit: (spec: any) => void) {
  const spec = good();
  edit(spec);
  return configErrorOf(() => validateDiffusionSpec(spec, WHERE));
}

describe('validateDiffusionSpec', () => {
  it('returns a valid spec as it is, VP and VE, with or without a preset name', () => {
    expect(validateDiffusionSpec(good(), WHERE)).toEqual(good());
    const ve = diffusionPreset('ve-unet-reference-rgb', { seed: 1 });
    const { preset: _preset, ...plain } = ve;
    expect(validateDiffusionSpec(JSON.parse(JSON.stringify(plain)), WHERE)).toEqual(plain);
  });

  it('returns a copy: later edits to the input do not reach it', () => {
    const input = good();
    const first = input.network.blockOutChannels[0];
    const spec = validateDiffusionSpec(input, WHERE);
    input.network.blockOutChannels[0] = 999;
    expect(spec.network.blockOutChannels[0]).toBe(first);
    expect(first).not.toBe(999);
  });

  it.each<[string, (s: any) => void, string, RegExp]>([
    ['not an object', (s) => Object.keys(s).forEach((k) => delete s[k]), 'format', /expected format "dgm-ood\/diffusion-spec@1", got nothing/],
    ['another format', (s) => (s.format = 'dgm-ood/flow-spec@1'), 'format', /expected format/],
    ['an unknown top-level field', (s) => (s.ema = 0.999), 'ema', /unsupported spec field "ema"/],
    ['a 2-d data shape', (s) => (s.dataShape = [32, 32]), 'dataShape', /must be an image shape \[C, H, W\]/],
    ['a fractional channel count', (s) => (s.dataShape[0] = 1.5), 'dataShape[0]', /positive integer/],
    ['dataMax ≤ dataMin', (s) => (s.dataTransform.dataMax = 0), 'dataTransform.dataMax', /must be above dataMin 0/],
    ['a missing dequantize flag', (s) => delete s.dataTransform.dequantize, 'dataTransform.dequantize', /must be a boolean, got nothing/],
    ['an unknown SDE type', (s) => (s.sde.type = 'subvp'), 'sde.type', /must be "vp" or "ve"/],
    ['a VE field in a VP SDE', (s) => (s.sde.gMin = -1), 'sde.gMin', /unsupported VP SDE field "gMin"/],
    ['βmax ≤ βmin', (s) => (s.sde.betaMax = 0.1), 'sde.betaMax', /must be above betaMin 0.1/],
    ['T = 0', (s) => (s.sde.T = 0), 'sde.T', /positive number/],
    ['a non-U-Net network', (s) => (s.network.type = 'mlp'), 'network.type', /must be "unet2d"/],
    ['an unknown network field', (s) => (s.network.crossAttentionDim = 8), 'network.crossAttentionDim', /unsupported U-Net field/],
    ['a non-numeric level width', (s) => (s.network.blockOutChannels[1] = '64'), 'network.blockOutChannels[1]', /positive integer, got "64"/],
    ['an unknown block type', (s) => (s.network.upBlockTypes[2] = 'SkipUpBlock2D'), 'network.upBlockTypes[2]', /unsupported up block type "SkipUpBlock2D"/],
    ['dropout 1', (s) => (s.network.dropout = 1), 'network.dropout', /must lie in \[0, 1\)/],
    ['NaN norm eps', (s) => (s.network.normEps = null), 'network.normEps', /finite number/],
    ['a fractional seed', (s) => (s.seed = 0.5), 'seed', /must be an integer/],
    ['a numeric preset name', (s) => (s.preset = 1), 'preset', /must be a string/],
    // Consistency of the network with the images and of its own lists.
    ['in channels ≠ image channels', (s) => (s.network.inChannels = 3), 'network.inChannels', /inChannels 3 does not match the 1 channel\(s\) of dataShape \[1, 32, 32\]/],
    ['out channels ≠ image channels', (s) => (s.network.outChannels = 2), 'network.outChannels', /outChannels 2 does not match/],
    ['sample size ≠ image side', (s) => (s.network.sampleSize = 16), 'network.sampleSize', /sampleSize 16 does not match the image side 32/],
    ['non-square images', (s) => (s.dataShape = [1, 32, 16]), 'dataShape', /must be square/],
    ['too few up blocks', (s) => s.network.upBlockTypes.pop(), 'network.upBlockTypes', /has 3 block type\(s\) but blockOutChannels has 4 level\(s\)/],
    // 12 survives two halvings but not the three of the preset's four levels.
    ['a side the levels cannot halve', (s) => ((s.dataShape = [1, 12, 12]), (s.network.sampleSize = 12)), 'dataShape', /4 levels halve the image side 3 time\(s\), so the side must be divisible by 8/],
    ['channels not divisible into groups', (s) => (s.network.blockOutChannels[2] = 60), 'network.blockOutChannels[2]', /60 channels cannot be split into normNumGroups = 8/],
    ['channels not divisible into heads', (s) => (s.network.attentionHeadDim = 24), 'network.blockOutChannels[3]', /32 channels cannot be split into attention heads of attentionHeadDim = 24 \(down block 3 \(AttnDownBlock2D\)/],
  ])('refuses %s, naming where and the field', (_what, edit, field, message) => {
    const e = problem(edit);
    expect(e.path).toBe(`${WHERE}.${field}`);
    expect(e.message).toMatch(new RegExp(`^config ${WHERE.replace(/[.[\]]/g, '\\$&')}\\.${field.replace(/[.[\]]/g, '\\$&')}: `));
    expect(e.message).toMatch(message);
    expect(e.code).toBe(field.endsWith('BlockTypes[2]') ? 'DIFFUSION_UNKNOWN_CLASS' : 'DIFFUSION_CONFIG_INVALID');
  });

  it('refuses a spec that is not a mapping', () => {
    expect(() => validateDiffusionSpec([good()], WHERE)).toThrow(/^config run-1\/checkpoints\/best_valid\.json:spec: must be a mapping/);
  });
});
