/**
 * Finding and reading LPIPS (v0.1, AlexNet) weights from the `torch.save` files users have:
 *  - torchvision's AlexNet state dict (`features.{0,3,6,8,10}.{weight,bias}`; `classifier.*` ignored) together
 *    with the lpips package's `weights/v0.1/alex.pth` (`lin{0..4}.model.1.weight`, [1,C,1,1]);
 *  - or a whole saved `lpips.LPIPS` state dict (`net.slice{1..5}.{0,3,6,8,10}.*`, `lin{k}.model.1.weight` or
 *    its `lins.{k}.model.1.weight` alias, `scaling_layer.shift`/`scale`).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCheckpoint, type NamedTensor, type TorchCheckpoint } from '@dgm-ood/torch-io';
import { LpipsError } from './errors.js';

/** torchvision `alexnet().features` convolutions LPIPS uses, in order; `slice` is lpips' slice holding them. */
export const ALEXNET_CONVS = [
  { index: 0, slice: 1, out: 64, in: 3, kernel: 11, stride: 4, pad: 2 },
  { index: 3, slice: 2, out: 192, in: 64, kernel: 5, stride: 1, pad: 2 },
  { index: 6, slice: 3, out: 384, in: 192, kernel: 3, stride: 1, pad: 1 },
  { index: 8, slice: 4, out: 256, in: 384, kernel: 3, stride: 1, pad: 1 },
  { index: 10, slice: 5, out: 256, in: 256, kernel: 3, stride: 1, pad: 1 },
] as const;

/** Channels of the relu1..relu5 taps (= the linear layers' inputs). */
export const TAP_CHANNELS = ALEXNET_CONVS.map((c) => c.out);

/** lpips' ScalingLayer constants, used when a file does not carry them. */
export const DEFAULT_SHIFT = [-0.03, -0.088, -0.188] as const;
export const DEFAULT_SCALE = [0.458, 0.448, 0.45] as const;

export type LpipsWeightPaths = { alexnet: string; lin: string } | { lpips: string };

/** Row-major float32 values with their torch shape. */
export interface LpipsParameter {
  shape: number[];
  values: Float32Array;
}

export interface LpipsWeights {
  /** Per convolution of ALEXNET_CONVS: weight OIHW and bias. */
  convs: Array<{ weight: LpipsParameter; bias: LpipsParameter }>;
  /** Per tap: the 1×1 linear layer's weight [1,C,1,1]. */
  lins: LpipsParameter[];
  shift: number[];
  scale: number[];
  /** The file(s) read, by role. */
  files: Partial<Record<'alexnet' | 'lin' | 'lpips', string>>;
}

const FLOAT_DTYPES = new Set(['float16', 'bfloat16', 'float32', 'float64']);
const MAX_LISTED = 6;

function listNames(names: string[]): string {
  if (names.length === 0) return 'none';
  return `${names.slice(0, MAX_LISTED).join(', ')}${names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : ''}`;
}

async function openWeights(role: string, path: string): Promise<TorchCheckpoint> {
  // A missing file is the common mistake: say so plainly instead of torch-io's generic "cannot open".
  if (!existsSync(path)) throw new LpipsError('DGM_LPIPS_WEIGHTS_MISSING', `LPIPS ${role} weights: no file at ${resolve(path)}`, { file: path, tried: [path] });
  return loadCheckpoint(path);
}

/** The first of `names` the file has, checked against `shape`; missing → coded error naming the file. */
async function readParameter(ckpt: TorchCheckpoint, file: string, names: string[], shape: readonly number[], hint = ''): Promise<LpipsParameter> {
  const t: NamedTensor | undefined = names.map((n) => ckpt.tensors.get(n)).find((x) => x !== undefined);
  if (!t) {
    const found = [...ckpt.tensors.keys()];
    throw new LpipsError(
      'DGM_LPIPS_WEIGHTS_MISSING',
      `${file}: no parameter ${names.join(' or ')} [${shape.join(',')}] (the file has ${found.length} tensor(s): ${listNames(found)})${hint}`,
      { file, parameter: names[0]!, expectedShape: [...shape] },
    );
  }
  const sameShape = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (!sameShape) {
    throw new LpipsError('DGM_LPIPS_WEIGHTS_MISMATCH', `${file}: parameter ${t.name} has shape [${t.shape.join(',')}], LPIPS (AlexNet) needs [${shape.join(',')}]`, {
      file,
      parameter: t.name,
      expectedShape: [...shape],
      foundShape: [...t.shape],
    });
  }
  if (!FLOAT_DTYPES.has(t.dtype)) {
    throw new LpipsError('DGM_LPIPS_WEIGHTS_MISMATCH', `${file}: parameter ${t.name} is ${t.dtype}, expected a floating-point tensor`, { file, parameter: t.name, expectedShape: [...shape], foundShape: [...t.shape] });
  }
  const raw = await ckpt.read(t);
  return { shape: [...t.shape], values: raw instanceof Float32Array ? raw : Float32Array.from(raw as Float64Array) };
}

