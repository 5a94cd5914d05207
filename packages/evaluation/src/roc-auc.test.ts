import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bruteRocAuc } from './brute-force.test-support.js';
import { rocAuc, rocCurve } from './roc-auc.js';

const tiesHeavy = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 });

describe('rocAuc', () => {
  test('matches the pairwise definition on random ties-heavy inputs', () => {
    fc.assert(fc.property(tiesHeavy, tiesHeavy, (pos, neg) => {
      expect(rocAuc(pos, neg)).toBeCloseTo(bruteRocAuc(pos, neg), 12);
    }), { numRuns: 300 });
  });

  test('known values: separable, reversed, all tied', () => {
    expect(rocAuc([3, 4], [1, 2])).toBe(1);
    expect(rocAuc([1, 2], [3, 4])).toBe(0); // never flipped
    expect(rocAuc([1, 1], [1, 1, 1])).toBe(0.5);
  });

  test('the trapezoid area of the ROC curve equals the AUC', () => {
    fc.assert(fc.property(tiesHeavy, tiesHeavy, (pos, neg) => {
      const { fpr, tpr } = rocCurve(pos, neg);
      let area = 0;
      for (let i = 1; i < fpr.length; i++) area += (fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!) / 2;
      expect(area).toBeCloseTo(rocAuc(pos, neg), 12);
    }), { numRuns: 100 });
  });

  test('empty or NaN scores are refused with the set and index', () => {
    expect(() => rocAuc([], [1])).toThrow('positive scores are empty');
    expect(() => rocAuc([1], [2, Number.NaN])).toThrow('negative score 1 is NaN');
  });
});
