/**
 * Closed form: points on a union of affine subspaces of dimensions 2, 5 and 10 in D = 32 (off-manifold noise
 * η = 1e-3), with the exact score of the VP (and VE) marginal. FLIPD at small t₀ and the normal-bundle estimator
 * must both recover each point's dimension.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { VeSde } from '../sde/ve-sde.js';
import { VpSde } from '../sde/vp-sde.js';
import { sampleSubspaceMixture, subspaceMixture, subspaceMixtureScore } from '../testing/subspace-mixture.js';
import { flipd, flipdTerms } from './flipd.js';
import { normalBundleLid, normalBundleSpectra } from './normal-bundle.js';

const D = 32;
const DIMS = [2, 5, 10];
const PER = 12;
const mixture = subspaceMixture(D, DIMS, 1e-3, 7);
const truth = DIMS.flatMap((d) => Array<number>(PER).fill(d));
let points: tf.Tensor2D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  points = sampleSubspaceMixture(mixture, PER, 11);
});

const mae = (lid: ArrayLike<number>) => Array.from(lid).reduce((s, v, i) => s + Math.abs(v - truth[i]!), 0) / truth.length;

describe('flipd on a union of subspaces (exact score of the marginal)', () => {
  it('recovers each point’s dimension with the exact trace, for VP and for VE', async () => {
    const vp = new VpSde();
    const vpLid = await flipd((y, t) => subspaceMixtureScore(vp, mixture)(y, t) as tf.Tensor2D, points, { sde: 'vp', t0: 0.01, trace: 'exact' });
    expect(mae(vpLid)).toBeLessThanOrEqual(0.5);
    // VE with the reference's g range: σ(t₀) ≈ 0.045 at t₀ = 0.3, well above η and well below the data's scale.
    const ve = new VeSde(-10, 10);
    const t0 = (Math.log(0.002 + Math.exp(-10)) + 10) / 20;
    const veLid = await flipd((y, t) => subspaceMixtureScore(ve, mixture)(y, t) as tf.Tensor2D, points, { sde: 've', gMin: -10, gMax: 10, t0, trace: 'exact' });
    expect(mae(veLid)).toBeLessThanOrEqual(0.5);
    // Far from the data's scale (t₀ large) the estimate is no longer the dimension: the test can fail.
    const blurred = await flipd((y, t) => subspaceMixtureScore(vp, mixture)(y, t) as tf.Tensor2D, points, { sde: 'vp', t0: 0.5, trace: 'exact' });
    expect(mae(blurred)).toBeGreaterThan(2);
  });

  it('Hutchinson estimates converge to the exact trace as probes are added', async () => {
    const vp = new VpSde();
    const score = subspaceMixtureScore(vp, mixture);
    const errors: Record<number, number> = {};
    for (const k of [1, 10, 50]) {
      const terms = await flipdTerms(vp, score, points, 0.01, { hutchinson: k, seed: 3 }, null);
      errors[k] = mae(terms.lid);
    }
    // Gaussian probes: the estimate's std is σ²·‖∇s‖_F·√(2/k) ≈ √(2(D − d)/k).
    expect(errors[1]!).toBeLessThan(9);
    expect(errors[10]!).toBeLessThan(3);
    expect(errors[50]!).toBeLessThan(1.5);
    expect(errors[50]!).toBeLessThan(errors[1]!);
    console.info(`FLIPD Hutchinson MAE (D = 32, d ∈ {2, 5, 10}, 36 points): 1 probe ${errors[1]!.toFixed(2)}, 10 probes ${errors[10]!.toFixed(2)}, 50 probes ${errors[50]!.toFixed(2)}`);
  });

  it('probes are per point: a point’s estimate does not depend on its batch', async () => {
    const vp = new VpSde();
    const score = (y: tf.Tensor2D, t: number) => subspaceMixtureScore(vp, mixture)(y, t) as tf.Tensor2D;
    const all = await flipd(score, points, { sde: 'vp', t0: 0.01, trace: { hutchinson: 4, seed: 9 } });
    const first = await flipd(score, tf.slice(points, [0, 0], [3, D]), { sde: 'vp', t0: 0.01, trace: { hutchinson: 4, seed: 9 } });
    first.forEach((v, i) => expect(v).toBeCloseTo(all[i]!, 4));
  });
});

describe('the normal-bundle estimator on the same data', () => {
  it('recovers the dimensions by the largest spectral gap, and by a threshold between the two groups (not by one below both)', async () => {
    const vp = new VpSde();
    const spectra = await normalBundleSpectra(vp, subspaceMixtureScore(vp, mixture), points, { t0: 0.01, numScores: 4 * D, seed: 5 });
    expect(spectra.map((s) => normalBundleLid(s, null))).toEqual(truth);
    // Normal directions ≈ (β/σ)·√n each (here 37–48); the tangent space holds one direction of the drift's
    // point-dependent offset (β/2)·(a − μ_T) (up to ≈ 13) and otherwise values near 0. e^{−2·scale} = 20 (scale −1.5)
    // lies between the groups; e^{−2·0} = 1 does not, and counts the offset direction as normal.
    expect(spectra.map((s) => normalBundleLid(s, -1.5))).toEqual(truth);
    expect(spectra.map((s) => normalBundleLid(s, 0))).toEqual(truth.map((d) => d - 1));
  });

  it('draws each copy’s noise from its own seed: the spectrum does not depend on the chunk size', async () => {
    const vp = new VpSde();
    const one = tf.slice(points, [0, 0], [1, D]);
    const options = { t0: 0.01, numScores: 2 * D, seed: 9 };
    const [whole] = await normalBundleSpectra(vp, subspaceMixtureScore(vp, mixture), one, { ...options, chunk: 2 * D });
    const [pieces] = await normalBundleSpectra(vp, subspaceMixtureScore(vp, mixture), one, { ...options, chunk: 7 });
    const [other] = await normalBundleSpectra(vp, subspaceMixtureScore(vp, mixture), one, { ...options, seed: 10, chunk: 7 });
    one.dispose();
    for (let j = 0; j < D; j++) expect(pieces![j]).toBeCloseTo(whole![j]!, 3);
    expect(Math.abs(other![0]! - whole![0]!)).toBeGreaterThan(1e-3);
  });
});
