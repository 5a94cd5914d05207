import fc from 'fast-check';
import { expect, test } from 'vitest';
import { bruteDualAuc } from './brute-force.test-support.js';
import { referenceDualThresholdAuc } from './reference-protocol.js';
import { rocAuc } from './roc-auc.js';

const scores = fc.integer({ min: 1, max: 15 }).chain((n) =>
  fc.record({
    x: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n, maxLength: n }),
    y: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
  }),
);

test('with the whole grid evaluated, the reference protocol equals the exact dual-threshold AUC', () => {
  fc.assert(fc.property(scores, scores, (pos, neg) => {
    const result = referenceDualThresholdAuc(pos, neg, { computeLimit: 1_000_000 });
    expect(result.dualAuc).toBeCloseTo(bruteDualAuc(pos, neg), 12);
    expect(result.reportedAuc).toBeCloseTo(Math.max(result.dualAuc, rocAuc(pos.x, neg.x)), 12);
  }), { numRuns: 200 });
});

test('subsampling is seeded: same seed, same AUC; never above the exact one', () => {
  const rng = (i: number) => Math.sin(i * 12.9898) * 43758.5453 % 1;
  const pos = { x: Array.from({ length: 300 }, (_, i) => rng(i)), y: Array.from({ length: 300 }, (_, i) => Math.round(rng(i + 1000) * 50)) };
  const neg = { x: Array.from({ length: 300 }, (_, i) => rng(i + 2000) + 0.2), y: Array.from({ length: 300 }, (_, i) => Math.round(rng(i + 3000) * 40)) };
  const a = referenceDualThresholdAuc(pos, neg, { computeLimit: 2000, seed: 111 });
  const b = referenceDualThresholdAuc(pos, neg, { computeLimit: 2000, seed: 111 });
  expect(a).toEqual(b);
  expect(a.pairsEvaluated).toBe(2000);
  expect(a.dualAuc).toBeLessThanOrEqual(referenceDualThresholdAuc(pos, neg, { computeLimit: 1e9 }).dualAuc + 1e-12);
});
