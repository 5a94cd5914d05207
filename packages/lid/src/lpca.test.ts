import { expect, test } from 'vitest';
import { covariance, lpcaDimensionFromCovariance } from './lpca.js';

test('LPCA finds the dimension of data on a known linear subspace', () => {
  // 400 points on a 3-dimensional subspace of R^12, plus noise far below alpha × the largest variance.
  let s = 3;
  const random = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  const basis = Array.from({ length: 3 }, () => Array.from({ length: 12 }, random));
  const rows = 400;
  const data = new Float64Array(rows * 12);
  for (let r = 0; r < rows; r++) {
    const coefficients = [random() * 100, random() * 60, random() * 40];
    for (let j = 0; j < 12; j++) {
      data[r * 12 + j] = coefficients.reduce((sum, c, k) => sum + c * basis[k]![j]!, 0) + random() * 0.01;
    }
  }
  expect(lpcaDimensionFromCovariance(covariance(data, rows, 12), 12)).toBe(3);
});

test('covariance is the N−1 sample covariance', () => {
  const cov = covariance([1, 2, 3, 6], 2, 2);
  expect(Array.from(cov)).toEqual([2, 4, 4, 8]);
});
