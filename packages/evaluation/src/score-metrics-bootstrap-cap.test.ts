import { expect, test } from 'vitest';
import { DUAL_THRESHOLD_MIN_RESAMPLES, dualThresholdResamples } from './bootstrap.js';
import { mulberry32 } from './random.js';
import { scoreMetrics } from './score-metrics.js';
import { LEGACY_SCORE_SCHEMA } from './score-schema.js';

const normals = (n: number, shift: number, seed: number) => {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => shift + Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random()));
};

test('past the cap a dual-threshold interval is not computed (null), its exact value and the single intervals are', () => {
  expect(dualThresholdResamples(200, [6000])).toBe(DUAL_THRESHOLD_MIN_RESAMPLES);
  expect(dualThresholdResamples(200, [6002])).toBe(0);
  expect(dualThresholdResamples(200, [4300, 4300])).toBe(0);
  const replicate = { positive: { log_likelihood: normals(3001, 0, 1), lid: normals(3001, 0.4, 2) }, negative: { log_likelihood: normals(3001, 0.3, 3), lid: normals(3001, 0, 4) } };
  const metrics = scoreMetrics(LEGACY_SCORE_SCHEMA, [replicate], { bootstrap: { resamples: 20, seed: 1, level: 0.95 } });
  expect(metrics.map((m) => [m.metric, m.ci?.resamples ?? null])).toEqual([
    ['auc:log_likelihood', 20], ['auc:lid', 20], ['auc:dual:log_likelihood+lid', null], ['auc:max', null],
  ]);
  expect(metrics.find((m) => m.kind === 'dual-threshold')!.value).toBeGreaterThan(0.5);
});
