/**
 * Imports a reference (PyTorch) flow checkpoint without Python: the model is built from the run's config and
 * each nflows tensor is mapped onto our parameters.
 *
 * The reference's NormalizingFlow holds its transform twice (as `transform` and as `_nflow._transform`, the
 * same modules, so the state dict has both copies); with the logit data transform it is
 * CompositeTransform([LogitTransform, body]), so the body sits at `_transforms.1`. The body is a
 * MultiscaleCompositeTransform of one CompositeTransform per level (`_transforms.<i>._transforms.<j>`), or a
 * single CompositeTransform when there is one level. The trainer saves {module_state_dict, opt_state_dict, …}.
 *
 * Layout differences: torch convs are OIHW, ours HWIO; LULinear stores the strict triangles of L and U as
 * flat row-major lists (lower_entries, upper_entries) where we keep full matrices; the permutation of a 1×1
 * convolution is a buffer (`permutation._permutation`); couplings sit in the reference's wrapper (`_value`).
 * On 1×1 maps (the last level) a zero-padded 3×3 conv only ever reads its centre tap, so that is all we store:
 * the other 8 taps of such a kernel are dropped, after checking that the level really runs on 1×1 maps.
 */
import * as tf from '@tensorflow/tfjs';
import { loadCheckpoint, type NamedTensor, type TensorValues, type TorchCheckpoint } from '@dgm-ood/torch-io';
import { buildFlowModel } from './build.js';
import { FlowError } from './errors.js';
import { inferLevelShapes } from './level-shapes.js';
import type { FlowModel } from './model.js';
import type { StateValue } from './module.js';
import type { FlowModelSpec, TransformSpec } from './spec.js';
import { identityChannels } from './transforms/channel-mask.js';
import { parseUpstreamFlow } from './upstream-config.js';

export interface ImportFlowCheckpointOptions {
  /** A `torch.save` file (zip or legacy format). */
  checkpoint: string;
  /** The run's config: a whole training config with a `model:` section (run_config.json), or that section. */
  config: unknown;
  /** File the config came from, named in config errors. */
  configSource?: string;
}

export interface FlowCheckpointImportReport {
  checkpoint: string;
  format: 'zip' | 'legacy';
  /** What precedes the per-level names, e.g. `module_state_dict._nflow._transform._transforms.1.`. */
  prefix: string;
  /** Tensors loaded into the model, and their elements (as stored, before dropping dead taps). */
  tensors: number;
  parameters: number;
  /** Tensors per stored dtype (floats are loaded as float32). */
  dtypes: Record<string, number>;
  /** 3×3 kernels on 1×1 maps of which only the centre tap was kept. */
  centreTapKernels: number;
  /** The density estimator's data_min/data_max buffers (the pixel range its scaling divides by). */
  dataRange: { min: number; max: number } | null;
  /** Tensors of the checkpoint not used: the second copy of the transform, optimizer state, … */
  otherTensors: number;
  epoch?: number;
}

const FLOAT_DTYPES = new Set(['float16', 'bfloat16', 'float32', 'float64']);
const INT_DTYPES = new Set(['int64', 'int32']);
const MAX_LISTED = 5;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;

