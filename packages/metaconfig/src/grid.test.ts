import { describe, expect, it } from 'vitest';
import { buildGrid, digitsAt } from './grid.js';
import type { SweptNode } from './sweep-tree.js';
import { PyFloat, type PyValue } from './value.js';

const param = (name: string, values: PyValue[], aliases?: string[]) => ({
  name,
  node: { segments: [name], yamlPath: name, values, constant: false, ...(aliases ? { aliases } : {}) } as SweptNode,
});

describe('grid enumeration (docs/metaconfig-notes.md §1.6)', () => {
  it('orders parameters by code point and varies the last fastest', () => {
    const grid = buildGrid([param('dataset', ['a', 'b']), param('A_width', [1, 2, 3]), param('_z', [true])]);
    expect(grid.parameters.map((p) => p.name)).toEqual(['A_width', '_z', 'dataset']);
    expect(grid.jobCount).toBe(6);
    expect([...Array(6).keys()].map((i) => digitsAt(grid, i))).toEqual([
      [0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 0, 1], [2, 0, 0], [2, 0, 1],
    ]);
  });

  it('collapses duplicate values, comparing integral floats as ints', () => {
    expect(buildGrid([param('p', [3, 4, 3])]).jobCount).toBe(2);
    expect(buildGrid([param('p', [1, new PyFloat(1), '1', true])]).parameters[0]?.values).toEqual([1, '1', true]);
    const maps = [new Map([['a', 1], ['b', 2]]), new Map([['b', 2], ['a', 1]])];
    expect(buildGrid([param('p', maps)]).jobCount).toBe(1);
  });

  it('never collapses aliased values (aliases are unique strings)', () => {
    const grid = buildGrid([param('p', [{} as never, {} as never].map(() => new Map()), ['x1', 'x2'])]);
    expect(grid.jobCount).toBe(2);
    expect(grid.parameters[0]?.sent).toEqual(['x1', 'x2']);
  });

  it('gives one job for a tree without swept nodes', () => {
    const grid = buildGrid([]);
    expect(grid.jobCount).toBe(1);
    expect(digitsAt(grid, 0)).toEqual([]);
  });
});
