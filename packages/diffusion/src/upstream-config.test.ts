import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_NAME_CHANGER, expandMetaConfig } from '@dgm-ood/metaconfig';
import { configErrorOf } from './config-error.test-support.js';
import type { DiffusionModelSpec } from './spec.js';
import { diffusionSpecFromUpstream } from './upstream-config.js';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';

const configFolder = upstreamFixture('configurations', 'training', 'diffusions');
const SINGLE_RUN_FILES = readdirSync(configFolder).filter((f) => f.endsWith('.yaml')).sort();
const SWEEPS = ['grayscale_diffusions.yaml', 'colorful_diffusions.yaml', 'medmnist_diffusions.yaml'];

const singleRun = (name: string) => parse(readFileSync(upstreamFixture('configurations', 'training', 'diffusions', name), 'utf8')) as Record<string, any>;

function expandSweep(name: string) {
  const result = expandMetaConfig(readFileSync(upstreamFixture('meta_configurations', 'training', 'diffusions', name), 'utf8'), {
    file: name,
    runNameChanger: DEFAULT_RUN_NAME_CHANGER.train,
  });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return result.jobs;
}

interface Level {
  channels: number;
  side: number;
  attention: boolean;
  resnets: number;
}

/** The U-Net a spec describes, level by level, the way diffusers' UNet2DModel lays it out. */
function levelsOf(spec: DiffusionModelSpec) {
  const n = spec.network;
  const side = n.sampleSize;
  const levels = n.blockOutChannels.length;
  const down: Level[] = n.blockOutChannels.map((channels, i) => ({ channels, side: side / 2 ** i, attention: n.downBlockTypes[i] === 'AttnDownBlock2D', resnets: n.layersPerBlock }));
  const up: Level[] = [...n.blockOutChannels].reverse().map((channels, j) => ({
    channels,
    side: side / 2 ** (levels - 1 - j),
    attention: n.upBlockTypes[j] === 'AttnUpBlock2D',
    resnets: n.layersPerBlock + 1,
  }));
  const mid = { channels: n.blockOutChannels[levels - 1]!, side: side / 2 ** (levels - 1), attention: n.midBlockAttention };
  return { down, up, mid, heads: n.attentionHeadDim };
}

/** docs/diffusion.md: the reference's U-Net at 32×32, written out by hand. */
const L = (channels: number, side: number, attention: boolean, resnets: number): Level => ({ channels, side, attention, resnets });
const REFERENCE_LEVELS = {
  down: [L(128, 32, false, 2), L(128, 16, false, 2), L(256, 8, false, 2), L(256, 4, false, 2), L(512, 2, true, 2), L(512, 1, false, 2)],
  up: [L(512, 1, false, 3), L(512, 2, true, 3), L(256, 4, false, 3), L(256, 8, false, 3), L(128, 16, false, 3), L(128, 32, false, 3)],
  mid: { channels: 512, side: 1, attention: true },
  heads: 8,
};

function expectReferenceSpec(spec: DiffusionModelSpec, channels: number) {
  expect(spec.dataShape).toEqual([channels, 32, 32]);
  expect(spec.dataTransform).toEqual({ dequantize: true, dataMin: 0, dataMax: 255, clampSamples: false });
  expect(levelsOf(spec)).toEqual(REFERENCE_LEVELS);
  expect(spec.network).toMatchObject({ type: 'unet2d', sampleSize: 32, inChannels: channels, outChannels: channels, normNumGroups: 32, normEps: 1e-5, flipSinToCos: true, freqShift: 0, dropout: 0 });
}

