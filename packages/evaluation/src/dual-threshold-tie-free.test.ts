import fc from 'fast-check';
import { expect, test } from 'vitest';
import { bruteDualAuc } from './brute-force.test-support.js';
import { dualThresholdFrontier } from './dual-threshold.js';

// Continuous scores (no value repeats within x or within y) take the one-pass path; it must agree with the
// definition: every threshold pair, ordered and walked as the reference does.
const distinctPairs = fc
  .record({ np: fc.integer({ min: 1, max: 20 }), nn: fc.integer({ min: 1, max: 20 }) })
  .chain(({ np, nn }) =>
    fc.record({
      xs: fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: np + nn, maxLength: np + nn }),
      ys: fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: np + nn, maxLength: np + nn }),
      np: fc.constant(np),
    }),
  )
  .map(({ xs, ys, np }) => ({ pos: { x: xs.slice(0, np), y: ys.slice(0, np) }, neg: { x: xs.slice(np), y: ys.slice(np) } }));

test('without ties the one-pass frontier has the brute-force AUC', () => {
  fc.assert(fc.property(distinctPairs, ({ pos, neg }) => {
    expect(dualThresholdFrontier(pos, neg).auc).toBeCloseTo(bruteDualAuc(pos, neg), 12);
  }), { numRuns: 500, seed: 20261206 });
});

test('without ties the one-pass frontier is the same point list as the two-pass one (a repeated value forces that path)', () => {
  fc.assert(fc.property(distinctPairs, ({ pos, neg }) => {
    const fast = dualThresholdFrontier(pos, neg);
    // Doubling every point adds ties (both paths then see the same rates) and takes the two-pass path.
    const twice = (s: { x: number[]; y: number[] }) => ({ x: [...s.x, ...s.x], y: [...s.y, ...s.y] });
    const slow = dualThresholdFrontier(twice(pos), twice(neg));
    expect(fast.fpr).toEqual(slow.fpr);
    expect(fast.tpr).toEqual(slow.tpr);
    expect(fast.auc).toBeCloseTo(slow.auc, 12);
  }), { numRuns: 300, seed: 7 });
});
