import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configErrorOf } from './config-error.test-support.js';
import {
  CPU_PRESET_UNET,
  describeDiffusionPreset,
  DIFFUSION_PRESET_NAMES,
  diffusionPreset,
  isDiffusionModel,
  resolveDiffusionModelSpec,
} from './presets.js';
import { DIFFUSION_SPEC_FORMAT } from './spec.js';
import { diffusionSpecFromUpstream } from './upstream-config.js';
import { validateDiffusionSpec } from './validate-spec.js';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';

const opts = { seed: 0, path: 'model' };

/** A reference training sweep's base model section, with the class the sweep's dy__upsert would set. */
function referenceSection(file: string, ve: boolean) {
  const doc = parse(readFileSync(upstreamFixture('meta_configurations', 'training', 'diffusions', file), 'utf8'));
  const model = doc.base_config.model;
  model.class_path = `model_zoo.density_estimator.diffusions.${ve ? 'VESDE' : 'VPSDE'}_Diffusion`;
  if (ve) Object.assign(model.init_args, { g_min: -10, g_max: 10 });
  return model;
}

describe('presets', () => {
  it('the names, each with a description', () => {
    expect([...DIFFUSION_PRESET_NAMES].sort()).toEqual(
      ['ve-unet-cpu', 've-unet-reference-grayscale', 've-unet-reference-rgb', 'vp-unet-cpu', 'vp-unet-reference-grayscale', 'vp-unet-reference-rgb'].sort(),
    );
    for (const name of DIFFUSION_PRESET_NAMES) expect(describeDiffusionPreset(name)).toMatch(name.startsWith('vp-') ? /^VP-SDE/ : /^VE-SDE/);
  });

  it('vp-unet-cpu / ve-unet-cpu: the CPU U-Net on 1×32×32, VP β 0.1 → 20 and VE g ±10', () => {
    const vp = diffusionPreset('vp-unet-cpu');
    expect(vp.dataShape).toEqual([1, 32, 32]);
    expect(vp.sde).toEqual({ type: 'vp', betaMin: 0.1, betaMax: 20, T: 1 });
    expect(vp.network).toMatchObject({ ...CPU_PRESET_UNET, sampleSize: 32, inChannels: 1, outChannels: 1 });
    expect(vp.dataTransform).toEqual({ dequantize: true, dataMin: 0, dataMax: 255, clampSamples: false });
    const ve = diffusionPreset('ve-unet-cpu');
    expect(ve.sde).toEqual({ type: 've', gMin: -10, gMax: 10, T: 1 });
    expect(ve.network).toEqual(vp.network);
    // One constant holds the CPU architecture; every level fits its groups and heads.
    expect(CPU_PRESET_UNET.blockOutChannels.every((c) => c % CPU_PRESET_UNET.normNumGroups === 0 && c % CPU_PRESET_UNET.attentionHeadDim === 0)).toBe(true);
  });

  it.each([
    ['vp-unet-reference-grayscale', 'grayscale_diffusions.yaml', false],
    ['ve-unet-reference-grayscale', 'grayscale_diffusions.yaml', true],
    ['vp-unet-reference-rgb', 'colorful_diffusions.yaml', false],
    ['ve-unet-reference-rgb', 'colorful_diffusions.yaml', true],
  ] as const)('%s is the model of %s', (name, file, ve) => {
    const fromReference = diffusionSpecFromUpstream(referenceSection(file, ve), { seed: 3 });
    expect(diffusionPreset(name, { seed: 3 })).toEqual({ ...fromReference, preset: name });
  });

  it('the specs presets give pass the checkpoint validation unchanged', () => {
    for (const name of DIFFUSION_PRESET_NAMES) {
      const spec = diffusionPreset(name, { seed: 5 });
      expect(validateDiffusionSpec(JSON.parse(JSON.stringify(spec)), 'ckpt')).toEqual(spec);
    }
  });
});

