/**
 * Checkpoints as a plain JSON manifest plus one little-endian Float32 blob:
 *
 *   <dir>/<name>.json             manifest (format, model spec, tensor table, model state, optimizer,
 *                                 schedule and training state)
 *   <dir>/<name>.<sha256:16>.bin  every tensor back to back (parameters, then AdamW moments)
 *
 * The blob is named by its content hash and written first; the manifest is then written to a temporary file
 * and renamed over the old one, which is the commit point. A crash at any moment leaves the previous
 * checkpoint loadable. Blobs no longer referenced by the manifest are removed after the commit.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildFlowModel, type BuildOptions } from './build.js';
import { FlowError } from './errors.js';
import type { FlowModel } from './model.js';
import type { StateValue } from './module.js';
import { validateFlowSpec, type FlowModelSpec } from './spec.js';
import type { AdamWConfig, AdamWState } from './training/adamw.js';
import type { EpochScheduleState } from './training/lr-schedule.js';

export const CHECKPOINT_FORMAT = 'dgm-ood/flow-checkpoint@1';

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte offset in the blob. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

export interface TrainingProgressState {
  /** Completed epochs. */
  epoch: number;
  /** Optimizer steps done in the current, unfinished epoch (0 at an epoch boundary). */
  stepInEpoch: number;
  globalStep: number;
  bestValidLoss: number | null;
  bestEpoch: number | null;
  badEpochs: number;
  lastFiniteLoss: number | null;
  seed: number;
  finished: boolean;
  stopReason: string | null;
  history: Array<{ epoch: number; trainLoss: number; validLoss: number | null; lr: number; seconds: number }>;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  name: string;
  createdAt: string;
  spec: FlowModelSpec;
  blob: { file: string; bytes: number; sha256: string };
  /** Model parameters ("param:<name>") and optimizer moments ("adamw.m:<name>", "adamw.v:<name>"). */
  tensors: TensorEntry[];
  /** Non-trainable model state: ActNorm `initialized`, 1×1-conv permutations. */
  modelState: Record<string, StateValue>;
  optimizer: { type: 'adamw'; config: AdamWConfig; step: number } | null;
  schedule: EpochScheduleState | null;
  training: TrainingProgressState | null;
}

export interface CheckpointContents {
  model: FlowModel;
  optimizer?: { config: AdamWConfig; state: AdamWState };
  schedule?: EpochScheduleState;
  training?: TrainingProgressState;
}

export interface SavedCheckpoint {
  manifestPath: string;
  blobPath: string;
  manifest: CheckpointManifest;
}

export async function saveCheckpoint(dir: string, name: string, contents: CheckpointContents): Promise<SavedCheckpoint> {
  checkName(name);
  await mkdir(dir, { recursive: true });
  const chunks: Float32Array[] = [];
  const tensors: TensorEntry[] = [];
  let offset = 0;
  const add = (entryName: string, shape: number[], data: Float32Array) => {
    tensors.push({ name: entryName, shape, offset, length: data.length });
    chunks.push(data);
    offset += data.length * 4;
  };
  for (const [pname, v] of contents.model.namedParameters()) add(`param:${pname}`, v.shape, (await v.data()) as Float32Array);
  if (contents.optimizer) {
    for (const [pname, v] of contents.model.namedParameters()) {
      const m = contents.optimizer.state.m.get(pname);
      const s = contents.optimizer.state.v.get(pname);
      if (!m || !s) throw new Error(`saveCheckpoint: optimizer state lacks ${pname}`);
      add(`adamw.m:${pname}`, v.shape, m);
      add(`adamw.v:${pname}`, v.shape, s);
    }
  }
  const blob = new Uint8Array(offset);
  const view = new DataView(blob.buffer);
  let pos = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++, pos += 4) view.setFloat32(pos, c[i]!, true);
  }
  const sha256 = createHash('sha256').update(blob).digest('hex');
  const blobFile = `${name}.${sha256.slice(0, 16)}.bin`;
  const blobPath = join(dir, blobFile);
  await writeAtomically(blobPath, blob);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    name,
    createdAt: new Date().toISOString(),
    spec: contents.model.spec,
    blob: { file: blobFile, bytes: blob.length, sha256 },
    tensors,
    modelState: contents.model.stateDict(),
    optimizer: contents.optimizer ? { type: 'adamw', config: contents.optimizer.config, step: contents.optimizer.state.step } : null,
    schedule: contents.schedule ?? null,
    training: contents.training ?? null,
  };
  const manifestPath = join(dir, `${name}.json`);
  await writeAtomically(manifestPath, JSON.stringify(manifest, null, 1));
  // Older blobs of this checkpoint are garbage once the manifest points at the new one.
  for (const f of await readdir(dir)) {
    if (f !== blobFile && f.startsWith(`${name}.`) && f.endsWith('.bin') && /^[0-9a-f]{16}$/.test(f.slice(name.length + 1, -4))) {
      await rm(join(dir, f), { force: true });
    }
  }
  return { manifestPath, blobPath, manifest };
}

