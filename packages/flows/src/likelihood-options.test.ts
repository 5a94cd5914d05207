import { describe, expect, it } from 'vitest';
import { readFlowLikelihoodOptions } from './likelihood-options.js';

describe('flow likelihood options', () => {
  it('maps dequantization and background augmentation; absent means the model’s own', () => {
    expect(readFlowLikelihoodOptions(undefined, 'p')).toEqual({});
    expect(readFlowLikelihoodOptions({ dequantization: 'midpoint', background_augmentation: false }, 'p')).toEqual({ dequantize: 'midpoint', backgroundAugmentation: false });
    expect(readFlowLikelihoodOptions({ dequantization: 'off' }, 'p')).toEqual({ dequantize: false });
    expect(readFlowLikelihoodOptions({ dequantization: 'random' }, 'p')).toEqual({ dequantize: true });
  });

  it('refuses unknown keys and values at their path', () => {
    expect(() => readFlowLikelihoodOptions({ steps: 25 }, 'ood.x')).toThrow('ood.x.steps: is not a flow likelihood setting (known: dequantization, background_augmentation)');
    expect(() => readFlowLikelihoodOptions({ dequantization: 'none' }, 'ood.x')).toThrow('ood.x.dequantization: must be one of random, midpoint, off (got "none")');
    expect(() => readFlowLikelihoodOptions({ background_augmentation: 'no' }, 'ood.x')).toThrow('ood.x.background_augmentation: must be true or false');
    expect(() => readFlowLikelihoodOptions([1], 'ood.x')).toThrow('ood.x: must be a mapping');
  });
});