export async function importFlowCheckpoint(opts: ImportFlowCheckpointOptions): Promise<{ model: FlowModel; report: FlowCheckpointImportReport }> {
  const section = isObj(opts.config) && !('class_path' in opts.config) && 'model' in opts.config ? opts.config['model'] : opts.config;
  const { spec: parsed, transformPaths } = parseUpstreamFlow(section, { path: 'model', ...(opts.configSource ? { source: opts.configSource } : {}) });
  const ckpt = await loadCheckpoint(opts.checkpoint);
  try {
    const root = stateDictRoot(ckpt);
    const dataRange = await readDataRange(ckpt, root, opts.checkpoint);
    const spec: FlowModelSpec = dataRange ? { ...parsed, dataTransform: { ...parsed.dataTransform, dataMin: dataRange.min, dataMax: dataRange.max } } : parsed;
    const prefix = findBodyPrefix(ckpt, root, spec, transformPaths, opts.checkpoint);
    const plan = planTensors(spec, prefix, transformPaths);
    checkAgainstCheckpoint(ckpt, plan, prefix, opts.checkpoint);

    const model = buildFlowModel(spec);
    try {
      const params = new Map(model.namedParameters());
      const state: Record<string, StateValue> = model.stateDict();
      // Trained weights are initialised: ActNorms whose flag the checkpoint does not hold (older nflows kept it
      // outside the state dict) must not re-initialise from data if training continues here.
      for (const key of Object.keys(state)) if (key.endsWith('.initialized')) state[key] = true;
      const dtypes: Record<string, number> = {};
      let parameters = 0;
      let centreTapKernels = 0;
      for (const item of plan) {
        const t = ckpt.tensors.get(item.torch);
        if (!t) continue; // an optional buffer this checkpoint does not have
        const values = await ckpt.read(t);
        dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
        parameters += values.length;
        if (item.kind === 'buffer') {
          const ints = Array.from(values as ArrayLike<number | bigint>, Number);
          item.apply(ints, state, opts.checkpoint);
          continue;
        }
        const v = params.get(item.ours);
        if (!v) throw new Error(`internal: the model has no parameter ${item.ours}`);
        if (item.centreTap) centreTapKernels++;
        const data = item.convert(toFloat32(values), t.shape);
        tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
      }
      model.loadStateDict(state);
      const used = new Set(plan.map((p) => p.torch));
      const report: FlowCheckpointImportReport = {
        checkpoint: opts.checkpoint,
        format: ckpt.format,
        prefix,
        tensors: plan.filter((p) => ckpt.tensors.has(p.torch)).length,
        parameters,
        dtypes,
        centreTapKernels,
        dataRange,
        otherTensors: [...ckpt.tensors.keys()].filter((k) => !used.has(k)).length,
        ...numberValue(ckpt, 'epoch'),
      };
      return { model, report };
    } catch (e) {
      model.dispose();
      throw e;
    }
  } finally {
    await ckpt.close();
  }
}

function importError(checkpoint: string, message: string, details: Record<string, unknown> = {}): FlowError {
  return new FlowError('FLOWS_CHECKPOINT_MISMATCH', `importFlowCheckpoint: ${checkpoint}: ${message}`, { checkpoint, ...details });
}

function listNames(names: string[]): string {
  return `${names.slice(0, MAX_LISTED).join(', ')}${names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : ''}`;
}

/** The reference trainer's `module_state_dict.` when present (a bare state dict has no prefix). */
function stateDictRoot(ckpt: TorchCheckpoint): string {
  return [...ckpt.tensors.keys()].some((k) => k.startsWith('module_state_dict.')) ? 'module_state_dict.' : '';
}

async function readDataRange(ckpt: TorchCheckpoint, root: string, checkpoint: string): Promise<{ min: number; max: number } | null> {
  const lo = ckpt.tensors.get(`${root}data_min`);
  const hi = ckpt.tensors.get(`${root}data_max`);
  if (!lo || !hi) return null;
  const [min, max] = [Number((await ckpt.read(lo))[0]), Number((await ckpt.read(hi))[0])];
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > min)) {
    throw importError(checkpoint, `buffers ${root}data_min = ${min} and ${root}data_max = ${max} are not a pixel range`, { dataMin: min, dataMax: max });
  }
  return { min, max };
}

/** Where level i's transform j lives, relative to the body prefix. */
function transformPath(spec: FlowModelSpec, level: number, index: number): string {
  return spec.levels.length > 1 ? `_transforms.${level}._transforms.${index}.` : `_transforms.${index}.`;
}

/**
 * The body's prefix: `_nflow._transform.` (or its alias `transform.`), then `_transforms.1.` behind the logit
 * transform. The candidate holding most of the tensors the spec needs wins; a checkpoint that only fits with
 * the other logit setting is named as such.
 */
