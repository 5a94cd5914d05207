import { describe, expect, it } from 'vitest';
import { DiffusionConfigError } from '../errors.js';
import type { UNetSpec } from './spec.js';
import { TINY_SPEC } from './test-specs.js';
import { validateUNetSpec } from './validate-spec.js';

const problem = (patch: Partial<UNetSpec>): DiffusionConfigError => {
  try {
    validateUNetSpec({ ...TINY_SPEC, ...patch }, 'model.network');
  } catch (e) {
    if (e instanceof DiffusionConfigError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('validateUNetSpec', () => {
  it('accepts the tiny spec', () => {
    expect(() => validateUNetSpec(TINY_SPEC)).not.toThrow();
  });

  it.each<[Partial<UNetSpec>, string, RegExp]>([
    [{ normNumGroups: 3 }, 'model.network.normNumGroups', /3 groups do not divide blockOutChannels\[0\] = 8/],
    [{ attentionHeadDim: 8, blockOutChannels: [8, 12], normNumGroups: 4 }, 'model.network.attentionHeadDim', /8 does not divide the 12 channels of the attention in downBlockTypes\[1\]/],
    [{ downBlockTypes: ['DownBlock2D'] }, 'model.network.downBlockTypes', /expected 2 block types/],
    [{ upBlockTypes: ['AttnUpBlock2D', 'CrossAttnUpBlock2D' as never] }, 'model.network.upBlockTypes[1]', /unknown block type "CrossAttnUpBlock2D"/],
    [{ sampleSize: 9 }, 'model.network.sampleSize', /not divisible by 2\^1/],
    [{ layersPerBlock: 0 }, 'model.network.layersPerBlock', /positive integer/],
    [{ blockOutChannels: [] }, 'model.network.blockOutChannels', /non-empty/],
    [{ dropout: 1 }, 'model.network.dropout', /\[0, 1\)/],
    [{ normEps: 0 }, 'model.network.normEps', /positive number/],
  ])('names the field: %j → %s', (patch, path, message) => {
    const e = problem(patch);
    expect(e.path).toBe(path);
    expect(e.code).toBe('DIFFUSION_CONFIG_INVALID');
    expect(e.message).toMatch(message);
  });

  it('checks the mid-block attention width only when the mid block has attention', () => {
    const spec = { ...TINY_SPEC, upBlockTypes: ['UpBlock2D', 'UpBlock2D'] as UNetSpec['upBlockTypes'], downBlockTypes: ['DownBlock2D', 'DownBlock2D'] as UNetSpec['downBlockTypes'], attentionHeadDim: 32 };
    expect(problem(spec).message).toMatch(/attention in midBlockAttention/);
    expect(() => validateUNetSpec({ ...spec, midBlockAttention: false })).not.toThrow();
  });
});
