/**
 * Accept the reference project's model sections (`model:` of its training YAML: class_path/init_args, the
 * `repeat_n`/`content` and `multiscale` macros, nflows class paths) and map them to our FlowModelSpec.
 * Grouping into multiscale levels follows the reference's NormalizingFlow: a level ends at every entry that has
 * a `multiscale` key; entries after the last such key form one more (final) level; with no `multiscale` key at
 * all the whole list is one level.
 */
import { FlowConfigError } from './errors.js';
import { inferLevelShapes } from './level-shapes.js';
import {
  DEFAULT_DATA_TRANSFORM,
  describe,
  FLOW_SPEC_FORMAT,
  type ConvResidualNetSpec,
  type FlowLevelSpec,
  type FlowModelSpec,
  type TransformSpec,
} from './spec.js';
import { DEFAULT_MIN_BIN_HEIGHT, DEFAULT_MIN_BIN_WIDTH, DEFAULT_MIN_DERIVATIVE } from './splines/defaults.js';

export const UPSTREAM_CLASSES = {
  normalizingFlow: ['model_zoo.density_estimator.flow.NormalizingFlow'],
  standardNormal: ['nflows.distributions.StandardNormal', 'nflows.distributions.normal.StandardNormal'],
  squeeze: ['nflows.transforms.reshape.SqueezeTransform', 'nflows.transforms.SqueezeTransform'],
  actNorm: ['nflows.transforms.normalization.ActNorm', 'nflows.transforms.ActNorm'],
  oneByOne: ['nflows.transforms.conv.OneByOneConvolution', 'nflows.transforms.OneByOneConvolution'],
  configurableCoupling: ['model_zoo.density_estimator.flow.ConfigurableCouplingTransform'],
  affineCoupling: ['nflows.transforms.AffineCouplingTransform', 'nflows.transforms.coupling.AffineCouplingTransform'],
  rqCoupling: [
    'nflows.transforms.PiecewiseRationalQuadraticCouplingTransform',
    'nflows.transforms.coupling.PiecewiseRationalQuadraticCouplingTransform',
  ],
  convResidualNet: ['nflows.nn.nets.resnet.ConvResidualNet', 'nflows.nn.nets.ConvResidualNet'],
  relu: ['torch.nn.functional.relu', 'torch.relu', 'F.relu', 'torch.nn.functional.F.relu'],
} as const;

const TRANSFORM_CLASSES = [
  ...UPSTREAM_CLASSES.squeeze,
  ...UPSTREAM_CLASSES.actNorm,
  ...UPSTREAM_CLASSES.oneByOne,
  ...UPSTREAM_CLASSES.configurableCoupling,
];

const NORMALIZING_FLOW_ARGS = new Set([
  'flatten',
  'data_shape',
  'denoising_sigma',
  'dequantize',
  'scale_data',
  'scale_data_to_n1_1',
  'whitening_transform',
  'background_augmentation',
  'logit_transform',
  'clamp_samples',
  'base_distribution',
  'transform',
  'dim',
]);

export interface UpstreamParseOptions {
  /** File the section came from, named in errors. */
  source?: string;
  /** YAML path of the section itself (default "model"). */
  path?: string;
  /** Seed of the initial weights (default 0). */
  seed?: number;
}

type Obj = Record<string, unknown>;

/** Map an upstream `model:` section to a FlowModelSpec; throws FlowConfigError naming the YAML path. */
export function flowSpecFromUpstream(model: unknown, opts: UpstreamParseOptions = {}): FlowModelSpec {
  return parseUpstreamFlow(model, opts).spec;
}

/**
 * The spec and, for transform j of level i, the YAML path of the entry it came from (after repeat_n expansion,
 * so repeated entries share a path): checkpoint import names the config key behind a mismatched tensor.
 */