function findBodyPrefix(ckpt: TorchCheckpoint, root: string, spec: FlowModelSpec, transformPaths: string[][], checkpoint: string): string {
  const candidatesFor = (logit: boolean) => ['_nflow._transform.', 'transform.'].map((t) => `${root}${t}${logit ? '_transforms.1.' : ''}`);
  const best = (candidates: string[]) => {
    let found: { prefix: string; present: number } = { prefix: candidates[0]!, present: 0 };
    for (const prefix of candidates) {
      const present = planTensors(spec, prefix, transformPaths).filter((p) => ckpt.tensors.has(p.torch)).length;
      if (present > found.present) found = { prefix, present };
    }
    return found;
  };
  const logit = spec.dataTransform.logit !== null;
  const candidates = candidatesFor(logit);
  const chosen = best(candidates);
  if (chosen.present > 0) return chosen.prefix;
  const other = best(candidatesFor(!logit));
  if (other.present > 0) {
    throw importError(
      checkpoint,
      `the checkpoint's flow sits ${logit ? 'without' : 'behind'} a logit transform (its weights are under ${other.prefix}) but the config sets logit_transform: ${logit}; model.init_args.logit_transform decides it`,
      { configKey: 'model.init_args.logit_transform', found: other.prefix },
    );
  }
  const names = [...ckpt.tensors.keys()];
  throw importError(checkpoint, `no flow weights found under ${candidates.join(' or ')}; the checkpoint holds ${names.length} tensor(s): ${listNames(names) || 'none'}`, { candidates });
}

interface ParamItem {
  kind: 'param';
  ours: string;
  torch: string;
  torchShape: number[];
  /** The config key deciding the tensor; per torch dimension where dimensions have different sources. */
  configKey: string | string[];
  centreTap: boolean;
  convert: (values: Float32Array, torchShape: number[]) => Float32Array;
}

interface BufferItem {
  kind: 'buffer';
  torch: string;
  torchShape: number[];
  configKey: string;
  /** Dtypes accepted (default: int64, int32). */
  dtypes?: ReadonlySet<string>;
  /** Saved by some versions of nflows only: absent is fine. */
  optional?: boolean;
  apply: (values: number[], state: Record<string, StateValue>, checkpoint: string) => void;
}

type PlanItem = ParamItem | BufferItem;

type Convert = (values: Float32Array, torchShape: number[]) => Float32Array;
const same: Convert = (v) => v;

/** OIHW → HWIO; `centre` takes tap (1, 1) of a 3×3 kernel as a 1×1 kernel. */
function convToHwio(centre: boolean) {
  return (v: Float32Array, [o, i, kh, kw]: number[]): Float32Array => {
    const [h0, w0, hh, ww] = centre ? [(kh! - 1) / 2, (kw! - 1) / 2, 1, 1] : [0, 0, kh!, kw!];
    const out = new Float32Array(hh * ww * i! * o!);
    for (let y = 0; y < hh; y++)
      for (let x = 0; x < ww; x++)
        for (let c = 0; c < i!; c++)
          for (let n = 0; n < o!; n++) out[((y * ww + x) * i! + c) * o! + n] = v[((n * i! + c) * kh! + (y + h0)) * kw! + (x + w0)]!;
    return out;
  };
}

/** nflows' flat strict triangle (row-major, as numpy's tril/triu_indices) → a full C×C matrix. */
function triangle(c: number, lower: boolean) {
  return (v: Float32Array): Float32Array => {
    const out = new Float32Array(c * c);
    let k = 0;
    for (let r = 0; r < c; r++) for (let s = 0; s < c; s++) if (lower ? s < r : s > r) out[r * c + s] = v[k++]!;
    return out;
  };
}

/** Every tensor the model needs, with its torch name and shape, how to convert it and the config key behind it. */
function planTensors(spec: FlowModelSpec, prefix: string, transformPaths: string[][]): PlanItem[] {
  const shapes = inferLevelShapes(spec);
  const items: PlanItem[] = [];
  spec.levels.forEach((level, i) => {
    let shape = shapes[i]!.input;
    level.transforms.forEach((t, j) => {
      const ours = `levels.${i}.${j}.`;
      const torch = `${prefix}${transformPath(spec, i, j)}`;
      const entry = `${transformPaths[i]![j]!}.init_args`;
      items.push(...transformItems(t, { ours, torch, entry, onePixel: shape[1] === 1 && shape[2] === 1 }));
      if (t.type === 'squeeze') shape = [shape[0] * t.factor * t.factor, shape[1] / t.factor, shape[2] / t.factor];
    });
  });
  return items;
}

