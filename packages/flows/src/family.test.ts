import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FamilyRegistry, loadModel, readCheckpoint, restoreFromCheckpoint, saveCheckpoint } from '@dgm-ood/models';
import { buildFlowModel } from './build.js';
import { flowFamily, isFlowModel } from './family.js';
import { flowLatent } from './lid-spectrum.js';
import type { FlowModel } from './model.js';
import { flowPreset, withCouplingWidths } from './presets.js';
import { perturbParameters } from './testing.js';
import { maxAbsDiff, randomTensor, useCpuBackend } from './test-helpers.js';

beforeAll(useCpuBackend);
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flows-family-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const smallSpec = () => withCouplingWidths(flowPreset('rqnsf-grayscale', { seed: 9 }), () => 2);
const registry = new FamilyRegistry([flowFamily]);

describe('the flow model family', () => {
  it('recognises flow model sections and nothing else', () => {
    expect(isFlowModel({ class_path: 'model_zoo.density_estimator.flow.NormalizingFlow' })).toBe(true);
    expect(isFlowModel({ preset: 'rqnsf-grayscale-cpu' })).toBe(true);
    expect(isFlowModel({ class_path: 'model_zoo.density_estimator.diffusions.VPSDE_Diffusion' })).toBe(false);
    expect(isFlowModel({ preset: 'unet-small' })).toBe(false);
    expect(isFlowModel(null)).toBe(false);
  });

  it('reads a spec with a located error for a bad section', () => {
    expect(() => flowFamily.readSpec({ preset: 'rqnsf-nope' }, { path: 'model', seed: 0 })).toThrow(/model\.preset/);
    expect(flowFamily.dataShape(flowFamily.readSpec({ preset: 'rqnsf-grayscale-cpu' }, { path: 'model', seed: 0 }))).toEqual([1, 28, 28]);
  });

  it('checkpoint round trip: the manifest names the family; the reloaded model computes the same log p', async () => {
    const model = buildFlowModel(smallSpec());
    perturbParameters(model, 4, 0.05);
    const saved = await saveCheckpoint(join(dir, 'a', 'checkpoints'), 'best_valid', { family: 'flow', familyFormat: flowFamily.formatVersion, model });
    expect(saved.manifest.family).toBe('flow');
    expect(saved.manifest.tensors.every((t) => t.name.startsWith('param:'))).toBe(true);
    const state = saved.manifest.modelState;
    expect(Object.entries(state).filter(([k]) => k.endsWith('initialized')).every(([, v]) => v === true)).toBe(true);
    expect(Object.keys(state).filter((k) => k.endsWith('permutation'))).toHaveLength(15);

    const ckpt = (await readCheckpoint(join(dir, 'a', 'checkpoints'), 'best_valid'))!;
    const { model: restored } = await restoreFromCheckpoint(ckpt, registry);
    const x = tf.floor(randomTensor([2, 28, 28, 1], 1, { lo: 0, hi: 256 })) as tf.Tensor4D;
    expect(maxAbsDiff((restored as FlowModel).logProb(x, { seed: 3 }), model.logProb(x, { seed: 3 }))).toBe(0);

    const loaded = await loadModel(join(dir, 'a'), registry);
    expect(loaded.family).toBe('flow');
    expect(loaded.source).toMatchObject({ checkpoint: 'best_valid', weights: 'raw' });
    const ll = await loaded.capabilities.logLikelihood!(x, 3);
    const direct = Array.from(await model.logProb(x, { seed: 3 }).data());
    expect(Array.from(ll)).toEqual(direct.map((v) => Math.fround(v)));
    model.dispose();
    restored.dispose();
    loaded.dispose();
  });

  it('jacobianEigen gives the spectrum of jacobianSpectrum and a rotated latent of the same norm', async () => {
    const model = buildFlowModel(smallSpec());
    perturbParameters(model, 8, 0.05);
    const caps = await flowFamily.capabilitiesOf(model);
    const x = tf.floor(randomTensor([1, 28, 28, 1], 3, { lo: 0, hi: 256 })) as tf.Tensor4D;
    const spectrum = await caps.jacobianSpectrum!(x, 5);
    const { values, rotatedLatent } = await caps.jacobianEigen!(x, 5);
    const sorted = Array.from(values).sort((a, b) => a - b);
    const top = spectrum[spectrum.length - 1]!;
    sorted.forEach((v, i) => expect(Math.abs(v - spectrum[i]!)).toBeLessThanOrEqual(1e-9 * top));
    const z = (await flowLatent(model, x, 5).data()) as Float32Array;
    expect(rotatedLatent.reduce((a, b) => a + b * b, 0)).toBeCloseTo(z.reduce((a, b) => a + b * b, 0), 3);
    model.dispose();
  });

  it('reconstruct inverts exactly (up to float32) and score is the gradient of log p', async () => {
    const model = buildFlowModel(smallSpec());
    const caps = await flowFamily.capabilitiesOf(model);
    const x = tf.floor(randomTensor([1, 28, 28, 1], 2, { lo: 0, hi: 256 })) as tf.Tensor4D;
    const rec = await caps.reconstruct!(x, 1);
    // Dequantization noise is below one grey level and the inverse floors it away; an untrained spline flow on
    // uniform noise loses float32 precision at a few extreme pixels, so count the pixels reconstructed exactly.
    const diffs = await tf.abs(tf.sub(rec, x)).data();
    expect(diffs.filter((d) => d <= 1).length / diffs.length).toBeGreaterThan(0.95);
    const score = await caps.score!(x, 1);
    expect(score.shape).toEqual([1, 28, 28, 1]);
    // Directional derivative along the score: (log p(x̃ + h·s) − log p(x̃ − h·s)) / 2h ≈ ‖s‖².
    const xt = model.preprocess(x, { seed: 1 });
    const norm2 = (await tf.sum(tf.square(score)).data())[0]!;
    const h = 1e-4 / Math.sqrt(norm2); // a step of length 1e-4 in x̃ ∈ (0, 1): stays inside the logit's domain
    const [up, down] = await Promise.all([model.flow.logProb(tf.add(xt, tf.mul(score, h))).data(), model.flow.logProb(tf.sub(xt, tf.mul(score, h))).data()]);
    const slope = (up[0]! - down[0]!) / (2 * h);
    // float32 log p of ~10³ nats limits a central difference to a few per cent.
    expect(Math.abs(slope - norm2) / norm2).toBeLessThan(0.1);
    model.dispose();
  });
});