export function parseUpstreamFlow(model: unknown, opts: UpstreamParseOptions = {}): { spec: FlowModelSpec; transformPaths: string[][] } {
  const src = opts.source;
  const root = opts.path ?? 'model';
  const err = (msg: string, p: string) => new FlowConfigError(msg, p, src);
  const m = obj(model, root, src);
  requireClass(m, root, UPSTREAM_CLASSES.normalizingFlow, src);
  const argsPath = `${root}.init_args`;
  const args = obj(m['init_args'], argsPath, src);
  for (const k of Object.keys(args)) {
    if (!NORMALIZING_FLOW_ARGS.has(k)) throw err(`unsupported NormalizingFlow argument "${k}" (supported: ${[...NORMALIZING_FLOW_ARGS].join(', ')})`, `${argsPath}.${k}`);
  }
  const dataShapeRaw = args['data_shape'];
  if (!Array.isArray(dataShapeRaw) || dataShapeRaw.length !== 3 || !dataShapeRaw.every((d) => Number.isInteger(d) && d > 0)) {
    throw err(`must be an image shape [C, H, W] of positive integers, got ${describe(dataShapeRaw)} (only image flows are supported)`, `${argsPath}.data_shape`);
  }
  const dataShape = dataShapeRaw as [number, number, number];
  const dim = dataShape[0] * dataShape[1] * dataShape[2];
  if (optBool(args, 'flatten', false, argsPath, src)) throw err('flatten: true is not supported (image flows only)', `${argsPath}.flatten`);
  if (optBool(args, 'whitening_transform', false, argsPath, src)) throw err('whitening_transform: true is not supported', `${argsPath}.whitening_transform`);
  if (optBool(args, 'scale_data_to_n1_1', false, argsPath, src)) throw err('scale_data_to_n1_1: true is not supported for flows', `${argsPath}.scale_data_to_n1_1`);
  const sigma = args['denoising_sigma'];
  if (sigma !== undefined && sigma !== null && sigma !== 0) throw err(`denoising noise is not supported, got ${describe(sigma)}`, `${argsPath}.denoising_sigma`);
  const bgRaw = args['background_augmentation'];
  let backgroundAugmentation: number | null = null;
  if (bgRaw !== undefined && bgRaw !== null) {
    if (typeof bgRaw !== 'number' || !(bgRaw >= 0 && bgRaw <= 1)) throw err(`must be a probability in [0, 1], got ${describe(bgRaw)}`, `${argsPath}.background_augmentation`);
    backgroundAugmentation = bgRaw;
  }
  if (args['dim'] !== undefined && args['dim'] !== null && args['dim'] !== dim) {
    throw err(`dim ${describe(args['dim'])} does not match data_shape (D = ${dim})`, `${argsPath}.dim`);
  }
  const base = args['base_distribution'];
  if (base !== undefined && base !== null) {
    const bp = `${argsPath}.base_distribution`;
    const b = obj(base, bp, src);
    requireClass(b, bp, UPSTREAM_CLASSES.standardNormal, src);
    const bargs = obj(b['init_args'] ?? {}, `${bp}.init_args`, src);
    const shape = bargs['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) throw err(`must be a list of positive integers, got ${describe(shape)}`, `${bp}.init_args.shape`);
    const size = (shape as number[]).reduce((a, c) => a * c, 1);
    if (size !== dim) throw err(`base distribution has ${size} dimensions but data_shape has D = ${dim}`, `${bp}.init_args.shape`);
  }

  // Expand repeat_n blocks, keeping each entry's YAML path for error messages.
  const tp = `${argsPath}.transform`;
  const list = args['transform'];
  if (!Array.isArray(list) || list.length === 0) throw err(`must be a non-empty list of transforms, got ${describe(list)}`, tp);
  const entries: Array<{ value: Obj; path: string }> = [];
  list.forEach((item, i) => {
    const ip = `${tp}[${i}]`;
    if (item === null || item === undefined) return; // upstream drops None entries
    const o = obj(item, ip, src);
    if ('repeat_n' in o || 'content' in o) {
      const n = o['repeat_n'];
      if (!Number.isInteger(n) || (n as number) < 0) throw err(`repeat_n must be a non-negative integer, got ${describe(n)}`, `${ip}.repeat_n`);
      const content = Array.isArray(o['content']) ? o['content'] : [o['content']];
      if (o['content'] === undefined) throw err('a repeat block needs a content list', `${ip}.content`);
      for (let r = 0; r < (n as number); r++) {
        content.forEach((c, k) => {
          const cp = `${ip}.content[${k}]`;
          entries.push({ value: obj(c, cp, src), path: cp });
        });
      }
    } else {
      entries.push({ value: o, path: ip });
    }
  });

  const levels: FlowLevelSpec[] = [];
  const paths: string[][] = [];
  const levelPaths: string[] = [];
  let current: TransformSpec[] = [];
  let currentPaths: string[] = [];
  entries.forEach(({ value, path }, idx) => {
    current.push(upstreamTransform(value, path, src));
    currentPaths.push(path);
    const ms = value['multiscale'];
    const isLast = idx === entries.length - 1;
    if (ms !== undefined || isLast) {
      const level: FlowLevelSpec = { transforms: current };
      if (ms !== undefined && ms !== null) {
        const mo = obj(ms, `${path}.multiscale`, src);
        for (const k of Object.keys(mo)) if (k !== 'transform_output_shape') throw err(`unsupported multiscale option "${k}"`, `${path}.multiscale.${k}`);
        const s = mo['transform_output_shape'];
        if (s !== undefined) {
          if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0)) {
            throw err(`must be [C, H, W], got ${describe(s)}`, `${path}.multiscale.transform_output_shape`);
          }
          level.outputShape = s as [number, number, number];
        }
      }
      levels.push(level);
      paths.push(currentPaths);
      levelPaths.push(`${path}.multiscale.transform_output_shape`);
      current = [];
      currentPaths = [];
    }
  });

  const spec: FlowModelSpec = {
    format: FLOW_SPEC_FORMAT,
    dataShape,
    dataTransform: {
      ...DEFAULT_DATA_TRANSFORM,
      dequantize: optBool(args, 'dequantize', false, argsPath, src),
      scaleData: optBool(args, 'scale_data', false, argsPath, src),
      logit: optBool(args, 'logit_transform', false, argsPath, src) ? { alpha: 0.05, eps: 1e-6 } : null,
      backgroundAugmentation,
      clampSamples: optBool(args, 'clamp_samples', false, argsPath, src),
    },
    levels,
    seed: opts.seed ?? 0,
  };
  const upstreamField: Record<string, string> = {
    factor: 'init_args.factor',
    features: 'init_args.features',
    channels: 'init_args.num_channels',
    'mask.dim': 'init_args.mask.dim',
    minBinWidth: 'init_args.min_bin_width',
    minBinHeight: 'init_args.min_bin_height',
  };
  inferLevelShapes(spec, {
    source: src,
    fieldPathOf: (i, j, field) => `${paths[i]![j]!}.${upstreamField[field] ?? field}`,
    levelPathOf: (i) => levelPaths[i]!,
  });
  return { spec, transformPaths: paths };
}