function linNames(k: number): string[] {
  // lpips 0.1.4 registers the layers twice (lin{k} and the ModuleList lins.{k}); older saves have lin{k} only.
  return [`lin${k}.model.1.weight`, `lins.${k}.model.1.weight`];
}

async function readLins(ckpt: TorchCheckpoint, file: string, hint = ''): Promise<LpipsParameter[]> {
  const lins: LpipsParameter[] = [];
  for (let k = 0; k < TAP_CHANNELS.length; k++) lins.push(await readParameter(ckpt, file, linNames(k), [1, TAP_CHANNELS[k]!, 1, 1], hint));
  return lins;
}

async function readScaling(ckpt: TorchCheckpoint, file: string): Promise<{ shift: number[]; scale: number[] }> {
  const out = { shift: [...DEFAULT_SHIFT] as number[], scale: [...DEFAULT_SCALE] as number[] };
  for (const key of ['shift', 'scale'] as const) {
    const name = `scaling_layer.${key}`;
    if (ckpt.tensors.has(name)) out[key] = [...(await readParameter(ckpt, file, [name], [1, 3, 1, 1])).values];
  }
  return out;
}

/** Reads and checks every LPIPS parameter from the given file(s). */
export async function readLpipsWeights(paths: LpipsWeightPaths): Promise<LpipsWeights> {
  if ('lpips' in paths) {
    const file = paths.lpips;
    const ckpt = await openWeights('(whole LPIPS state dict)', file);
    try {
      const hint = ckpt.tensors.has('features.0.weight') ? ' — this looks like a torchvision AlexNet state dict: pass it as { alexnet, lin }' : '';
      const convs = [];
      for (const c of ALEXNET_CONVS) {
        const at = `net.slice${c.slice}.${c.index}`;
        convs.push({
          weight: await readParameter(ckpt, file, [`${at}.weight`], [c.out, c.in, c.kernel, c.kernel], hint),
          bias: await readParameter(ckpt, file, [`${at}.bias`], [c.out], hint),
        });
      }
      const lins = await readLins(ckpt, file);
      return { convs, lins, ...(await readScaling(ckpt, file)), files: { lpips: file } };
    } finally {
      await ckpt.close();
    }
  }
  const convs = [];
  const alex = await openWeights('AlexNet', paths.alexnet);
  try {
    const hint = alex.tensors.has('net.slice1.0.weight') ? ' — this looks like a whole LPIPS state dict: pass it as { lpips }' : '';
    for (const c of ALEXNET_CONVS) {
      convs.push({
        weight: await readParameter(alex, paths.alexnet, [`features.${c.index}.weight`], [c.out, c.in, c.kernel, c.kernel], hint),
        bias: await readParameter(alex, paths.alexnet, [`features.${c.index}.bias`], [c.out], hint),
      });
    }
  } finally {
    await alex.close();
  }
  const linCkpt = await openWeights('linear-layer', paths.lin);
  try {
    const hint = linCkpt.tensors.has('features.0.weight') ? ' — this is an AlexNet state dict; the linear layers come from the lpips package (weights/v0.1/alex.pth)' : '';
    const lins = await readLins(linCkpt, paths.lin, hint);
    return { convs, lins, shift: [...DEFAULT_SHIFT], scale: [...DEFAULT_SCALE], files: { alexnet: paths.alexnet, lin: paths.lin } };
  } finally {
    await linCkpt.close();
  }
}

/** torchvision's file name for the ImageNet AlexNet weights, accepted beside `alexnet.pth`. */
export const TORCHVISION_ALEXNET_FILE = 'alexnet-owt-7be5be79.pth';

/**
 * Where the weight files are: `LPIPS_ALEXNET_WEIGHTS` / `LPIPS_LIN_WEIGHTS` when set (used as given, never
 * replaced by a default), else `$MODEL_DIR/lpips/alexnet.pth` (or torchvision's `alexnet-owt-7be5be79.pth`)
 * and `$MODEL_DIR/lpips/alex.pth`. MODEL_DIR defaults to `./runs`, as in the service's settings. A file not
 * found → DGM_LPIPS_WEIGHTS_MISSING naming every path tried.
 */
export function resolveLpipsWeights(env: Record<string, string | undefined> = process.env): { alexnet: string; lin: string } {
  const modelDir = resolve(env['MODEL_DIR'] || './runs');
  const find = (role: string, variable: string, defaults: string[]): string => {
    const set = env[variable];
    const tried = set ? [resolve(set)] : defaults.map((f) => join(modelDir, 'lpips', f));
    const hit = tried.find((p) => existsSync(p));
    if (hit) return hit;
    const how = set ? `${variable} names a file that does not exist` : `${variable} is not set and MODEL_DIR/lpips has no such file`;
    throw new LpipsError('DGM_LPIPS_WEIGHTS_MISSING', `LPIPS ${role} weights not found (${how}); tried: ${tried.join(', ')}`, { tried });
  };
  return {
    alexnet: find('AlexNet', 'LPIPS_ALEXNET_WEIGHTS', ['alexnet.pth', TORCHVISION_ALEXNET_FILE]),
    lin: find('linear-layer', 'LPIPS_LIN_WEIGHTS', ['alex.pth']),
  };
}
