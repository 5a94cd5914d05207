import { describe, expect, it } from 'vitest';
import { FlowConfigError } from './errors.js';
import { describeFlowPreset, FLOW_PRESET_NAMES, flowPreset, resolveFlowModelSpec } from './presets.js';
import { validateFlowSpec } from './spec.js';

describe('presets', () => {
  it('cover the reference architectures and smaller CPU variants, all valid specs', () => {
    expect([...FLOW_PRESET_NAMES].sort()).toEqual(
      ['glow-grayscale', 'glow-grayscale-cpu', 'glow-grayscale-small', 'glow-rgb', 'rqnsf-grayscale', 'rqnsf-grayscale-cpu', 'rqnsf-grayscale-small', 'rqnsf-rgb'].sort(),
    );
    for (const name of FLOW_PRESET_NAMES) {
      const spec = flowPreset(name);
      expect(validateFlowSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
      expect(describeFlowPreset(name).length).toBeGreaterThan(10);
    }
    const widths = (name: string) =>
      flowPreset(name).levels.map((l) => l.transforms.flatMap((t) => ('net' in t ? [t.net.hiddenChannels] : []))[0]);
    expect(widths('rqnsf-grayscale')).toEqual([64, 64, 1024]);
    expect(widths('rqnsf-grayscale-small')).toEqual([32, 32, 256]);
    expect(widths('glow-grayscale-cpu')).toEqual([16, 16, 128]);
  });

  it('accepts overrides (widths, tail bound, seed) and rejects unknown names clearly', () => {
    const spec = flowPreset('rqnsf-grayscale', { hiddenChannels: [8, 8, 16], tailBound: 1, seed: 4 });
    expect(spec.seed).toBe(4);
    expect(spec.levels[2]!.transforms.find((t) => t.type === 'rq-spline-coupling')).toMatchObject({ tailBound: 1, net: { hiddenChannels: 16 } });
    expect(() => flowPreset('nope')).toThrow(FlowConfigError);
    expect(() => resolveFlowModelSpec({ preset: 'nope' })).toThrow(/model\.preset: unknown flow preset "nope" \(known: glow-grayscale/);
    expect(() => resolveFlowModelSpec({ hello: 1 })).toThrow(/model: must be/);
  });

  it('spec validation names the bad field', () => {
    const spec = JSON.parse(JSON.stringify(flowPreset('glow-grayscale'))) as Record<string, any>;
    spec['levels'][1]['transforms'][3]['net']['dropout'] = 2;
    expect(() => validateFlowSpec(spec)).toThrow(/spec\.levels\[1\]\.transforms\[3\]\.net\.dropout: dropout must lie in \[0, 1\)/);
  });
});