function upstreamTransform(o: Obj, p: string, src: string | undefined): TransformSpec {
  const err = (msg: string, q: string) => new FlowConfigError(msg, q, src);
  const cls = o['class_path'];
  if (typeof cls !== 'string') throw err(`every transform needs a class_path, got ${describe(cls)}`, `${p}.class_path`);
  const ap = `${p}.init_args`;
  const a = obj(o['init_args'] ?? {}, ap, src);
  const known = (list: readonly string[]) => list.includes(cls);
  for (const k of Object.keys(o)) {
    if (!['class_path', 'init_args', 'multiscale'].includes(k)) throw err(`unsupported key "${k}" in a transform entry`, `${p}.${k}`);
  }
  if (known(UPSTREAM_CLASSES.squeeze)) {
    onlyArgs(a, ['factor'], ap, src);
    return { type: 'squeeze', factor: posInt(a['factor'] ?? 2, `${ap}.factor`, src) };
  }
  if (known(UPSTREAM_CLASSES.actNorm)) {
    onlyArgs(a, ['features'], ap, src);
    return { type: 'actnorm', features: posInt(a['features'], `${ap}.features`, src) };
  }
  if (known(UPSTREAM_CLASSES.oneByOne)) {
    onlyArgs(a, ['num_channels', 'using_cache', 'identity_init'], ap, src);
    if (a['identity_init'] === false) throw err('identity_init: false is not supported (the reference always uses the identity initialisation)', `${ap}.identity_init`);
    return { type: 'conv1x1', channels: posInt(a['num_channels'], `${ap}.num_channels`, src) };
  }
  if (known(UPSTREAM_CLASSES.configurableCoupling)) return upstreamCoupling(a, ap, src);
  throw new FlowConfigError(
    `unknown transform class "${cls}" (supported: ${TRANSFORM_CLASSES.join(', ')})`,
    `${p}.class_path`,
    src,
    'FLOWS_UNKNOWN_CLASS',
  );
}

