import { expect, test } from 'vitest';
import { niceTicks, scatterSvg } from './scatter-svg.js';

test('one circle per finite point, a legend entry per series, escaped labels', () => {
  const svg = scatterSvg(
    [
      { label: 'FMNIST test', x: [1, 2, 3], y: [200, 210, 220] },
      { label: 'MNIST <ood>', x: [4, Number.NaN], y: [100, 90] },
    ],
    { title: 'LID vs log-likelihood', xLabel: 'log-likelihood', yLabel: 'LID' },
  );
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.match(/<circle cx="[\d.]+" cy="[\d.]+" r="2.6"\/>/g)).toHaveLength(4);
  expect(svg).toContain('FMNIST test (3)');
  expect(svg).toContain('MNIST &lt;ood&gt; (2)');
});

test('ticks are round numbers inside the range', () => {
  expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
  expect(niceTicks(-1234, 5678, 5)).toEqual([0, 2000, 4000]);
  expect(niceTicks(0.1, 0.95)).toEqual([0.2, 0.4, 0.6, 0.8]);
});
