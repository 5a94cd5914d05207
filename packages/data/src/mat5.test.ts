import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { parseMat5 } from './mat5.js';
import { encodeMat5, type MatVariable } from './testing/mat5-writer.js';

// Written once by scipy 1.17 `scipy.io.savemat(f, {'X': X, 'y': y}, do_compression=…)` with
// X = uint8 (2,2,3,2), X[h,w,c,n] = h + 2w + 4c + 12n + 100 and y = [[10.0], [3.0]] (double).
const SCIPY_PLAIN =
  'TUFUTEFCIDUuMCBNQVQtZmlsZSBQbGF0Zm9ybTogcG9zaXgsIENyZWF0ZWQgb246IEZyaSBOb3YgMjcgMDE6MDQ6MjAgMjAyNgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABSU0OAAAAUAAAAAYAAAAIAAAACQAAAAAAAAAFAAAAEAAAAAIAAAACAAAAAwAAAAIAAAABAAEAWAAAAAIAAAAYAAAAZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7DgAAAEAAAAAGAAAACAAAAAYAAAAAAAAABQAAAAgAAAACAAAAAQAAAAEAAQB5AAAACQAAABAAAAAAAAAAAAAkQAAAAAAAAAhA';
const SCIPY_COMPRESSED =
  'TUFUTEFCIDUuMCBNQVQtZmlsZSBQbGF0Zm9ybTogcG9zaXgsIENyZWF0ZWQgb246IEZyaSBOb3YgMjcgMDE6MDQ6MjAgMjAyNgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABSU0PAAAAQQAAAHic42NgYAgAYjYg5gBiTgYIYAViASBmgmJmKM0IhBFQtgQQp6SmpWdkZmXn5OblFxQWFZeUlpVXVFZVAwC6qgt8DwAAAC0AAAB4nONjYGBwAGI2IOaA0iDACuUzATEjGDMyVAJpTiAWYIABFQcIzeEAADA2AbM=';

const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const columnMajorX = Array.from({ length: 24 }, (_, i) => i + 100); // h + 2w + 4c + 12n + 100

describe('parseMat5 on files written by scipy', () => {
  for (const [label, b64] of [
    ['uncompressed', SCIPY_PLAIN],
    ['miCOMPRESSED', SCIPY_COMPRESSED],
  ] as const) {
    it(`reads uint8 and double arrays (${label})`, () => {
      const mat = parseMat5(fromBase64(b64));
      expect(mat.header).toMatch(/^MATLAB 5\.0 MAT-file/);
      const x = mat.variables.get('X')!;
      expect(x.class).toBe('uint8');
      expect(x.dims).toEqual([2, 2, 3, 2]);
      expect([...x.data]).toEqual(columnMajorX);
      const y = mat.variables.get('y')!;
      expect(y.class).toBe('double');
      expect(y.dims).toEqual([2, 1]);
      expect([...y.data]).toEqual([10, 3]);
    });
  }
});

describe('parseMat5 on files written like MATLAB save -v7', () => {
  const variables: MatVariable[] = [
    { name: 'X', class: 'uint8', dims: [2, 2, 3, 2], data: columnMajorX },
    { name: 'y', class: 'double', dims: [2, 1], data: [10, 3], storeAs: 'uint8' }, // narrow storage, small element
    { name: 'note', class: 'char', dims: [1, 2], data: [104, 105] },
    { name: 'w', class: 'single', dims: [1, 3], data: [1.5, -2, 0.25] },
    { name: 'k', class: 'int32', dims: [1, 2], data: [-7, 70000] },
  ];
  for (const options of [{}, { compress: true }, { bigEndian: true }, { bigEndian: true, compress: true }]) {
    it(`reads numeric variables and lists the rest as unsupported (${JSON.stringify(options)})`, () => {
      const mat = parseMat5(encodeMat5(variables, options));
      expect([...mat.variables.get('X')!.data]).toEqual(columnMajorX);
      const y = mat.variables.get('y')!;
      expect(y.data).toBeInstanceOf(Float64Array);
      expect([...y.data]).toEqual([10, 3]);
      expect([...mat.variables.get('w')!.data]).toEqual([1.5, -2, 0.25]);
      expect([...mat.variables.get('k')!.data]).toEqual([-7, 70000]);
      expect(mat.unsupported.get('note')).toMatch(/char/);
    });
  }
});

describe('parseMat5 rejects corrupt input', () => {
  const good = encodeMat5([{ name: 'X', class: 'uint8', dims: [4, 4], data: new Array(16).fill(1) }]);
  const cases: [string, Uint8Array, RegExp][] = [
    ['a short file', good.subarray(0, 64), /shorter than the 128-byte header/],
    ['a truncated element', good.subarray(0, good.length - 12), /truncated/],
    ['a v7.3 (HDF5) file', Uint8Array.from([...Buffer.from('MATLAB 7.3 MAT-file'), ...new Array(109).fill(0)]), /v7\.3/],
    ['a bad endian indicator', (() => { const b = good.slice(); b[126] = 0x41; return b; })(), /endian indicator/],
    ['corrupt zlib data', (() => {
      const b = encodeMat5([{ name: 'X', class: 'uint8', dims: [4, 4], data: new Array(16).fill(1) }], { compress: true });
      b.fill(0x55, 140, 150);
      return b;
    })(), /compressed element .* corrupt/],
  ];
  for (const [label, bytes, message] of cases) {
    it(label, () => {
      expect(() => parseMat5(bytes)).toThrow(FormatError);
      expect(() => parseMat5(bytes)).toThrow(message);
    });
  }
});
