/**
 * Accept the reference project's diffusion model sections (`model:` of its training YAML:
 * `VPSDE_Diffusion` / `VESDE_Diffusion` with a `DiffusersWrapper` around `diffusers.UNet2DModel`) and map
 * them to our DiffusionModelSpec. Keys the reference leaves out take the reference's class defaults or
 * diffusers' defaults; what we do not implement is refused by name, at its YAML path (docs/diffusion.md).
 * Imports no tensor library.
 */
import { describeValue, ValueReader, type Obj } from './config-values.js';
import { DEFAULT_DIFFUSION_DATA_TRANSFORM, DIFFUSION_SPEC_FORMAT, type DiffusionModelSpec, type SdeSpec } from './spec.js';
import { UNET_DEFAULTS, type UNetSpec } from './unet/spec.js';
import { checkSpecConsistency, DOWN_BLOCK_TYPES, UP_BLOCK_TYPES } from './validate-spec.js';

export const UPSTREAM_DIFFUSION_CLASSES = {
  vp: 'model_zoo.density_estimator.diffusions.VPSDE_Diffusion',
  ve: 'model_zoo.density_estimator.diffusions.VESDE_Diffusion',
  diffusersWrapper: 'model_zoo.networks.neural_networks.DiffusersWrapper',
  unet2d: 'diffusers.UNet2DModel',
} as const;

/** The reference's class defaults (VPSDE_Diffusion: β 0.1 → 20; VESDE_Diffusion: g −5 → +5; T = 1). */
export const UPSTREAM_SDE_DEFAULTS = { T: 1, betaMin: 0.1, betaMax: 20, gMin: -5, gMax: 5 } as const;

/** diffusers' UNet2DModel defaults for the architecture lists the reference always sets. */
export const DIFFUSERS_UNET_DEFAULTS = {
  inChannels: 3,
  outChannels: 3,
  layersPerBlock: 2,
  blockOutChannels: [224, 448, 672, 896],
  downBlockTypes: ['DownBlock2D', 'AttnDownBlock2D', 'AttnDownBlock2D', 'AttnDownBlock2D'],
  upBlockTypes: ['AttnUpBlock2D', 'AttnUpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'],
} as const;

const DATA_TRANSFORM_ARGS = [
  'flatten',
  'data_shape',
  'denoising_sigma',
  'dequantize',
  'scale_data',
  'scale_data_to_n1_1',
  'whitening_transform',
  'logit_transform',
  'clamp_samples',
  'background_augmentation',
] as const;
const DIFFUSION_ARGS = [...DATA_TRANSFORM_ARGS, 'T', 'beta_min', 'beta_max', 'g_min', 'g_max', 'score_network', 'score_network_kwargs'] as const;

/** diffusers arguments we implement at any value (with the spec field each one sets). */
const UNET_ARGS = {
  sample_size: 'sampleSize',
  in_channels: 'inChannels',
  out_channels: 'outChannels',
  layers_per_block: 'layersPerBlock',
  block_out_channels: 'blockOutChannels',
  down_block_types: 'downBlockTypes',
  up_block_types: 'upBlockTypes',
  norm_num_groups: 'normNumGroups',
  norm_eps: 'normEps',
  attention_head_dim: 'attentionHeadDim',
  flip_sin_to_cos: 'flipSinToCos',
  freq_shift: 'freqShift',
  dropout: 'dropout',
  add_attention: 'midBlockAttention',
} as const satisfies Record<string, keyof UNetSpec>;