function transformItems(t: TransformSpec, at: { ours: string; torch: string; entry: string; onePixel: boolean }): PlanItem[] {
  const param = (ours: string, torch: string, torchShape: number[], configKey: string | string[], convert: Convert = same, centreTap = false): ParamItem => ({
    kind: 'param',
    ours: `${at.ours}${ours}`,
    torch: `${at.torch}${torch}`,
    torchShape,
    configKey,
    centreTap,
    convert,
  });
  switch (t.type) {
    case 'squeeze':
      return [];
    case 'actnorm': {
      const key = `${at.entry}.features`;
      return [
        param('log_scale', 'log_scale', [t.features], key),
        param('shift', 'shift', [t.features], key),
        {
          kind: 'buffer',
          torch: `${at.torch}initialized`,
          torchShape: [],
          configKey: key,
          dtypes: new Set(['bool', 'uint8']),
          optional: true,
          apply: (values, state) => {
            state[`${at.ours}initialized`] = values[0] !== 0;
          },
        },
      ];
    }
    case 'conv1x1': {
      const c = t.channels;
      const key = `${at.entry}.num_channels`;
      const tri = (c * (c - 1)) / 2;
      return [
        param('lower', 'lower_entries', [tri], key, triangle(c, true)),
        param('upper', 'upper_entries', [tri], key, triangle(c, false)),
        param('unconstrained_upper_diag', 'unconstrained_upper_diag', [c], key),
        param('bias', 'bias', [c], key),
        {
          kind: 'buffer',
          torch: `${at.torch}permutation._permutation`,
          torchShape: [c],
          configKey: key,
          apply: (values, state, checkpoint) => {
            const seen = new Set(values);
            if (seen.size !== c || values.some((v) => !Number.isInteger(v) || v < 0 || v >= c)) {
              throw importError(checkpoint, `${at.torch}permutation._permutation is not a permutation of 0..${c - 1}: [${values.slice(0, 8).join(', ')}${c > 8 ? ', …' : ''}]`, {
                parameter: `${at.torch}permutation._permutation`,
              });
            }
            state[`${at.ours}permutation`] = values;
          },
        },
      ];
    }
    case 'affine-coupling':
    case 'rq-spline-coupling': {
      const net = `${at.entry}.net.init_args`;
      const maskKey = `${at.entry}.mask.dim`;
      const h = t.net.hiddenChannels;
      const identity = identityChannels(t.mask);
      const transformed = Array.from({ length: t.mask.dim }, (_, c) => c).filter((c) => !identity.includes(c));
      const perChannel = t.type === 'affine-coupling' ? 2 : 3 * t.numBins - 1;
      const outKey = t.type === 'affine-coupling' ? maskKey : `${at.entry}.num_bins`;
      const tn = '_value.transform_net.';
      const items: PlanItem[] = [
        param('net.initial.weight', `${tn}initial_layer.weight`, [h, identity.length, 1, 1], [`${net}.hidden_channels`, maskKey], convToHwio(false)),
        param('net.initial.bias', `${tn}initial_layer.bias`, [h], `${net}.hidden_channels`),
      ];
      for (let b = 0; b < t.net.numBlocks; b++) {
        for (const k of [0, 1]) {
          const torchConv = `${tn}blocks.${b}.conv_layers.${k}.`;
          items.push(
            param(`net.blocks.${b}.conv${k}.weight`, `${torchConv}weight`, [h, h, 3, 3], `${net}.hidden_channels`, convToHwio(at.onePixel), at.onePixel),
            param(`net.blocks.${b}.conv${k}.bias`, `${torchConv}bias`, [h], `${net}.hidden_channels`),
          );
        }
      }
      items.push(
        param('net.final.weight', `${tn}final_layer.weight`, [transformed.length * perChannel, h, 1, 1], [outKey, `${net}.hidden_channels`], convToHwio(false)),
        param('net.final.bias', `${tn}final_layer.bias`, [transformed.length * perChannel], outKey),
      );
      // The mask buffers say which channels the trained coupling transformed: a flipped mask fits every shape.
      for (const [name, expected] of [
        ['identity_features', identity],
        ['transform_features', transformed],
      ] as const) {
        items.push({
          kind: 'buffer',
          torch: `${at.torch}_value.${name}`,
          torchShape: [expected.length],
          configKey: `${at.entry}.mask.flip`,
          apply: (values, _state, checkpoint) => {
            if (values.length !== expected.length || values.some((v, k) => v !== expected[k])) {
              throw importError(
                checkpoint,
                `${at.torch}_value.${name} is [${values.join(', ')}] but the config's mask gives [${expected.join(', ')}]; ${at.entry}.mask.flip decides it`,
                { parameter: `${at.torch}_value.${name}`, configKey: `${at.entry}.mask.flip` },
              );
            }
          },
        });
      }
      return items;
    }
  }
}

