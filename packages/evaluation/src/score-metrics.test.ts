import { describe, expect, test } from 'vitest';
import { dualThresholdAuc } from './dual-threshold.js';
import { mulberry32 } from './random.js';
import { rocAuc } from './roc-auc.js';
import { DUAL_THRESHOLD_MIN_RESAMPLES, dualThresholdResamples } from './bootstrap.js';
import { scoreMetrics, type MetricEstimate } from './score-metrics.js';
import { LEGACY_SCORE_SCHEMA, type ScoreSchema } from './score-schema.js';

const noBootstrap = { resamples: 0, seed: 1, level: 0.95 };
const byMetric = (metrics: MetricEstimate[]) => Object.fromEntries(metrics.map((m) => [m.metric, m]));

/** Roughly normal values (sum of 4 uniforms), shifted. */
function normals(n: number, shift: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => random() + random() + random() + random() - 2 + shift);
}

describe('directions', () => {
  const positive = { distance: [1, 2, 3], likelihood: [5, 6, 7] };
  const negative = { distance: [4, 5, 6], likelihood: [1, 2, 3] };
  const schema = (direction: 'higher-is-in-distribution' | 'lower-is-in-distribution'): ScoreSchema => ({
    scores: [
      { name: 'likelihood', label: 'likelihood', direction: 'higher-is-in-distribution' },
      { name: 'distance', label: 'distance', direction },
    ],
    combinations: [{ kind: 'dual-threshold', scores: ['likelihood', 'distance'] }],
  });

  test('a lower-is-in-distribution score counts low values as in-distribution', () => {
    const lower = byMetric(scoreMetrics(schema('lower-is-in-distribution'), [{ positive, negative }], { bootstrap: noBootstrap }));
    const higher = byMetric(scoreMetrics(schema('higher-is-in-distribution'), [{ positive, negative }], { bootstrap: noBootstrap }));
    expect(lower['auc:distance']!.value).toBe(1);
    expect(higher['auc:distance']!.value).toBe(0);
  });

  test('the dual threshold takes each score on its own in-distribution side', () => {
    const pos = { a: normals(40, 0, 1), b: normals(40, 0, 2) };
    const neg = { a: normals(40, 1, 3), b: normals(40, -1, 4) };
    const lowerB: ScoreSchema = {
      scores: [{ name: 'a', label: 'A', direction: 'higher-is-in-distribution' }, { name: 'b', label: 'B', direction: 'lower-is-in-distribution' }],
      combinations: [{ kind: 'dual-threshold', scores: ['a', 'b'] }],
    };
    const dual = byMetric(scoreMetrics(lowerB, [{ positive: pos, negative: neg }], { bootstrap: noBootstrap }))['auc:dual:a+b']!;
    expect(dual).toMatchObject({ kind: 'dual-threshold', scores: ['a', 'b'], label: 'A AND B' });
    expect(dual.value).toBe(dualThresholdAuc({ x: pos.a, y: pos.b.map((v) => -v) }, { x: neg.a, y: neg.b.map((v) => -v) }));
    expect(dual.value).not.toBe(dualThresholdAuc({ x: pos.a, y: pos.b }, { x: neg.a, y: neg.b }));
  });
});

test('the legacy schema yields single AUCs, the dual threshold and max(likelihood AUC, dual AUC)', () => {
  const positive = { log_likelihood: [1, 2, 3, 4], lid: [10, 11, 12, 13] };
  const negative = { log_likelihood: [5, 6, 7, 0], lid: [1, 2, 3, 20] };
  const metrics = scoreMetrics(LEGACY_SCORE_SCHEMA, [{ positive, negative }], { bootstrap: noBootstrap });
  expect(metrics.map((m) => m.metric)).toEqual(['auc:log_likelihood', 'auc:lid', 'auc:dual:log_likelihood+lid', 'auc:max']);
  const m = byMetric(metrics);
  expect(m['auc:log_likelihood']!.value).toBe(rocAuc(positive.log_likelihood, negative.log_likelihood));
  expect(m['auc:lid']!.value).toBe(0.75);
  expect(m['auc:max']!.value).toBe(Math.max(m['auc:log_likelihood']!.value, m['auc:dual:log_likelihood+lid']!.value));
  expect(m['auc:max']!.value).toBeGreaterThan(m['auc:log_likelihood']!.value);
});

test('a score some set lacks is left out with every metric reading it', () => {
  const metrics = scoreMetrics(LEGACY_SCORE_SCHEMA, [{ positive: { log_likelihood: [1, 2] }, negative: { log_likelihood: [0, 3] } }], { bootstrap: noBootstrap });
  expect(metrics.map((m) => [m.metric, m.value])).toEqual([['auc:log_likelihood', 0.5], ['auc:max', 0.5]]);
});

