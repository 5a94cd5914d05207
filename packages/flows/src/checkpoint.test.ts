import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFlowModel } from './build.js';
import { loadFlowModel, readCheckpoint, saveCheckpoint } from './checkpoint.js';
import { FlowError } from './errors.js';
import { flowPreset, withCouplingWidths } from './presets.js';
import { perturbParameters } from './testing.js';
import { maxAbsDiff, randomTensor, useCpuBackend } from './test-helpers.js';

beforeAll(useCpuBackend);
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flows-ckpt-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const smallSpec = () => withCouplingWidths(flowPreset('rqnsf-grayscale', { seed: 9 }), () => 2);

describe('checkpoints (JSON manifest + one Float32 blob)', () => {
  it('round-trip weights, ActNorm state and permutations: the reloaded model computes the same log p', async () => {
    const model = buildFlowModel(smallSpec());
    perturbParameters(model, 4, 0.05);
    const saved = await saveCheckpoint(dir, 'best_valid', { model });
    expect(saved.manifest.tensors.every((t) => t.name.startsWith('param:'))).toBe(true);
    const state = saved.manifest.modelState;
    expect(Object.entries(state).filter(([k]) => k.endsWith('initialized')).every(([, v]) => v === true)).toBe(true);
    expect(Object.keys(state).filter((k) => k.endsWith('permutation'))).toHaveLength(15);

    const loaded = await loadFlowModel(dir, 'best_valid');
    const x = tf.floor(randomTensor([2, 28, 28, 1], 1, { lo: 0, hi: 256 }));
    expect(maxAbsDiff(loaded.logProb(x, { seed: 3 }), model.logProb(x, { seed: 3 }))).toBe(0);
    model.dispose();
    loaded.dispose();
  });

  it('is committed by the manifest rename; older blobs are removed; corruption is detected', async () => {
    const model = buildFlowModel(smallSpec());
    await saveCheckpoint(dir, 'latest', { model });
    perturbParameters(model, 5, 0.05);
    const second = await saveCheckpoint(dir, 'latest', { model });
    const blobs = (await readdir(dir)).filter((f) => f.startsWith('latest.') && f.endsWith('.bin'));
    expect(blobs).toEqual([second.manifest.blob.file]);
    expect((await readdir(dir)).some((f) => f.includes('.tmp-'))).toBe(false);
    const bytes = await readFile(second.blobPath);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(second.blobPath, bytes);
    const err = await readCheckpoint(dir, 'latest').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlowError);
    expect((err as FlowError).code).toBe('FLOWS_CHECKPOINT_INVALID');
    expect((err as FlowError).message).toMatch(/sha256/);
    expect(await readCheckpoint(dir, 'nothing_here')).toBeNull();
    model.dispose();
  });

  it('refuses to load into a model of another spec', async () => {
    const model = buildFlowModel(smallSpec());
    await saveCheckpoint(dir, 'other', { model });
    const ckpt = (await readCheckpoint(dir, 'other'))!;
    const different = buildFlowModel(withCouplingWidths(flowPreset('glow-grayscale'), () => 2));
    const { restoreModel } = await import('./checkpoint.js');
    expect(() => restoreModel(different, ckpt)).toThrow(/different model spec/);
    model.dispose();
    different.dispose();
  });
});
