import * as tf from '@tensorflow/tfjs';
import type { Module } from '@dgm-ood/engine/module';
import { invalidArgument } from '../errors.js';

/** One tensor of a PyTorch state dict: its torch shape and its values in torch's (row-major) order. */
export interface TorchTensorEntry {
  shape: number[];
  values: ArrayLike<number>;
}

/**
 * torch layout → ours, by rank: conv weights OIHW [out, in, kh, kw] → HWIO [kh, kw, in, out] (perm [2, 3, 1, 0]);
 * linear weights [out, in] → [in, out]; 1-D tensors (biases, GroupNorm affine) unchanged.
 */
const TORCH_TO_TFJS_PERM: Record<number, number[] | undefined> = { 4: [2, 3, 1, 0], 2: [1, 0] };

function torchShapeOf(ourShape: number[]): number[] {
  const perm = TORCH_TO_TFJS_PERM[ourShape.length];
  if (!perm) return ourShape;
  // Our axis k holds torch axis perm[k]; invert that.
  const torch = new Array<number>(ourShape.length);
  perm.forEach((torchAxis, k) => (torch[torchAxis] = ourShape[k]!));
  return torch;
}

/**
 * Copies a PyTorch state dict (by diffusers' parameter names) into a module whose parameters use the same
 * names in tfjs layouts (UNet2D). Strict: every parameter must be given, with the torch shape it implies, and
 * no unknown entry may remain; nothing is changed unless all entries check out.
 */
export function loadTorchStateDict(module: Module, entries: Record<string, TorchTensorEntry>): void {
  const where = 'loadTorchStateDict';
  const params = module.namedParameters();
  const known = new Set(params.map(([name]) => name));
  const unknown = Object.keys(entries).filter((name) => !known.has(name));
  if (unknown.length > 0) throw invalidArgument(where, `unknown parameter(s) ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`);
  for (const [name, v] of params) {
    const e = entries[name];
    if (!e) throw invalidArgument(where, `parameter ${name} is missing`);
    const expected = torchShapeOf(v.shape);
    if (e.shape.length !== expected.length || e.shape.some((d, i) => d !== expected[i])) {
      throw invalidArgument(where, `parameter ${name}: expected torch shape [${expected.join(', ')}], got [${e.shape.join(', ')}]`);
    }
    if (e.values.length !== v.size) throw invalidArgument(where, `parameter ${name}: expected ${v.size} values, got ${e.values.length}`);
  }
  for (const [name, v] of params) {
    const e = entries[name]!;
    tf.tidy(() => {
      const torch = tf.tensor(Float32Array.from(e.values), e.shape);
      const perm = TORCH_TO_TFJS_PERM[v.rank];
      v.assign(perm ? tf.transpose(torch, perm) : torch);
    });
  }
}
