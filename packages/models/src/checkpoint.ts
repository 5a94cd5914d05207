/**
 * Checkpoints of any model family: a JSON manifest plus one little-endian Float32 blob.
 *
 *   <dir>/<name>.json             manifest: format, family + its format version, spec, tensor table, model
 *                                 state, and the trainer's state (optimizer, schedule, progress, EMA)
 *   <dir>/<name>.<sha256:16>.bin  every tensor back to back (parameters, optimizer moments, EMA weights)
 *
 * The blob is named by its content hash and written first; the manifest is then written to a temporary file
 * and renamed over the old one, which is the commit point. A crash at any moment leaves the previous
 * checkpoint loadable. Blobs no longer referenced by the manifest are removed after the commit.
 */
import { sortedJson } from '@dgm-ood/config/sorted-json';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { JsonValue, ModelStateValue, TrainableModel } from './contract.js';
import { ModelError } from './errors.js';

export const CHECKPOINT_FORMAT = 'dgm-ood/checkpoint@1';
/** Flow checkpoints written before model families existed: read as family `flow`, format 1. */
export const LEGACY_FLOW_CHECKPOINT_FORMAT = 'dgm-ood/flow-checkpoint@1';

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte offset in the blob. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

/** Which weights OOD methods load from a checkpoint: the trained ones or their exponential moving average. */
export type WeightsKind = 'raw' | 'ema';

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  name: string;
  createdAt: string;
  family: string;
  familyFormat: number;
  spec: JsonValue;
  blob: { file: string; bytes: number; sha256: string };
  /** Parameters ("param:<name>"), EMA weights ("ema:<name>") and the trainer's tensors (e.g. "adamw.m:<name>"). */
  tensors: TensorEntry[];
  modelState: Record<string, ModelStateValue>;
  /** The weights OOD methods load by default. */
  weights: WeightsKind;
  /** The trainer's own state (optimizer, schedule, progress, EMA settings); opaque to this module. */
  trainer: JsonValue;
}

export interface SaveCheckpointInput {
  family: string;
  familyFormat: number;
  model: TrainableModel;
  /** Tensors besides the parameters, by full entry name (e.g. "adamw.m:<param>", "ema:<param>"). */
  extraTensors?: Iterable<[string, { shape: number[]; data: Float32Array }]>;
  weights?: WeightsKind;
  trainer?: JsonValue;
  /** Leave the previous blobs in place (the caller removes them with removeOldBlobs once it is safe). */
  keepOldBlobs?: boolean;
}

export interface SavedCheckpoint {
  manifestPath: string;
  blobPath: string;
  manifest: CheckpointManifest;
}

export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  manifestPath: string;
}

export async function saveCheckpoint(dir: string, name: string, input: SaveCheckpointInput): Promise<SavedCheckpoint> {
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
  for (const [pname, v] of input.model.namedParameters()) add(`param:${pname}`, v.shape, (await v.data()) as Float32Array);
  for (const [entryName, t] of input.extraTensors ?? []) add(entryName, t.shape, t.data);
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
    family: input.family,
    familyFormat: input.familyFormat,
    spec: input.model.spec as JsonValue,
    blob: { file: blobFile, bytes: blob.length, sha256 },
    tensors,
    modelState: input.model.stateDict(),
    weights: input.weights ?? 'raw',
    trainer: input.trainer ?? null,
  };
  const manifestPath = join(dir, `${name}.json`);
  await writeAtomically(manifestPath, JSON.stringify(manifest, null, 1));
  if (!input.keepOldBlobs) await removeOldBlobs(dir, name, blobFile);
  return { manifestPath, blobPath, manifest };
}

/**
 * Deletes the blobs of checkpoint `name` other than `keep`: garbage once the manifest points at `keep`. A caller
 * that copies checkpoints elsewhere (an artifact store) deletes them only after recording the new manifest there.
 */
export async function removeOldBlobs(dir: string, name: string, keep: string): Promise<void> {
  for (const f of await readdir(dir)) {
    if (f !== keep && f.startsWith(`${name}.`) && f.endsWith('.bin') && /^[0-9a-f]{16}$/.test(f.slice(name.length + 1, -4))) {
      await rm(join(dir, f), { force: true });
    }
  }
}

/** A legacy flow manifest, mapped onto the current one (its optimizer/schedule/training become `trainer`). */
function fromLegacyFlow(raw: Record<string, unknown>): CheckpointManifest {
  const { format: _format, optimizer, schedule, training, ...rest } = raw;
  return {
    ...(rest as Omit<CheckpointManifest, 'format' | 'family' | 'familyFormat' | 'weights' | 'trainer'>),
    format: CHECKPOINT_FORMAT,
    family: 'flow',
    familyFormat: 1,
    weights: 'raw',
    trainer: { optimizer: optimizer ?? null, schedule: schedule ?? null, progress: training ?? null, ema: null } as JsonValue,
  };
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
  const bad = (msg: string) => new ModelError('MODELS_CHECKPOINT_INVALID', `${manifestPath}: ${msg}`, { path: manifestPath });
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw bad(`not valid JSON (${(e as Error).message})`);
  }
  let manifest: CheckpointManifest;
  if (raw.format === LEGACY_FLOW_CHECKPOINT_FORMAT) manifest = fromLegacyFlow(raw);
  else if (raw.format === CHECKPOINT_FORMAT) manifest = raw as unknown as CheckpointManifest;
  else throw bad(`unknown format ${JSON.stringify(raw.format)}, expected ${CHECKPOINT_FORMAT}`);
  if (typeof manifest.family !== 'string' || !Number.isInteger(manifest.familyFormat)) throw bad('the manifest names no model family and format version');
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

/** Tensors of a checkpoint whose entry names start with `prefix`, keyed by the rest of the name. */
export function tensorsWithPrefix(checkpoint: LoadedCheckpoint, prefix: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [key, t] of checkpoint.tensors) if (key.startsWith(prefix)) out.set(key.slice(prefix.length), t.data);
  return out;
}

/**
 * Copy a checkpoint's weights (`raw` parameters or their `ema` average) and state into a model built from the
 * same spec.
 */
export function restoreModel(model: TrainableModel, checkpoint: LoadedCheckpoint, weights: WeightsKind = 'raw'): void {
  const where = checkpoint.manifestPath;
  // Key order is not part of a spec: a spec read back from JSON may list its keys differently.
  if (sortedJson(model.spec) !== sortedJson(checkpoint.manifest.spec)) {
    throw new ModelError('MODELS_CHECKPOINT_INVALID', `${where}: the checkpoint was written for a different model spec`, { path: where });
  }
  const prefix = weights === 'ema' ? 'ema:' : 'param:';
  for (const [pname, v] of model.namedParameters()) {
    const t = checkpoint.tensors.get(`${prefix}${pname}`);
    if (!t) throw new ModelError('MODELS_CHECKPOINT_INVALID', `${where}: ${weights === 'ema' ? 'EMA weight' : 'parameter'} ${pname} is missing`, { path: where });
    if (t.data.length !== v.size) throw new ModelError('MODELS_CHECKPOINT_INVALID', `${where}: parameter ${pname} has ${t.data.length} values, expected ${v.size}`, { path: where });
    tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
  }
  model.loadStateDict(checkpoint.manifest.modelState);
}

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`checkpoint name must be [A-Za-z0-9_-]+, got ${JSON.stringify(name)}`);
}