describe('bootstrap intervals', () => {
  const likelihoodOnly: ScoreSchema = { scores: [{ name: 's', label: 's', direction: 'higher-is-in-distribution' }], combinations: [] };
  const pair = (n: number, seed: number) => ({ positive: { s: normals(n, 0.5, seed) }, negative: { s: normals(n, 0, seed + 1) } });

  test('contain the point estimate, for single, dual and max AUCs', () => {
    const replicate = { positive: { log_likelihood: normals(100, 0, 1), lid: normals(100, 0.4, 2) }, negative: { log_likelihood: normals(100, 0.3, 3), lid: normals(100, 0, 4) } };
    const metrics = scoreMetrics(LEGACY_SCORE_SCHEMA, [replicate]);
    expect(metrics).toHaveLength(4);
    for (const m of metrics) {
      expect(m.ci, m.metric).toMatchObject({ level: 0.95, resamples: 200 });
      expect(m.ci!.low, m.metric).toBeLessThanOrEqual(m.value);
      expect(m.ci!.high, m.metric).toBeGreaterThanOrEqual(m.value);
      expect(m.ci!.high - m.ci!.low, m.metric).toBeGreaterThan(0.02);
    }
  });

  test('narrow as the sets grow', () => {
    const width = (n: number) => {
      const ci = scoreMetrics(likelihoodOnly, [pair(n, 10)])[0]!.ci!;
      return ci.high - ci.low;
    };
    const small = width(50);
    const large = width(800);
    expect(large).toBeLessThan(small / 2.5);
  });

  test('are deterministic for a seed and change with it', () => {
    const run = (seed: number) => scoreMetrics(LEGACY_SCORE_SCHEMA, [{ positive: { log_likelihood: normals(60, 0, 5), lid: normals(60, 1, 6) }, negative: { log_likelihood: normals(60, 1, 7), lid: normals(60, 0, 8) } }], { bootstrap: { resamples: 50, seed, level: 0.9 } });
    expect(run(3)).toEqual(run(3));
    expect(run(3)[0]!.ci).not.toEqual(run(4)[0]!.ci);
    expect(run(3)[0]!.ci).toMatchObject({ level: 0.9, resamples: 50 });
  });

  test('none with zero resamples; under the randomised reference protocol only the single AUCs get one', () => {
    const replicate = { positive: { log_likelihood: [1, 2, 3], lid: [3, 2, 1] }, negative: { log_likelihood: [2, 3, 4], lid: [1, 1, 1] } };
    expect(scoreMetrics(LEGACY_SCORE_SCHEMA, [replicate], { bootstrap: noBootstrap }).every((m) => m.ci === null)).toBe(true);
    const reference = scoreMetrics(LEGACY_SCORE_SCHEMA, [replicate], { protocol: { name: 'reference-randomised', computeLimit: 1000, seed: 111 }, bootstrap: { resamples: 20, seed: 1, level: 0.95 } });
    expect(reference.map((m) => [m.metric, m.ci === null])).toEqual([
      ['auc:log_likelihood', false], ['auc:lid', false], ['auc:dual:log_likelihood+lid', true], ['auc:max', true],
    ]);
  });
});

test('several seed replicates: mean, sample std and an interval of the mean', () => {
  const replicates = [
    { positive: { s: [1, 2, 3, 4] }, negative: { s: [0, 0, 0, 0] } }, // AUC 1
    { positive: { s: [1, 2, 3, 4] }, negative: { s: [2.5, 2.5, 2.5, 2.5] } }, // AUC 0.5
    { positive: { s: [1, 2, 3, 4] }, negative: { s: [5, 5, 5, 5] } }, // AUC 0
  ];
  const schema: ScoreSchema = { scores: [{ name: 's', label: 's', direction: 'higher-is-in-distribution' }], combinations: [] };
  const [single] = scoreMetrics(schema, replicates, { bootstrap: { resamples: 100, seed: 2, level: 0.95 } });
  expect(single!.value).toBe(0.5);
  expect(single!.std).toBeCloseTo(0.5, 12);
  expect(single!.ci!.low).toBeLessThanOrEqual(0.5);
  expect(single!.ci!.high).toBeGreaterThanOrEqual(0.5);
  // One seed: no spread.
  expect(scoreMetrics(schema, replicates.slice(0, 1), { bootstrap: noBootstrap })[0]!.std).toBeNull();
});

test('large pairs: dual-threshold intervals use fewer resamples (never under the minimum), single ones all of them', () => {
  expect(dualThresholdResamples(200, [200])).toBe(200);
  expect(dualThresholdResamples(200, [600])).toBe(200);
  expect(dualThresholdResamples(200, [600, 600])).toBe(100);
  expect(dualThresholdResamples(200, [2000])).toBe(DUAL_THRESHOLD_MIN_RESAMPLES);
  const replicate = { positive: { log_likelihood: normals(450, 0, 1), lid: normals(450, 0.4, 2) }, negative: { log_likelihood: normals(450, 0.3, 3), lid: normals(450, 0, 4) } };
  const resamples = scoreMetrics(LEGACY_SCORE_SCHEMA, [replicate], { bootstrap: { resamples: 120, seed: 1, level: 0.95 } }).map((m) => [m.metric, m.ci!.resamples]);
  expect(resamples).toEqual([['auc:log_likelihood', 120], ['auc:lid', 120], ['auc:dual:log_likelihood+lid', 88], ['auc:max', 88]]);
});
