import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { parseNpy } from './npy.js';
import { encodeNpy } from './testing/npz-writer.js';

// Written by __fixtures__/npy/make-fixtures.py with numpy's np.save / write_array.
const FIXTURES = join(import.meta.dirname, '__fixtures__/npy');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
/** The fixture script's values: (i % 100) − 7 for element i, cast to the dtype. */
const ramp = (n: number) => Array.from({ length: n }, (_, i) => (i % 100) - 7);

describe('parseNpy on numpy-written files', () => {
  it('reads u1, i1, i2, i4, f4 and f8 in C order, with their shape', () => {
    expect([...parseNpy(fixture('u1.npy')).data]).toEqual(ramp(6).map((v) => (v + 256) % 256));
    for (const code of ['i1', 'i2', 'i4', 'f4', 'f8'] as const) {
      const a = parseNpy(fixture(`${code}.npy`));
      expect(a.dtype).toBe(code);
      expect(a.shape).toEqual([2, 3]);
      expect([...a.data]).toEqual(ramp(6));
    }
  });

  it('reads i8 as BigInt64Array and booleans as 0/1 bytes', () => {
    const i8 = parseNpy(fixture('i8.npy'));
    expect(i8.data).toBeInstanceOf(BigInt64Array);
    expect([...i8.data]).toEqual(ramp(6).map(BigInt));
    const b1 = parseNpy(fixture('b1.npy'));
    expect(b1.dtype).toBe('b1');
    expect([...b1.data]).toEqual(ramp(6).map((v) => (v % 3 === 0 ? 1 : 0)));
  });

  it('reorders a Fortran-order array to C order', () => {
    const a = parseNpy(fixture('f4-fortran.npy'));
    expect(a.shape).toEqual([2, 3, 4]);
    expect([...a.data]).toEqual(ramp(24));
  });

  it('reads a 0-d scalar, an empty array and format versions 2.0 and 3.0', () => {
    expect(parseNpy(fixture('f8-scalar.npy'))).toMatchObject({ shape: [], data: Float64Array.from([2.5]) });
    expect(parseNpy(fixture('u1-empty.npy'))).toMatchObject({ shape: [0, 4], data: new Uint8Array(0) });
    for (const v of ['v2', 'v3']) expect([...parseNpy(fixture(`i2-${v}.npy`)).data]).toEqual(ramp(3));
  });

  it('reads an unaligned header (data offset not a multiple of the element size)', () => {
    const bytes = encodeNpy('<f8', [2], Float64Array.from([1.5, -2]));
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect([...parseNpy(shifted).data]).toEqual([1.5, -2]);
  });
});

describe('parseNpy on broken files: FormatError naming the array and the offset', () => {
  const good = fixture('i4.npy');
  const cases: [string, Uint8Array, RegExp][] = [
    ['a truncated data block', good.subarray(0, good.length - 3), /^npy x: truncated data \(2×3 <i4 needs 24 bytes, has 21\) at offset 149$/],
    ['a truncated header', good.subarray(0, 40), /^npy x: truncated header \(needs 118 bytes, has 30\) at offset 40$/],
    ['a file of a few bytes', good.subarray(0, 5), /^npy x: truncated header \(5 bytes\) at offset 5$/],
    ['trailing bytes', Uint8Array.from([...good, 0, 0]), /^npy x: 2 trailing bytes after the data at offset 152$/],
    ['a bad magic', Uint8Array.from([0x50, 0x4b, ...good.subarray(2)]), /^npy x: bad magic .* at offset 0$/],
    ['an unknown version', Uint8Array.from([...good.subarray(0, 6), 4, 0, ...good.subarray(8)]), /^npy x: unsupported format version 4\.0 at offset 6$/],
    ['a big-endian dtype', fixture('f4-big-endian.npy'), /^npy x: unsupported dtype '>f4' .* at offset 10$/],
    ['an unsupported dtype (u2)', fixture('u2.npy'), /^npy x: unsupported dtype '<u2'/],
    ['a header without a shape', encodeNpy('|u1', [1], Uint8Array.from([1])).map((b, i, a) => (i > 10 && String.fromCharCode(a[i]!) === 's' && String.fromCharCode(a[i + 1]!) === 'h' ? 0x53 : b)), /^npy x: header has no 'shape' tuple/],
  ];
  for (const [label, bytes, message] of cases) {
    it(`rejects ${label}`, () => {
      const run = () => parseNpy(bytes, 'x');
      expect(run).toThrow(FormatError);
      expect(run).toThrow(message);
    });
  }
});
