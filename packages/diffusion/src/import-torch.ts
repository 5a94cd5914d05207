/**
 * Imports a reference (PyTorch) diffusion checkpoint without Python: the model is built from the run's config,
 * the U-Net's tensors are found in the `torch.save` file and loaded by diffusers' parameter names.
 *
 * The reference's trainer saves {module_state_dict: model.state_dict(), opt_state_dict, lr_state_dict, epoch, …};
 * its VPSDE_Diffusion/VESDE_Diffusion holds the DiffusersWrapper in `score_network`, which holds the diffusers
 * UNet2DModel in `score_network` again, so the U-Net's keys read `score_network.score_network.conv_in.weight`.
 * The prefix is not assumed: it is whatever precedes the one `conv_in.weight` (a bare U-Net state dict has none).
 */
import { loadCheckpoint, type NamedTensor, type TorchCheckpoint } from '@dgm-ood/torch-io';
import { DiffusionError } from './errors.js';
import { DiffusionModel } from './model.js';
import { resolveDiffusionModelSpec } from './presets.js';
import type { DiffusionModelSpec } from './spec.js';
import { loadTorchStateDict, UNet2D, type TorchTensorEntry } from './unet/index.js';

export interface ImportDiffusionCheckpointOptions {
  /** A `torch.save` file (zip or legacy format). */
  checkpoint: string;
  /** The run's config: a whole training config with a `model:` section, or the model section itself. */
  config: unknown;
  /** Seed of the model's initial weights (all of them are replaced) unless the config sets one. */
  seed?: number;
  /** File the config came from, named in config errors. */
  configSource?: string;
}

export interface CheckpointImportReport {
  checkpoint: string;
  format: 'zip' | 'legacy';
  /** What was stripped from the checkpoint's names, e.g. `module_state_dict.score_network.score_network.`. */
  prefix: string;
  /** U-Net tensors loaded, and their elements. */
  tensors: number;
  parameters: number;
  /** Tensors per stored dtype (all are loaded as float32). */
  dtypes: Record<string, number>;
  /** Tensors renamed from diffusers < 0.15 attention names (query, key, value, proj_attn). */
  renamedAttention: number;
  /** Tensors of the checkpoint outside the U-Net (buffers of the density estimator, optimizer state, …). */
  otherTensors: number;
  /** The checkpoint's `epoch` and `iteration`, when it has them. */
  epoch?: number;
  iteration?: number;
}

const ANCHOR = 'conv_in.weight';
const OLD_ATTENTION_NAMES: Record<string, string> = { query: 'to_q', key: 'to_k', value: 'to_v', proj_attn: 'to_out.0' };
const FLOAT_DTYPES = new Set(['float16', 'bfloat16', 'float32', 'float64']);
const MAX_LISTED = 5;

export async function importDiffusionCheckpoint(opts: ImportDiffusionCheckpointOptions): Promise<{ model: DiffusionModel; report: CheckpointImportReport }> {
  const { section, form } = modelSection(opts.config);
  const spec = resolveDiffusionModelSpec(section, { seed: opts.seed ?? 0, path: 'model', ...(opts.configSource ? { source: opts.configSource } : {}) });
  const ckpt = await loadCheckpoint(opts.checkpoint);
  try {
    const prefix = findUNetPrefix(ckpt, opts.checkpoint);
    const { tensors, renamed } = unetTensors(ckpt, prefix, opts.checkpoint);
    const model = new DiffusionModel(spec);
    const unet = model.network;
    if (!(unet instanceof UNet2D)) throw importError(opts.checkpoint, 'the model built from the config has no U-Net', {});
    checkAgainstModel(unet, tensors, { checkpoint: opts.checkpoint, prefix, spec, form });
    const entries: Record<string, TorchTensorEntry> = {};
    const dtypes: Record<string, number> = {};
    let parameters = 0;
    for (const [name, t] of tensors) {
      const values = await ckpt.read(t);
      entries[name] = { shape: t.shape, values: values instanceof Float32Array ? values : Float32Array.from(values as Float64Array) };
      dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
      parameters += values.length;
    }
    loadTorchStateDict(unet, entries);
    const report: CheckpointImportReport = {
      checkpoint: opts.checkpoint,
      format: ckpt.format,
      prefix,
      tensors: tensors.size,
      parameters,
      dtypes,
      renamedAttention: renamed,
      otherTensors: ckpt.tensors.size - tensors.size,
      ...numberValue(ckpt, 'epoch'),
      ...numberValue(ckpt, 'iteration'),
    };
    return { model, report };
  } finally {
    await ckpt.close();
  }
}

/** How the model section was written: decides the config keys named in mismatch errors. */
type ConfigForm = 'reference' | 'spec' | 'preset';