export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  manifestPath: string;
}

/** Read and verify a checkpoint (format, blob size and hash). Returns null when `<dir>/<name>.json` does not exist. */
export async function readCheckpoint(dir: string, name: string): Promise<LoadedCheckpoint | null> {
  checkName(name);
  const manifestPath = join(dir, `${name}.json`);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const bad = (msg: string) => new FlowError('FLOWS_CHECKPOINT_INVALID', `${manifestPath}: ${msg}`, { path: manifestPath });
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(text) as CheckpointManifest;
  } catch (e) {
    throw bad(`not valid JSON (${(e as Error).message})`);
  }
  if (manifest.format !== CHECKPOINT_FORMAT) throw bad(`unknown format ${JSON.stringify(manifest.format)}, expected ${CHECKPOINT_FORMAT}`);
  manifest.spec = validateFlowSpec(manifest.spec, `${manifestPath}#spec`);
  const blobPath = join(dir, manifest.blob.file);
  let blob: Buffer;
  try {
    blob = await readFile(blobPath);
  } catch (e) {
    throw bad(`its blob ${manifest.blob.file} cannot be read (${(e as Error).message})`);
  }
  if (blob.length !== manifest.blob.bytes) throw bad(`blob ${manifest.blob.file} has ${blob.length} bytes, the manifest says ${manifest.blob.bytes}`);
  const sha = createHash('sha256').update(blob).digest('hex');
  if (sha !== manifest.blob.sha256) throw bad(`blob ${manifest.blob.file} is corrupt (sha256 mismatch)`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of manifest.tensors) {
    if (t.offset + t.length * 4 > blob.length) throw bad(`tensor ${t.name} lies outside the blob`);
    const data = new Float32Array(t.length);
    for (let i = 0; i < t.length; i++) data[i] = view.getFloat32(t.offset + 4 * i, true);
    tensors.set(t.name, { shape: t.shape, data });
  }
  return { manifest, tensors, manifestPath };
}

/** Copy a checkpoint's parameters and state into a model built from the same spec. */
export function restoreModel(model: FlowModel, checkpoint: LoadedCheckpoint): void {
  const where = checkpoint.manifestPath;
  if (JSON.stringify(model.spec) !== JSON.stringify(checkpoint.manifest.spec)) {
    throw new FlowError('FLOWS_CHECKPOINT_INVALID', `${where}: the checkpoint was written for a different model spec`, { path: where });
  }
  for (const [pname, v] of model.namedParameters()) {
    const t = checkpoint.tensors.get(`param:${pname}`);
    if (!t) throw new FlowError('FLOWS_CHECKPOINT_INVALID', `${where}: parameter ${pname} is missing`, { path: where });
    if (t.data.length !== v.size) throw new FlowError('FLOWS_CHECKPOINT_INVALID', `${where}: parameter ${pname} has ${t.data.length} values, expected ${v.size}`, { path: where });
    tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
  }
  model.loadStateDict(checkpoint.manifest.modelState);
}

/** Optimizer moments of a checkpoint, by parameter name (null if it has none). */
export function checkpointOptimizerState(checkpoint: LoadedCheckpoint): AdamWState | null {
  const opt = checkpoint.manifest.optimizer;
  if (!opt) return null;
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const [key, t] of checkpoint.tensors) {
    if (key.startsWith('adamw.m:')) m.set(key.slice(8), t.data);
    else if (key.startsWith('adamw.v:')) v.set(key.slice(8), t.data);
  }
  return { step: opt.step, m, v };
}

/** Build a model from a checkpoint (its own spec) and load its weights: for evaluation and OOD jobs. */
export async function loadFlowModel(dir: string, name = 'best_valid', opts: BuildOptions = {}): Promise<FlowModel> {
  const ckpt = await readCheckpoint(dir, name);
  if (!ckpt) throw new FlowError('FLOWS_CHECKPOINT_INVALID', `no checkpoint ${name} in ${dir}`, { dir, name });
  const model = buildFlowModel(ckpt.manifest.spec, opts);
  restoreModel(model, ckpt);
  return model;
}

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`checkpoint name must be [A-Za-z0-9_-]+, got ${JSON.stringify(name)}`);
}