function upstreamCoupling(a: Obj, ap: string, src: string | undefined): TransformSpec {
  const err = (msg: string, q: string) => new FlowConfigError(msg, q, src);
  const cls = a['coupling_transform_cls'];
  if (cls === null || cls === undefined) {
    throw err('coupling_transform_cls is not set (in the reference sweeps the dy__eval change_coupling_layers fills it in)', `${ap}.coupling_transform_cls`);
  }
  if (typeof cls !== 'string') throw err(`must be a class path string, got ${describe(cls)}`, `${ap}.coupling_transform_cls`);
  const isAffine = (UPSTREAM_CLASSES.affineCoupling as readonly string[]).includes(cls);
  const isRq = (UPSTREAM_CLASSES.rqCoupling as readonly string[]).includes(cls);
  if (!isAffine && !isRq) {
    throw new FlowConfigError(
      `unknown coupling class "${cls}" (supported: ${[...UPSTREAM_CLASSES.affineCoupling, ...UPSTREAM_CLASSES.rqCoupling].join(', ')})`,
      `${ap}.coupling_transform_cls`,
      src,
      'FLOWS_UNKNOWN_CLASS',
    );
  }
  const net = upstreamNet(a['net'], `${ap}.net`, src);
  const mp = `${ap}.mask`;
  const mask = obj(a['mask'], mp, src);
  if ('mask_function' in mask) throw err('custom mask functions are not supported (only the default even/odd channel mask)', `${mp}.mask_function`);
  onlyArgs(mask, ['dim', 'flip'], mp, src);
  const flip = mask['flip'] ?? false;
  if (typeof flip !== 'boolean') throw err(`must be a boolean, got ${describe(flip)}`, `${mp}.flip`);
  const maskSpec = { dim: posInt(mask['dim'], `${mp}.dim`, src), flip };
  const common = ['coupling_transform_cls', 'net', 'mask'];
  if (isAffine) {
    onlyArgs(a, common, ap, src);
    return { type: 'affine-coupling', mask: maskSpec, net };
  }
  onlyArgs(a, [...common, 'num_bins', 'tails', 'tail_bound', 'min_bin_width', 'min_bin_height', 'min_derivative', 'apply_unconditional_transform', 'img_shape'], ap, src);
  if (a['apply_unconditional_transform'] === true) throw err('apply_unconditional_transform: true is not supported', `${ap}.apply_unconditional_transform`);
  if (a['img_shape'] !== undefined && a['img_shape'] !== null) throw err('img_shape is not supported', `${ap}.img_shape`);
  if (a['tails'] !== 'linear') {
    throw err(`only tails: linear is supported (the reference sweeps use it), got ${describe(a['tails'])}`, `${ap}.tails`);
  }
  return {
    type: 'rq-spline-coupling',
    mask: maskSpec,
    net,
    numBins: posInt(a['num_bins'] ?? 10, `${ap}.num_bins`, src),
    tailBound: posNum(a['tail_bound'] ?? 1.0, `${ap}.tail_bound`, src),
    tails: 'linear',
    minBinWidth: posNum(a['min_bin_width'] ?? DEFAULT_MIN_BIN_WIDTH, `${ap}.min_bin_width`, src),
    minBinHeight: posNum(a['min_bin_height'] ?? DEFAULT_MIN_BIN_HEIGHT, `${ap}.min_bin_height`, src),
    minDerivative: posNum(a['min_derivative'] ?? DEFAULT_MIN_DERIVATIVE, `${ap}.min_derivative`, src),
  };
}