/** diffusers arguments accepted only at their default (the only variant our U-Net implements). */
const UNET_FIXED_ARGS: Record<string, { accepted: readonly unknown[]; why: string }> = {
  act_fn: { accepted: ['silu', 'swish'], why: 'the U-Net uses SiLU' },
  time_embedding_type: { accepted: ['positional'], why: 'the U-Net uses the sinusoidal (positional) time embedding' },
  downsample_padding: { accepted: [1], why: 'the down-sampling conv is 3×3, stride 2, padding 1' },
  center_input_sample: { accepted: [false], why: 'inputs are already in [−1, 1]' },
  resnet_time_scale_shift: { accepted: ['default'], why: 'the time embedding is added to the ResNet features ("default")' },
  downsample_type: { accepted: ['conv'], why: 'down-sampling is a strided conv' },
  upsample_type: { accepted: ['conv'], why: 'up-sampling is nearest ×2 then a conv' },
  class_embed_type: { accepted: [null], why: 'class-conditional models are not supported' },
  num_class_embeds: { accepted: [null], why: 'class-conditional models are not supported' },
  mid_block_scale_factor: { accepted: [1], why: 'the mid block output is not rescaled' },
  attn_norm_num_groups: { accepted: [null], why: 'attention uses norm_num_groups' },
  num_train_timesteps: { accepted: [null], why: 'only the learned time embedding uses it' },
};

export interface UpstreamParseOptions {
  /** File the section came from, named in errors. */
  source?: string;
  /** YAML path of the section itself (default "model"). */
  path?: string;
  /** Seed of the initial weights (default 0). */
  seed?: number;
}

/** Map a reference `model:` section to a DiffusionModelSpec; throws DiffusionConfigError naming the YAML path. */
export function diffusionSpecFromUpstream(model: unknown, opts: UpstreamParseOptions = {}): DiffusionModelSpec {
  const r = new ValueReader(opts.source);
  const root = opts.path ?? 'model';
  const m = r.mapping(model, root);
  r.onlyKeys(m, ['class_path', 'init_args'], root, 'model key');
  const cls = m['class_path'];
  const isVp = cls === UPSTREAM_DIFFUSION_CLASSES.vp;
  if (!isVp && cls !== UPSTREAM_DIFFUSION_CLASSES.ve) {
    throw r.error(`unknown diffusion class ${describeValue(cls)} (supported: ${UPSTREAM_DIFFUSION_CLASSES.vp}, ${UPSTREAM_DIFFUSION_CLASSES.ve})`, `${root}.class_path`, 'DIFFUSION_UNKNOWN_CLASS');
  }
  const ap = `${root}.init_args`;
  const args = r.mapping(m['init_args'], ap);
  r.onlyKeys(args, DIFFUSION_ARGS, ap, `${isVp ? 'VPSDE' : 'VESDE'}_Diffusion argument`);
  // Python None is the class default, for every argument.
  const arg = (k: string): unknown => (args[k] === null ? undefined : args[k]);
  const flag = (k: string, dflt: boolean) => (arg(k) === undefined ? dflt : r.bool(arg(k), `${ap}.${k}`));

  const dataShape = r.shape3(args['data_shape'], `${ap}.data_shape`);
  if (flag('flatten', false)) throw r.error('flatten: true is not supported: the score network is a U-Net over [C, H, W] images', `${ap}.flatten`);
  if (flag('whitening_transform', false)) throw r.error('whitening_transform: true is not supported for diffusion models', `${ap}.whitening_transform`);
  if (flag('logit_transform', false)) throw r.error('logit_transform: true is not supported for diffusion models (they work on data scaled to [−1, 1])', `${ap}.logit_transform`);
  if (flag('scale_data', false)) throw r.error('scale_data: true is not supported for diffusion models: use scale_data_to_n1_1: true (data in [−1, 1])', `${ap}.scale_data`);
  if (!flag('scale_data_to_n1_1', false)) {
    throw r.error(`must be true: diffusion models work on data scaled to [−1, 1] (the reference's diffusion configs set it; left out, the reference does not scale), got ${describeValue(args['scale_data_to_n1_1'])}`, `${ap}.scale_data_to_n1_1`);
  }
  if (arg('denoising_sigma') !== undefined) throw r.error(`denoising noise is not supported, got ${describeValue(args['denoising_sigma'])} (leave it null)`, `${ap}.denoising_sigma`);
  if (arg('background_augmentation') !== undefined) throw r.error(`background augmentation is not supported for diffusion models, got ${describeValue(args['background_augmentation'])}`, `${ap}.background_augmentation`);

  const kp = `${ap}.score_network_kwargs`;
  const spec: DiffusionModelSpec = {
    format: DIFFUSION_SPEC_FORMAT,
    dataShape,
    dataTransform: {
      ...DEFAULT_DIFFUSION_DATA_TRANSFORM,
      dequantize: flag('dequantize', false),
      clampSamples: flag('clamp_samples', false),
    },
    sde: upstreamSde(r, isVp, arg, ap),
    network: { type: 'unet2d', ...upstreamUNet(r, args, ap, dataShape) },
    seed: opts.seed ?? 0,
  };
  checkSpecConsistency(spec, {
    source: opts.source,
    path: (field) => (field === 'dataShape' ? `${ap}.data_shape` : `${kp}.${upstreamName(field)}${/\[\d+\]$/.exec(field)?.[0] ?? ''}`),
    name: (field) => (field === 'dataShape' ? 'data_shape' : upstreamName(field)),
  });
  return spec;
}