describe('reference diffusion configs map to the reference U-Net and SDE', () => {
  it.each(SINGLE_RUN_FILES)('configurations/training/diffusions/%s', (name) => {
    const spec = diffusionSpecFromUpstream(singleRun(name)['model'], { source: name, seed: 4 });
    expectReferenceSpec(spec, 1);
    expect(spec.sde).toEqual({ type: 'vp', betaMin: 0.1, betaMax: 20, T: 1 });
    expect(spec.seed).toBe(4);
  });

  it('the folder holds the three single-run files', () => {
    expect(SINGLE_RUN_FILES).toEqual(['example_grayscale_train.yaml', 'example_medical_train.yaml', 'example_medical_train_healthy.yaml']);
  });

  const expected: Record<string, { jobs: number; channels: number; models: string[] }> = {
    'grayscale_diffusions.yaml': { jobs: 8, channels: 1, models: ['VPSDE_Diffusion', 'VESDE_Diffusion'] },
    'colorful_diffusions.yaml': { jobs: 12, channels: 3, models: ['VPSDE_Diffusion', 'VESDE_Diffusion'] },
    'medmnist_diffusions.yaml': { jobs: 6, channels: 1, models: ['VPSDE_Diffusion'] },
  };
  it.each(SWEEPS)('meta_configurations/training/diffusions/%s: every job', (name) => {
    const jobs = expandSweep(name);
    const e = expected[name]!;
    expect(jobs).toHaveLength(e.jobs);
    const seen = new Set<string>();
    for (const job of jobs) {
      const model = (job.config as Record<string, any>)['model'];
      const spec = diffusionSpecFromUpstream(model, { source: name });
      expectReferenceSpec(spec, e.channels);
      // The sweep point names the model type (the A_model_type alias) where the sweep has one.
      const type = (job.point['A_model_type'] as string | undefined) ?? 'VPSDE_Diffusion';
      seen.add(type);
      if (type === 'VPSDE_Diffusion') {
        expect(spec.sde).toEqual({ type: 'vp', betaMin: 0.1, betaMax: 20, T: 1 });
      } else {
        // g ±10 from the sweep's dy__upsert, not the class default ±5; the base section's beta_* are ignored.
        expect(spec.sde).toEqual({ type: 've', gMin: -10, gMax: 10, T: 1 });
      }
    }
    expect([...seen].sort()).toEqual([...e.models].sort());
  });
});


/** The grayscale single-run model section with `edit` applied to a copy. */
function section(edit: (init: Record<string, any>, kwargs: Record<string, any>, model: Record<string, any>) => void = () => {}) {
  const model = structuredClone(singleRun('example_grayscale_train.yaml')['model']);
  edit(model['init_args'], model['init_args']['score_network_kwargs'], model);
  return model;
}
const K = 'model.init_args.score_network_kwargs';

describe('defaults and the diffusers arguments a user may set', () => {
  it('a VP section without T/beta takes the class defaults; a VE section without g takes ±5', () => {
    const vp = diffusionSpecFromUpstream(section());
    expect(vp.sde).toEqual({ type: 'vp', betaMin: 0.1, betaMax: 20, T: 1 });
    const ve = diffusionSpecFromUpstream(section((_i, _k, m) => (m['class_path'] = 'model_zoo.density_estimator.diffusions.VESDE_Diffusion')));
    expect(ve.sde).toEqual({ type: 've', gMin: -5, gMax: 5, T: 1 });
    const set = diffusionSpecFromUpstream(section((i) => Object.assign(i, { T: 2, beta_min: 0.05, beta_max: 10 })));
    expect(set.sde).toEqual({ type: 'vp', betaMin: 0.05, betaMax: 10, T: 2 });
  });

  it('dequantize and clamp_samples map to the data transform; left out they are false', () => {
    expect(diffusionSpecFromUpstream(section((i) => Object.assign(i, { dequantize: false, clamp_samples: true }))).dataTransform).toMatchObject({ dequantize: false, clampSamples: true });
    expect(diffusionSpecFromUpstream(section((i) => (delete i['dequantize'], delete i['clamp_samples']))).dataTransform).toMatchObject({ dequantize: false, clampSamples: false });
  });

  it('norm_num_groups, norm_eps, attention_head_dim, flip_sin_to_cos, freq_shift, dropout, add_attention', () => {
    const spec = diffusionSpecFromUpstream(
      section((_i, k) => Object.assign(k, { norm_num_groups: 16, norm_eps: 1e-6, attention_head_dim: 16, flip_sin_to_cos: false, freq_shift: 1, dropout: 0.1, add_attention: false })),
    );
    expect(spec.network).toMatchObject({ normNumGroups: 16, normEps: 1e-6, attentionHeadDim: 16, flipSinToCos: false, freqShift: 1, dropout: 0.1, midBlockAttention: false });
  });

  it('the fixed diffusers arguments are accepted at their default value', () => {
    const defaults = {
      act_fn: 'silu',
      time_embedding_type: 'positional',
      downsample_padding: 1,
      center_input_sample: false,
      resnet_time_scale_shift: 'default',
      downsample_type: 'conv',
      upsample_type: 'conv',
      class_embed_type: null,
      num_class_embeds: null,
    };
    expect(diffusionSpecFromUpstream(section((_i, k) => Object.assign(k, defaults)))).toEqual(diffusionSpecFromUpstream(section()));
  });

  it('sample_size may be a square [H, W] pair, or left out (the image side)', () => {
    expect(diffusionSpecFromUpstream(section((_i, k) => (k['sample_size'] = [32, 32]))).network.sampleSize).toBe(32);
    expect(diffusionSpecFromUpstream(section((_i, k) => delete k['sample_size'])).network.sampleSize).toBe(32);
  });

  it('a small custom U-Net: the lists decide the levels', () => {
    const spec = diffusionSpecFromUpstream(
      section((i, k) => {
        i['data_shape'] = [3, 16, 16];
        Object.assign(k, { sample_size: 16, in_channels: 3, out_channels: 3, layers_per_block: 1, block_out_channels: [32, 64], down_block_types: ['AttnDownBlock2D', 'DownBlock2D'], up_block_types: ['UpBlock2D', 'AttnUpBlock2D'] });
      }),
    );
    expect(levelsOf(spec)).toEqual({
      down: [L(32, 16, true, 1), L(64, 8, false, 1)],
      up: [L(64, 8, false, 2), L(32, 16, true, 2)],
      mid: { channels: 64, side: 8, attention: true },
      heads: 8,
    });
  });
});

