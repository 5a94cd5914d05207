import { expect, it } from 'vitest';
import { leadingAxes } from './leading-axes-sum.js';

it('recognises a reduction over exactly the leading axes, in any order and sign', () => {
  expect(leadingAxes([2, 3, 4, 5], [0, 1, 2])).toBe(3);
  expect(leadingAxes([2, 3, 4, 5], [2, 0, 1])).toBe(3);
  expect(leadingAxes([2, 3, 4, 5], [-4, -3])).toBe(2);
  expect(leadingAxes([2, 3], 0)).toBe(1);
});

it('leaves every other reduction to tfjs', () => {
  expect(leadingAxes([2, 3, 4, 5], [0, 2])).toBeNull(); // not a prefix
  expect(leadingAxes([2, 3, 4, 5], [1, 2, 3])).toBeNull(); // trailing axes (tfjs's fast case already)
  expect(leadingAxes([2, 3], [0, 1])).toBeNull(); // all axes
  expect(leadingAxes([2, 3], [])).toBeNull();
});
