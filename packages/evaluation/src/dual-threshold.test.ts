import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bruteDualAuc } from './brute-force.test-support.js';
import { dualThresholdAuc, dualThresholdFrontier } from './dual-threshold.js';
import { rocAuc } from './roc-auc.js';

const scores = (maxX: number, maxY: number) =>
  fc.integer({ min: 1, max: 25 }).chain((n) =>
    fc.record({
      x: fc.array(fc.integer({ min: 0, max: maxX }), { minLength: n, maxLength: n }),
      y: fc.array(fc.integer({ min: 0, max: maxY }), { minLength: n, maxLength: n }),
    }),
  );

describe('dualThresholdAuc', () => {
  test('matches brute force over all threshold pairs on random ties-heavy inputs', () => {
    fc.assert(fc.property(scores(6, 4), scores(6, 4), (pos, neg) => {
      expect(dualThresholdAuc(pos, neg)).toBeCloseTo(bruteDualAuc(pos, neg), 12);
    }), { numRuns: 400 });
  });

  test('matches brute force when x has fewer distinct values than y (the swapped sweep)', () => {
    fc.assert(fc.property(scores(2, 30), scores(2, 30), (pos, neg) => {
      expect(dualThresholdAuc(pos, neg)).toBeCloseTo(bruteDualAuc(pos, neg), 12);
    }), { numRuns: 200 });
  });

  test('with a constant second score it is the 1-D ROC-AUC', () => {
    fc.assert(fc.property(scores(8, 0), scores(8, 0), (pos, neg) => {
      expect(dualThresholdAuc(pos, neg)).toBeCloseTo(rocAuc(pos.x, neg.x), 12);
    }), { numRuns: 200 });
  });

  test('the paradox and its fix: OOD more likely but lower LID', () => {
    const pos = { x: [1, 2, 3, 4], y: [10, 11, 12, 13] };
    const neg = { x: [5, 6, 7, 8], y: [1, 2, 3, 4] };
    expect(rocAuc(pos.x, neg.x)).toBe(0);
    expect(dualThresholdAuc(pos, neg)).toBe(1);
  });

  test('the frontier is monotone from (0,0) to (1,1)', () => {
    const f = dualThresholdFrontier({ x: [1, 3, 2, 5], y: [2, 2, 1, 0] }, { x: [2, 4, 0], y: [1, 0, 3] });
    expect([f.fpr[0], f.tpr[0]]).toEqual([0, 0]);
    expect([f.fpr.at(-1), f.tpr.at(-1)]).toEqual([1, 1]);
    for (let i = 1; i < f.fpr.length; i++) {
      expect(f.fpr[i]!).toBeGreaterThanOrEqual(f.fpr[i - 1]!);
      expect(f.tpr[i]!).toBeGreaterThanOrEqual(f.tpr[i - 1]!);
    }
  });

  test('mismatched lengths are refused', () => {
    expect(() => dualThresholdAuc({ x: [1, 2], y: [1] }, { x: [1], y: [1] })).toThrow('positive: x has 2 scores but y has 1');
  });
});