function upstreamNet(v: unknown, np: string, src: string | undefined): ConvResidualNetSpec {
  const err = (msg: string, q: string) => new FlowConfigError(msg, q, src);
  const n = obj(v, np, src);
  requireClass(n, np, UPSTREAM_CLASSES.convResidualNet, src);
  const ap = `${np}.init_args`;
  const a = obj(n['init_args'], ap, src);
  onlyArgs(a, ['hidden_channels', 'num_blocks', 'activation', 'dropout_probability', 'use_batch_norm', 'context_channels'], ap, src);
  const act = a['activation'];
  if (act !== undefined && !(typeof act === 'string' && (UPSTREAM_CLASSES.relu as readonly string[]).includes(act))) {
    throw err(`only the ReLU activation is supported, got ${describe(act)}`, `${ap}.activation`);
  }
  if (a['use_batch_norm'] === true) throw err('use_batch_norm: true is not supported', `${ap}.use_batch_norm`);
  if (a['context_channels'] !== undefined && a['context_channels'] !== null) throw err('conditional (context) nets are not supported', `${ap}.context_channels`);
  const dropout = a['dropout_probability'] ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw err(`must be a probability in [0, 1), got ${describe(dropout)}`, `${ap}.dropout_probability`);
  const numBlocks = a['num_blocks'] ?? 2;
  if (!Number.isInteger(numBlocks) || (numBlocks as number) < 0) throw err(`must be a non-negative integer, got ${describe(numBlocks)}`, `${ap}.num_blocks`);
  return { type: 'conv-residual', hiddenChannels: posInt(a['hidden_channels'], `${ap}.hidden_channels`, src), numBlocks: numBlocks as number, dropout };
}

function requireClass(o: Obj, p: string, allowed: readonly string[], src: string | undefined): void {
  const cls = o['class_path'];
  if (typeof cls !== 'string') throw new FlowConfigError(`needs a class_path (one of ${allowed.join(', ')}), got ${describe(cls)}`, `${p}.class_path`, src);
  if (!allowed.includes(cls)) throw new FlowConfigError(`unknown class "${cls}" (supported here: ${allowed.join(', ')})`, `${p}.class_path`, src, 'FLOWS_UNKNOWN_CLASS');
}

function onlyArgs(a: Obj, allowed: string[], p: string, src: string | undefined): void {
  for (const k of Object.keys(a)) {
    if (!allowed.includes(k)) throw new FlowConfigError(`unsupported argument "${k}" (supported: ${allowed.join(', ')})`, `${p}.${k}`, src);
  }
}

function obj(v: unknown, p: string, src: string | undefined): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FlowConfigError(`must be a mapping, got ${describe(v)}`, p, src);
  return v as Obj;
}

function optBool(a: Obj, key: string, dflt: boolean, p: string, src: string | undefined): boolean {
  const v = a[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new FlowConfigError(`must be a boolean, got ${describe(v)}`, `${p}.${key}`, src);
  return v;
}

function posInt(v: unknown, p: string, src: string | undefined): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new FlowConfigError(`must be a positive integer, got ${describe(v)}`, p, src);
  return v as number;
}

function posNum(v: unknown, p: string, src: string | undefined): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new FlowConfigError(`must be a positive number, got ${describe(v)}`, p, src);
  return v;
}