/** Every planned tensor present with its torch shape and dtype; the first problem is named with its config key. */
function checkAgainstCheckpoint(ckpt: TorchCheckpoint, plan: PlanItem[], prefix: string, checkpoint: string): void {
  const problems: Array<{ message: string; details: Record<string, unknown> }> = [];
  const planned = new Set(plan.map((p) => p.torch));
  for (const item of plan) {
    const t: NamedTensor | undefined = ckpt.tensors.get(item.torch);
    if (!t && item.kind === 'buffer' && item.optional) continue;
    if (!t) {
      problems.push({
        message: `tensor ${item.torch} (torch shape ${show(item.torchShape)}) is needed by the model built from the config but is not in the checkpoint; ${keyOf(item, 0)} decides it`,
        details: { parameter: item.torch, modelShape: item.torchShape, configKey: keyOf(item, 0) },
      });
      continue;
    }
    const allowed = item.kind === 'param' ? FLOAT_DTYPES : (item.dtypes ?? INT_DTYPES);
    if (!allowed.has(t.dtype)) {
      problems.push({ message: `tensor ${item.torch} has dtype ${t.dtype}; expected ${[...allowed].join(' or ')}`, details: { parameter: item.torch, dtype: t.dtype } });
      continue;
    }
    if (t.shape.length !== item.torchShape.length || t.shape.some((d, k) => d !== item.torchShape[k])) {
      const key = keyOf(item, Math.max(0, t.shape.findIndex((d, k) => d !== item.torchShape[k])));
      problems.push({
        message: `tensor ${item.torch} has torch shape ${show(t.shape)} in the checkpoint but ${show(item.torchShape)} in the model built from the config; ${key} decides it`,
        details: { parameter: item.torch, checkpointShape: t.shape, modelShape: item.torchShape, configKey: key },
      });
    }
  }
  // Tensors under the body prefix that the config has no place for: an extra transform, block or level.
  for (const name of ckpt.tensors.keys()) {
    if (!name.startsWith(prefix) || planned.has(name)) continue;
    problems.push({ message: `checkpoint tensor ${name} has no counterpart in the model built from the config (a transform, level or residual block the config lacks)`, details: { parameter: name } });
  }
  if (problems.length === 0) return;
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more mismatch(es))` : '';
  throw importError(checkpoint, `checkpoint does not fit the config: ${first!.message}${more}`, { ...first!.details, prefix, mismatches: problems.length });
}

/** The key deciding torch dimension `dim` of a tensor (3×3 kernels: the hidden width for both channel axes). */
function keyOf(item: PlanItem, dim: number): string {
  const k = item.configKey;
  return typeof k === 'string' ? k : (k[Math.min(dim, k.length - 1)] ?? k[0]!);
}

function toFloat32(values: TensorValues): Float32Array {
  if (values instanceof Float32Array) return values;
  if (values instanceof BigInt64Array) return Float32Array.from(values, Number);
  return Float32Array.from(values as ArrayLike<number>);
}

function numberValue(ckpt: TorchCheckpoint, key: 'epoch'): Partial<Record<typeof key, number>> {
  const v = ckpt.values.get(key);
  return typeof v === 'number' ? { [key]: v } : {};
}