function modelSection(config: unknown): { section: unknown; form: ConfigForm } {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const own = isObj(config) && !('class_path' in config || 'format' in config || 'preset' in config);
  const section = own && 'model' in config ? config['model'] : config;
  const form: ConfigForm = isObj(section) && 'class_path' in section ? 'reference' : isObj(section) && 'format' in section ? 'spec' : 'preset';
  return { section, form };
}

function importError(checkpoint: string, message: string, details: Record<string, unknown>): DiffusionError {
  return new DiffusionError('DIFFUSION_CHECKPOINT_MISMATCH', `importDiffusionCheckpoint: ${checkpoint}: ${message}`, { checkpoint, ...details });
}

function listNames(names: string[]): string {
  return `${names.slice(0, MAX_LISTED).join(', ')}${names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : ''}`;
}

/** The prefix before the U-Net's `conv_in.weight`; a model's own copy (module_state_dict) wins over others. */
function findUNetPrefix(ckpt: TorchCheckpoint, checkpoint: string): string {
  const anchors = [...ckpt.tensors.keys()].filter((n) => n === ANCHOR || n.endsWith(`.${ANCHOR}`));
  if (anchors.length === 0) {
    throw importError(checkpoint, `no U-Net weights found: no tensor is named …${ANCHOR} (its ${ckpt.tensors.size} tensor(s): ${listNames([...ckpt.tensors.keys()]) || 'none'})`, {});
  }
  const preferred = anchors.length > 1 ? anchors.filter((n) => n.startsWith('module_state_dict.')) : anchors;
  if (preferred.length !== 1) throw importError(checkpoint, `more than one U-Net in the checkpoint (${listNames(anchors)}); cannot tell which to load`, { candidates: anchors });
  return preferred[0]!.slice(0, -ANCHOR.length);
}

/** The U-Net's tensors by diffusers' current names (old attention names mapped), float dtypes only. */
function unetTensors(ckpt: TorchCheckpoint, prefix: string, checkpoint: string): { tensors: Map<string, NamedTensor>; renamed: number } {
  const tensors = new Map<string, NamedTensor>();
  let renamed = 0;
  for (const [full, t] of ckpt.tensors) {
    if (!full.startsWith(prefix)) continue;
    let name = full.slice(prefix.length);
    const old = /^(.*\.attentions\.\d+)\.(query|key|value|proj_attn)\.(weight|bias)$/.exec(name);
    if (old) {
      name = `${old[1]}.${OLD_ATTENTION_NAMES[old[2]!]}.${old[3]}`;
      renamed++;
    }
    if (tensors.has(name)) throw importError(checkpoint, `parameter ${name} is stored twice (${tensors.get(name)!.name} and ${full}: old and new attention names mixed)`, { parameter: name });
    if (!FLOAT_DTYPES.has(t.dtype)) throw importError(checkpoint, `parameter ${name} (${full}) has dtype ${t.dtype}; U-Net weights must be floating point`, { parameter: name });
    tensors.set(name, t);
  }
  return { tensors, renamed };
}

interface CheckContext {
  checkpoint: string;
  prefix: string;
  spec: DiffusionModelSpec;
  form: ConfigForm;
}

/** torch's shape of one of our parameters: conv HWIO → OIHW, linear [in, out] → [out, in], 1-D as is. */
function torchShape(ours: readonly number[]): number[] {
  if (ours.length === 4) return [ours[3]!, ours[2]!, ours[0]!, ours[1]!];
  if (ours.length === 2) return [ours[1]!, ours[0]!];
  return [...ours];
}

