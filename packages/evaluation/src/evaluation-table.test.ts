import { expect, test } from 'vitest';
import { evaluatePair } from './evaluation-table.js';

test('a pair evaluation reports naive, dual, max(naive, dual) and LID-alone AUCs', () => {
  const positive = { logLikelihood: [1, 2, 3, 4], lid: [10, 11, 12, 13] };
  const negative = { logLikelihood: [5, 6, 7, 0], lid: [1, 2, 3, 20] };
  const result = evaluatePair(positive, negative);
  expect(result.naiveAuc).toBeCloseTo(0.25, 12);
  expect(result.dualAuc).toBeGreaterThan(result.naiveAuc);
  expect(result.reportedAuc).toBe(Math.max(result.naiveAuc, result.dualAuc));
  expect(result.lidAuc).toBeCloseTo(0.75, 12);
  expect(result).toMatchObject({ positives: 4, negatives: 4, protocol: { name: 'exact' } });
});
