import { describe, expect, it } from 'vitest';
import { splitDispatchGroups, splitLayout } from './split-v.js';

describe('splitLayout', () => {
  it('places each part as a column range of the input viewed as [outer, rowLength]', () => {
    // [2, 5, 3] split on axis 1 into 1, 4: rows of 15, parts at columns [0, 3) and [3, 15).
    expect(splitLayout([2, 5, 3], 1, [1, 4])).toEqual({ outer: 2, rowLength: 15, parts: [{ start: 0, width: 3 }, { start: 3, width: 12 }] });
    // The first axis: one row; the last axis: inner size 1.
    expect(splitLayout([4, 2], 0, [1, 3])).toEqual({ outer: 1, rowLength: 8, parts: [{ start: 0, width: 2 }, { start: 2, width: 6 }] });
    expect(splitLayout([3, 6], 1, [2, 2, 2])).toEqual({ outer: 3, rowLength: 6, parts: [{ start: 0, width: 2 }, { start: 2, width: 2 }, { start: 4, width: 2 }] });
  });
});

describe('splitDispatchGroups', () => {
  it('takes consecutive parts, perDispatch at a time, the last group holding the rest', () => {
    expect(splitDispatchGroups(14, 7)).toEqual([[0, 1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12, 13]]);
    expect(splitDispatchGroups(5, 3)).toEqual([[0, 1, 2], [3, 4]]);
    expect(splitDispatchGroups(2, 7)).toEqual([[0, 1]]);
    expect(splitDispatchGroups(3, 1)).toEqual([[0], [1], [2]]);
  });
});