describe('what we do not support is refused by name, at its YAML path', () => {
  it.each([
    ['flatten', true, /flatten: true is not supported/],
    ['whitening_transform', true, /whitening_transform: true is not supported/],
    ['logit_transform', true, /logit_transform: true is not supported/],
    ['scale_data', true, /scale_data: true is not supported.*scale_data_to_n1_1/],
    ['scale_data_to_n1_1', false, /must be true: diffusion models work on data scaled to \[−1, 1\]/],
    ['denoising_sigma', 0.1, /denoising noise is not supported/],
    ['background_augmentation', 0.3, /background augmentation is not supported/],
    ['whatever', 1, /unsupported VPSDE_Diffusion argument "whatever"/],
  ])('init_args.%s: %s', (key, value, message) => {
    const e = configErrorOf(() => diffusionSpecFromUpstream(section((i) => (i[key] = value)), { source: 'x.yaml' }));
    expect(e.path).toBe(`model.init_args.${key}`);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`x.yaml: config model.init_args.${key}: `)).toBe(true);
  });

  it('scale_data_to_n1_1 left out (the reference does not scale then)', () => {
    expect(configErrorOf(() => diffusionSpecFromUpstream(section((i) => delete i['scale_data_to_n1_1']))).path).toBe('model.init_args.scale_data_to_n1_1');
  });

  it('unknown class paths: the model, the wrapper and the network class', () => {
    const model = configErrorOf(() => diffusionSpecFromUpstream(section((_i, _k, m) => (m['class_path'] = 'model_zoo.density_estimator.diffusions.SubVPSDE_Diffusion'))));
    expect(model).toMatchObject({ code: 'DIFFUSION_UNKNOWN_CLASS', path: 'model.class_path' });
    expect(model.message).toMatch(/SubVPSDE_Diffusion/);
    const wrapper = configErrorOf(() => diffusionSpecFromUpstream(section((i) => (i['score_network'] = 'model_zoo.networks.neural_networks.MLP'))));
    expect(wrapper).toMatchObject({ code: 'DIFFUSION_UNKNOWN_CLASS', path: 'model.init_args.score_network' });
    const net = configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['score_network'] = 'diffusers.UNet2DConditionModel'))));
    expect(net).toMatchObject({ code: 'DIFFUSION_UNKNOWN_CLASS', path: `${K}.score_network` });
  });

  it('an unknown block type, at its index', () => {
    const e = configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['down_block_types'][1] = 'CrossAttnDownBlock2D'))));
    expect(e).toMatchObject({ code: 'DIFFUSION_UNKNOWN_CLASS', path: `${K}.down_block_types[1]` });
    expect(e.message).toMatch(/"CrossAttnDownBlock2D" \(supported: DownBlock2D, AttnDownBlock2D\)/);
    // An up block in the down list is just as unknown there.
    expect(configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['down_block_types'][0] = 'UpBlock2D')))).path).toBe(`${K}.down_block_types[0]`);
  });

  it('block lists whose lengths disagree', () => {
    const e = configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => k['up_block_types'].pop())));
    expect(e.path).toBe(`${K}.up_block_types`);
    expect(e.message).toMatch(/has 5 block type\(s\) but block_out_channels has 6 level\(s\)/);
    expect(configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => k['down_block_types'].push('DownBlock2D')))).path).toBe(`${K}.down_block_types`);
  });

  it('channels that do not split into the GroupNorm groups or the attention heads, at the level', () => {
    const groups = configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['block_out_channels'][2] = 200))));
    expect(groups.path).toBe(`${K}.block_out_channels[2]`);
    expect(groups.message).toMatch(/config model\.init_args\.score_network_kwargs\.block_out_channels\[2\]: 200 channels cannot be split into norm_num_groups = 32/);
    const heads = configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['attention_head_dim'] = 48))));
    expect(heads.path).toBe(`${K}.block_out_channels[4]`);
    expect(heads.message).toMatch(/attention heads of attention_head_dim = 48 \(down block 4 \(AttnDownBlock2D\)/);
    expect(configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['attention_head_dim'] = null)))).path).toBe(`${K}.attention_head_dim`);
  });

  it('sample_size, in_channels and out_channels must match data_shape', () => {
    const size = configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['sample_size'] = 28))));
    expect(size.path).toBe(`${K}.sample_size`);
    expect(size.message).toMatch(/sample_size 28 does not match the image side 32 of data_shape \[1, 32, 32\]/);
    expect(configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['in_channels'] = 3)))).path).toBe(`${K}.in_channels`);
    expect(configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['out_channels'] = 3)))).path).toBe(`${K}.out_channels`);
    const unset = configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => delete k['in_channels'])));
    expect(unset.path).toBe(`${K}.in_channels`);
    expect(unset.message).toMatch(/not set, so diffusers' default 3 applies/);
  });

  it('square images only, and a side that survives the halvings', () => {
    const square = configErrorOf(() => diffusionSpecFromUpstream(section((i) => (i['data_shape'] = [1, 32, 16]))));
    expect(square.path).toBe('model.init_args.data_shape');
    expect(square.message).toMatch(/images must be square/);
    // 28×28 (MNIST without resize) cannot be halved 5 times by the reference's 6 levels.
    const halvings = configErrorOf(() => diffusionSpecFromUpstream(section((i, k) => ((i['data_shape'] = [1, 28, 28]), (k['sample_size'] = 28)))));
    expect(halvings.path).toBe('model.init_args.data_shape');
    expect(halvings.message).toMatch(/6 levels halve the image side 5 time\(s\), so the side must be divisible by 32; data_shape \[1, 28, 28\] has side 28/);
  });

  it('diffusers arguments we accept only at their default', () => {
    for (const [key, value] of [
      ['act_fn', 'gelu'],
      ['time_embedding_type', 'fourier'],
      ['downsample_padding', 0],
      ['center_input_sample', true],
      ['resnet_time_scale_shift', 'scale_shift'],
      ['downsample_type', 'resnet'],
      ['upsample_type', 'resnet'],
      ['class_embed_type', 'timestep'],
      ['num_class_embeds', 10],
    ] as const) {
      const e = configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k[key] = value))));
      expect(e.path).toBe(`${K}.${key}`);
      expect(e.message).toMatch(/\(the diffusers default\) is supported/);
    }
    expect(configErrorOf(() => diffusionSpecFromUpstream(section((_i, k) => (k['cross_attention_dim'] = 64)))).message).toMatch(/unsupported UNet2DModel argument "cross_attention_dim"/);
  });

  it('a VP section with g_min ≥ g_max is still fine (VE-only), a VE one is not', () => {
    expect(diffusionSpecFromUpstream(section((i) => Object.assign(i, { g_min: 1, g_max: 0 }))).sde.type).toBe('vp');
    const e = configErrorOf(() =>
      diffusionSpecFromUpstream(section((i, _k, m) => ((m['class_path'] = 'model_zoo.density_estimator.diffusions.VESDE_Diffusion'), Object.assign(i, { g_min: 1, g_max: 0 })))),
    );
    expect(e.path).toBe('model.init_args.g_max');
    expect(configErrorOf(() => diffusionSpecFromUpstream(section((i) => (i['beta_max'] = 0.05)))).path).toBe('model.init_args.beta_max');
  });
});