describe('preset overrides, beside `preset` or under `overrides:`, camelCase or snake_case', () => {
  it('data_shape [3, 32, 32] gives a 3-channel CPU preset', () => {
    const rgb = resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', data_shape: [3, 32, 32] }, opts);
    expect(rgb.dataShape).toEqual([3, 32, 32]);
    expect(rgb.network).toMatchObject({ inChannels: 3, outChannels: 3, sampleSize: 32, blockOutChannels: CPU_PRESET_UNET.blockOutChannels });
    expect(resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', overrides: { dataShape: [3, 32, 32] } }, opts)).toEqual(rgb);
    // A 16-pixel side still survives the three halvings of four levels (16 → 8 → 4 → 2).
    expect(resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', dataShape: [1, 16, 16] }, opts).network.sampleSize).toBe(16);
  });

  it('architecture, SDE, data transform and seed', () => {
    const spec = resolveDiffusionModelSpec(
      {
        preset: 'vp-unet-cpu',
        block_out_channels: [16, 32],
        downBlockTypes: ['DownBlock2D', 'AttnDownBlock2D'],
        up_block_types: ['AttnUpBlock2D', 'UpBlock2D'],
        overrides: { layersPerBlock: 2, beta_max: 10, T: 0.5, dequantize: false, add_attention: false, dropout: 0.1, seed: 7 },
      },
      { seed: 1, path: 'model' },
    );
    expect(spec.network).toMatchObject({ blockOutChannels: [16, 32], downBlockTypes: ['DownBlock2D', 'AttnDownBlock2D'], upBlockTypes: ['AttnUpBlock2D', 'UpBlock2D'], layersPerBlock: 2, midBlockAttention: false, dropout: 0.1 });
    expect(spec.sde).toEqual({ type: 'vp', betaMin: 0.1, betaMax: 10, T: 0.5 });
    expect(spec.dataTransform.dequantize).toBe(false);
    expect(spec.seed).toBe(7);
    expect(spec.preset).toBe('vp-unet-cpu');
    expect(resolveDiffusionModelSpec({ preset: 'vp-unet-cpu' }, { seed: 9, path: 'model' }).seed).toBe(9);
    expect(resolveDiffusionModelSpec({ preset: 've-unet-cpu', g_min: -5, gMax: 5 }, opts).sde).toEqual({ type: 've', gMin: -5, gMax: 5, T: 1 });
  });

  it('inconsistent results are refused at the override that caused them', () => {
    const groups = configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', block_out_channels: [30, 16, 32, 32] }, opts));
    expect(groups.path).toBe('model.block_out_channels[0]');
    const side = configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', overrides: { dataShape: [1, 12, 12] } }, opts));
    expect(side.path).toBe('model.overrides.dataShape');
    // 12 survives two halvings but not the three of four levels.
    expect(side.message).toMatch(/side must be divisible by 8; dataShape \[1, 12, 12\] has side 12/);
    expect(configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', dataShape: [1, 32, 16] }, opts)).message).toMatch(/images must be square/);
    // A group count that does not divide the preset's channels is located at the group count.
    expect(configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', normNumGroups: 24 }, opts)).path).toBe('model.normNumGroups');
    expect(configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', downBlockTypes: ['DownBlock2D'] }, opts)).path).toBe('model.downBlockTypes');
    expect(configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', beta_min: 30 }, opts)).path).toBe('model.beta_min');
  });

  it('unknown or misplaced overrides', () => {
    expect(configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', hiddenChannels: [1] }, opts)).message).toMatch(/config model\.hiddenChannels: unknown preset override "hiddenChannels"/);
    expect(configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', gMin: -3 }, opts)).message).toMatch(/config model\.gMin: applies to VE presets only; "vp-unet-cpu" is a VP-SDE preset/);
    expect(configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', data_shape: [1, 32, 32], overrides: { dataShape: [1, 16, 16] } }, opts)).path).toBe('model.overrides.dataShape');
    expect(configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', downBlockTypes: ['DownBlock2D', 'SkipDownBlock2D', 'DownBlock2D'] }, opts))).toMatchObject({
      code: 'DIFFUSION_UNKNOWN_CLASS',
      path: 'model.downBlockTypes[1]',
    });
    expect(configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-cpu', dropout: 1 }, opts)).path).toBe('model.dropout');
    const unknown = configErrorOf(() => resolveDiffusionModelSpec({ preset: 'vp-unet-gpu' }, opts));
    expect(unknown.path).toBe('model.preset');
    expect(unknown.message).toMatch(/unknown diffusion preset "vp-unet-gpu" \(known: vp-unet-cpu, /);
  });
});

describe('resolveDiffusionModelSpec and isDiffusionModel', () => {
  it('our own spec passes through (validated); another format is refused', () => {
    const spec = diffusionPreset('ve-unet-cpu', { seed: 2 });
    expect(resolveDiffusionModelSpec(JSON.parse(JSON.stringify(spec)), opts)).toEqual(spec);
    expect(configErrorOf(() => resolveDiffusionModelSpec({ ...spec, format: 'dgm-ood/flow-spec@1' }, opts)).path).toBe('model.format');
    expect(configErrorOf(() => resolveDiffusionModelSpec({ ...spec, network: { ...spec.network, inChannels: 3 } }, opts)).path).toBe('model.network.inChannels');
  });

  it('a reference section is read with the seed and path given', () => {
    const section = referenceSection('grayscale_diffusions.yaml', false);
    expect(resolveDiffusionModelSpec(section, { seed: 11, path: 'model' })).toEqual(diffusionSpecFromUpstream(section, { seed: 11 }));
    section.init_args.flatten = true;
    expect(configErrorOf(() => resolveDiffusionModelSpec(section, { seed: 0, path: 'base_config.model', source: 'g.yaml' })).message).toMatch(/^g\.yaml: config base_config\.model\.init_args\.flatten: /);
  });

  it('anything else is refused, located', () => {
    expect(configErrorOf(() => resolveDiffusionModelSpec(null, opts)).path).toBe('model');
    expect(configErrorOf(() => resolveDiffusionModelSpec({ unet: {} }, opts)).message).toMatch(/must be a reference diffusion section/);
  });

  it('recognises diffusion sections and nothing else', () => {
    expect(isDiffusionModel({ class_path: 'model_zoo.density_estimator.diffusions.VPSDE_Diffusion' })).toBe(true);
    expect(isDiffusionModel({ class_path: 'model_zoo.density_estimator.diffusions.VESDE_Diffusion', init_args: {} })).toBe(true);
    expect(isDiffusionModel({ preset: 'vp-unet-cpu' })).toBe(true);
    expect(isDiffusionModel({ preset: 've-unet-typo' })).toBe(true); // gets the "unknown diffusion preset" error
    expect(isDiffusionModel({ format: DIFFUSION_SPEC_FORMAT })).toBe(true);
    expect(isDiffusionModel({ class_path: 'model_zoo.density_estimator.flow.NormalizingFlow' })).toBe(false);
    expect(isDiffusionModel({ class_path: 'model_zoo.density_estimator.vae.VAE_Diffusion' })).toBe(false);
    expect(isDiffusionModel({ preset: 'rqnsf-grayscale-cpu' })).toBe(false);
    expect(isDiffusionModel({ format: 'dgm-ood/flow-spec@1' })).toBe(false);
    expect(isDiffusionModel(null)).toBe(false);
    expect(isDiffusionModel([{ preset: 'vp-unet-cpu' }])).toBe(false);
  });
});

describe('the spec readers load no tensor library (the coordinator validates with them)', () => {
  /** Every module specifier reachable from `entry` through relative imports, with the file importing it. */
  function importsReachableFrom(entry: string): Array<{ from: string; specifier: string }> {
    const seen = new Set<string>();
    const found: Array<{ from: string; specifier: string }> = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      // Static imports and re-exports, `import type` excluded (erased at runtime); dynamic imports too.
      for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm)) {
        const specifier = (m[1] ?? m[2])!;
        found.push({ from: file, specifier });
        if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      }
    };
    visit(entry);
    return found;
  }

  it.each(['presets.ts', 'upstream-config.ts', 'validate-spec.ts'])('%s', (file) => {
    const imports = importsReachableFrom(fileURLToPath(new URL(`./${file}`, import.meta.url)));
    expect(imports.length).toBeGreaterThan(0);
    const packages = imports.filter((i) => !i.specifier.startsWith('.')).map((i) => i.specifier);
    expect([...new Set(packages)]).toEqual(['@dgm-ood/config/errors']);
  });
});