const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Every model parameter present with its shape and nothing else; the first mismatch is named with its config key. */
function checkAgainstModel(unet: UNet2D, tensors: Map<string, NamedTensor>, ctx: CheckContext): void {
  const problems: Array<{ message: string; details: Record<string, unknown> }> = [];
  const known = new Set<string>();
  for (const [name, v] of unet.namedParameters()) {
    known.add(name);
    const t = tensors.get(name);
    const modelShape = torchShape(v.shape);
    if (!t) {
      const key = configKey(name, 'missing', -1, ctx);
      problems.push({ message: `parameter ${name} (torch shape ${show(modelShape)}) is in the model built from the config but not in the checkpoint${decides(key)}`, details: { parameter: name, modelShape, configKey: key } });
      continue;
    }
    const differs = t.shape.length !== modelShape.length ? 0 : t.shape.findIndex((d, i) => d !== modelShape[i]);
    if (differs >= 0) {
      const key = configKey(name, 'shape', t.shape.length === modelShape.length ? differs : -1, ctx);
      problems.push({
        message: `parameter ${name} (${t.name}) has torch shape ${show(t.shape)} in the checkpoint but ${show(modelShape)} in the model built from the config${decides(key)}`,
        details: { parameter: name, checkpointName: t.name, checkpointShape: t.shape, modelShape, configKey: key },
      });
    }
  }
  for (const [name, t] of tensors) {
    if (known.has(name)) continue;
    const key = configKey(name, 'unexpected', -1, ctx);
    problems.push({ message: `checkpoint tensor ${t.name} (torch shape ${show(t.shape)}) has no parameter ${name} in the model built from the config${decides(key)}`, details: { parameter: name, checkpointName: t.name, checkpointShape: t.shape, configKey: key } });
  }
  if (problems.length === 0) return;
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more mismatch(es))` : '';
  throw importError(ctx.checkpoint, `checkpoint does not fit the config: ${first!.message}${more}`, { ...first!.details, prefix: ctx.prefix, mismatches: problems.length });
}

function decides(key: string | undefined): string {
  return key ? `; ${key} decides it` : '';
}

type Field = 'blockOutChannels' | 'layersPerBlock' | 'downBlockTypes' | 'upBlockTypes' | 'inChannels' | 'outChannels' | 'midBlockAttention';

const REFERENCE_KEYS: Record<Field, string> = {
  blockOutChannels: 'block_out_channels',
  layersPerBlock: 'layers_per_block',
  downBlockTypes: 'down_block_types',
  upBlockTypes: 'up_block_types',
  inChannels: 'in_channels',
  outChannels: 'out_channels',
  midBlockAttention: 'add_attention',
};

/** The config key, as the config spells it, of a spec field (with an index into lists). */
function spelled(field: Field, index: number | undefined, ctx: CheckContext): string {
  const at = index === undefined ? '' : `[${index}]`;
  if (ctx.form === 'reference') return `model.init_args.score_network_kwargs.${REFERENCE_KEYS[field]}${at}`;
  if (ctx.form === 'spec') {
    if (field === 'inChannels' || field === 'outChannels') return 'model.dataShape[0]';
    return `model.network.${field}${at}`;
  }
  if (field === 'inChannels' || field === 'outChannels') return 'model.data_shape[0]';
  return `model.${REFERENCE_KEYS[field]}${at}`;
}

/**
 * Which config field decides a parameter's existence or shape, from diffusers' naming: level i of the down path
 * has block_out_channels[i] channels (its first resnet reads level i − 1's), up block i mirrors level n − 1 − i,
 * attention comes from the block types (mid block: add_attention), resnets per block from layers_per_block.
 * `dim` is the torch axis that differs (0: out, 1: in), −1 when unknown.
 */
function configKey(name: string, kind: 'missing' | 'unexpected' | 'shape', dim: number, ctx: CheckContext): string | undefined {
  const n = ctx.spec.network.blockOutChannels.length;
  const key = (field: Field, index?: number) => spelled(field, index, ctx);
  const block = /^(down|up)_blocks\.(\d+)\.(resnets|attentions|downsamplers|upsamplers)\.(\d+)\.(.*)$/.exec(name);
  if (kind !== 'shape') {
    if (block) {
      const [, side, i, part] = block;
      const level = Number(i);
      if (level >= n) return key('blockOutChannels');
      if (part === 'attentions') return key(side === 'down' ? 'downBlockTypes' : 'upBlockTypes', level);
      // A shortcut conv exists where a resnet changes the channel count.
      if (part === 'resnets' && block[5]!.startsWith('conv_shortcut.')) return key('blockOutChannels', side === 'down' ? level : Math.max(0, n - 1 - level));
      if (part === 'resnets') return key('layersPerBlock');
      return key('blockOutChannels');
    }
    if (name.startsWith('mid_block.attentions.')) return key('midBlockAttention');
    return undefined;
  }
  if (name === 'conv_in.weight' && dim === 1) return key('inChannels');
  if (name.startsWith('conv_out.') && dim <= 0) return key('outChannels');
  if (/^(conv_in|conv_out|conv_norm_out|time_embedding)\./.test(name)) return key('blockOutChannels', 0);
  if (name.startsWith('mid_block.')) return key('blockOutChannels', n - 1);
  if (block) {
    const [, side, i, part, j, rest] = block;
    const level = Number(i);
    if (side === 'up') return key('blockOutChannels', Math.max(0, n - 1 - level));
    const readsPrevious = part === 'resnets' && j === '0' && (/^norm1\./.test(rest!) || (/^(conv1|conv_shortcut)\.weight$/.test(rest!) && dim === 1));
    return key('blockOutChannels', readsPrevious ? Math.max(0, level - 1) : level);
  }
  return undefined;
}

function numberValue(ckpt: TorchCheckpoint, key: 'epoch' | 'iteration'): Partial<Record<typeof key, number>> {
  const v = ckpt.values.get(key);
  return typeof v === 'number' ? { [key]: v } : {};
}
