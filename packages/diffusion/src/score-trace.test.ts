import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreAt } from './likelihood.js';
import { hutchinsonProbes, scoreAndTrace } from './score-trace.js';
import { VpSde } from './sde/index.js';
import { analyticScoreNetwork, exactScoreTrace, gaussianData, sampleGaussianData } from './testing/gaussian-score.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sde = new VpSde(0.1, 20);
const g = gaussianData([4, 4, 1], Array.from({ length: 16 }, (_, i) => (i < 10 ? 0.2 + 0.1 * i : 0)), 5);
const t = 0.05;
const f = scoreAt(sde, analyticScoreNetwork(sde, g), t);

describe('score Jacobian trace', () => {
  it('exact: equals the analytic trace −Σ 1/(ψ²λ + σ²), and returns the score itself', async () => {
    const x = sampleGaussianData(g, 3, 1);
    const { value, trace } = await scoreAndTrace(f, x, null, 0, 20); // chunks of 6 unit probes: exercises chunking
    const want = exactScoreTrace(sde, g, t);
    trace.forEach((v) => expect(v / want).toBeCloseTo(1, 4));
    const direct = f(x);
    expect(tf.max(tf.abs(tf.sub(direct, value))).arraySync()).toBeLessThan(1e-5);
    tf.dispose([x, value, direct]);
  });

  it.each(['rademacher', 'gaussian'] as const)('%s Hutchinson: unbiased — the mean over 2,000 probes lies within 3 standard errors of the exact trace', async (kind) => {
    // One point copied 2,000 times, one probe each (a seed per copy): 2,000 independent single-probe estimates.
    const n = 2000;
    const x0 = sampleGaussianData(g, 1, 2);
    const x = tf.tile(x0, [n, 1, 1, 1]);
    const probes = hutchinsonProbes(kind, 1, [4, 4, 1], Array.from({ length: n }, (_, i) => 1000 + i));
    const { value, trace } = await scoreAndTrace(f, x, probes, 1, 4096);
    const mean = trace.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(trace.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    const exact = exactScoreTrace(sde, g, t);
    expect(sd).toBeGreaterThan(0); // the estimates do vary: this really tests an estimator
    expect(Math.abs(mean - exact)).toBeLessThan((3 * sd) / Math.sqrt(n));
    tf.dispose([x0, x, probes, value]);
  });

  it('probes are seeded per point: a point gets the same probes whatever batch it is in', () => {
    const a = hutchinsonProbes('rademacher', 3, [2, 2, 1], [11, 12]);
    const b = hutchinsonProbes('rademacher', 3, [2, 2, 1], [99, 12]);
    expect(Array.from(a.slice([3], [3]).dataSync())).toEqual(Array.from(b.slice([3], [3]).dataSync()));
    expect(Array.from(a.slice([0], [3]).dataSync())).not.toEqual(Array.from(b.slice([0], [3]).dataSync()));
    tf.dispose([a, b]);
  });
});