/** The diffusers argument of a spec field (`network.blockOutChannels[2]` → `block_out_channels`). */
function upstreamName(field: string): string {
  const key = field.replace(/^network\./, '').replace(/\[\d+\]$/, '');
  return Object.entries(UNET_ARGS).find(([, f]) => f === key)?.[0] ?? key;
}

/**
 * VPSDE_Diffusion reads T, beta_min, beta_max; VESDE_Diffusion reads T, g_min, g_max. The other class's
 * parameters are checked and ignored: the reference's grayscale sweep upserts the VE class over a base
 * section that sets beta_min/beta_max, and those jobs must run as they are.
 */
function upstreamSde(r: ValueReader, isVp: boolean, arg: (k: string) => unknown, ap: string): SdeSpec {
  const num = (k: string, dflt: number) => (arg(k) === undefined ? dflt : r.finite(arg(k), `${ap}.${k}`));
  const T = arg('T') === undefined ? UPSTREAM_SDE_DEFAULTS.T : r.positive(arg('T'), `${ap}.T`);
  const betaMin = arg('beta_min') === undefined ? UPSTREAM_SDE_DEFAULTS.betaMin : r.nonNegative(arg('beta_min'), `${ap}.beta_min`);
  const betaMax = num('beta_max', UPSTREAM_SDE_DEFAULTS.betaMax);
  const gMin = num('g_min', UPSTREAM_SDE_DEFAULTS.gMin);
  const gMax = num('g_max', UPSTREAM_SDE_DEFAULTS.gMax);
  if (isVp) {
    if (!(betaMax > betaMin)) throw r.error(`must be above beta_min ${betaMin}, got ${betaMax}`, `${ap}.beta_max`);
    return { type: 'vp', betaMin, betaMax, T };
  }
  if (!(gMax > gMin)) throw r.error(`must be above g_min ${gMin}, got ${gMax}`, `${ap}.g_max`);
  return { type: 've', gMin, gMax, T };
}

function upstreamUNet(r: ValueReader, args: Obj, ap: string, dataShape: [number, number, number]): UNetSpec {
  const wrapper = args['score_network'];
  if (wrapper !== UPSTREAM_DIFFUSION_CLASSES.diffusersWrapper) {
    throw r.error(`unknown score network ${describeValue(wrapper)} (supported: ${UPSTREAM_DIFFUSION_CLASSES.diffusersWrapper} with score_network_kwargs.score_network: ${UPSTREAM_DIFFUSION_CLASSES.unet2d})`, `${ap}.score_network`, 'DIFFUSION_UNKNOWN_CLASS');
  }
  const kp = `${ap}.score_network_kwargs`;
  const k = r.mapping(args['score_network_kwargs'], kp);
  r.onlyKeys(k, ['score_network', ...Object.keys(UNET_ARGS), ...Object.keys(UNET_FIXED_ARGS)], kp, 'UNet2DModel argument');
  if (k['score_network'] !== UPSTREAM_DIFFUSION_CLASSES.unet2d) {
    throw r.error(`unknown network class ${describeValue(k['score_network'])} (supported: ${UPSTREAM_DIFFUSION_CLASSES.unet2d})`, `${kp}.score_network`, 'DIFFUSION_UNKNOWN_CLASS');
  }
  for (const [key, { accepted, why }] of Object.entries(UNET_FIXED_ARGS)) {
    const v = k[key];
    if (v !== undefined && !accepted.includes(v)) {
      throw r.error(`only ${accepted.map(describeValue).join(' or ')} (the diffusers default) is supported: ${why}; got ${describeValue(v)}`, `${kp}.${key}`);
    }
  }
  const p = (key: keyof typeof UNET_ARGS) => `${kp}.${key}`;
  const side = dataShape[1];
  // `attention_head_dim: null` means one head per block in diffusers, which our U-Net does not build.
  if (k['attention_head_dim'] === null) throw r.error('null (one attention head as wide as the block) is not supported: give the head width, e.g. 8', p('attention_head_dim'));
  const has = (key: keyof typeof UNET_ARGS) => k[key] !== undefined && k[key] !== null;
  for (const key of ['in_channels', 'out_channels'] as const) {
    if (!has(key) && dataShape[0] !== DIFFUSERS_UNET_DEFAULTS.inChannels) {
      throw r.error(`not set, so diffusers' default ${DIFFUSERS_UNET_DEFAULTS.inChannels} applies, which does not match the ${dataShape[0]} channel(s) of data_shape [${dataShape.join(', ')}]: set it to ${dataShape[0]}`, p(key));
    }
  }
  return {
    sampleSize: has('sample_size') ? sampleSize(r, k['sample_size'], p('sample_size')) : side,
    inChannels: has('in_channels') ? r.positiveInt(k['in_channels'], p('in_channels')) : DIFFUSERS_UNET_DEFAULTS.inChannels,
    outChannels: has('out_channels') ? r.positiveInt(k['out_channels'], p('out_channels')) : DIFFUSERS_UNET_DEFAULTS.outChannels,
    layersPerBlock: has('layers_per_block') ? r.positiveInt(k['layers_per_block'], p('layers_per_block')) : DIFFUSERS_UNET_DEFAULTS.layersPerBlock,
    blockOutChannels: has('block_out_channels') ? r.positiveInts(k['block_out_channels'], p('block_out_channels')) : [...DIFFUSERS_UNET_DEFAULTS.blockOutChannels],
    downBlockTypes: has('down_block_types') ? r.oneOfEach(k['down_block_types'], DOWN_BLOCK_TYPES, p('down_block_types'), 'down block type') : [...DIFFUSERS_UNET_DEFAULTS.downBlockTypes],
    upBlockTypes: has('up_block_types') ? r.oneOfEach(k['up_block_types'], UP_BLOCK_TYPES, p('up_block_types'), 'up block type') : [...DIFFUSERS_UNET_DEFAULTS.upBlockTypes],
    normNumGroups: has('norm_num_groups') ? r.positiveInt(k['norm_num_groups'], p('norm_num_groups')) : UNET_DEFAULTS.normNumGroups,
    normEps: has('norm_eps') ? r.positive(k['norm_eps'], p('norm_eps')) : UNET_DEFAULTS.normEps,
    attentionHeadDim: has('attention_head_dim') ? r.positiveInt(k['attention_head_dim'], p('attention_head_dim')) : UNET_DEFAULTS.attentionHeadDim,
    flipSinToCos: has('flip_sin_to_cos') ? r.bool(k['flip_sin_to_cos'], p('flip_sin_to_cos')) : UNET_DEFAULTS.flipSinToCos,
    freqShift: has('freq_shift') ? r.finite(k['freq_shift'], p('freq_shift')) : UNET_DEFAULTS.freqShift,
    midBlockAttention: has('add_attention') ? r.bool(k['add_attention'], p('add_attention')) : UNET_DEFAULTS.midBlockAttention,
    dropout: has('dropout') ? r.probability(k['dropout'], p('dropout')) : UNET_DEFAULTS.dropout,
  };
}

/** diffusers takes an int or an (H, W) pair; only square sizes are supported. */
function sampleSize(r: ValueReader, v: unknown, path: string): number {
  if (Array.isArray(v) && v.length === 2) {
    const [h, w] = [r.positiveInt(v[0], `${path}[0]`), r.positiveInt(v[1], `${path}[1]`)];
    if (h !== w) throw r.error(`only square images are supported, got ${describeValue(v)}`, path);
    return h;
  }
  return r.positiveInt(v, path);
}
