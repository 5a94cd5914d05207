import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { ndarrayValues, restrictedUnpickle, type NdArray, type PyDict, type PyList } from './pickle.js';
import { encodePickle, py, type PyOut } from './testing/pickle-writer.js';

// Produced once with CPython 3.11 + NumPy 1.24:
//   d = {b'labels': [3, 1, 200, 70000], b'data': np.arange(12, dtype=np.uint8).reshape(2, 6) * 20,
//        'name': 'x', b'flag': False}
//   base64.b64encode(pickle.dumps(d, protocol=P))
const PY3_PROTO2 =
  'gAJ9cQAoY19jb2RlY3MKZW5jb2RlCnEBWAYAAABsYWJlbHNxAlgGAAAAbGF0aW4xcQOGcQRScQVdcQYoSwNLAUvISnARAQBlaAFYBAAAAGRhdGFxB2gDhnEIUnEJY251bXB5LmNvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQpjbnVtcHkKbmRhcnJheQpxC0sAhXEMaAFYAQAAAGJxDWgDhnEOUnEPh3EQUnERKEsBSwJLBoZxEmNudW1weQpkdHlwZQpxE1gCAAAAdTFxFImIh3EVUnEWKEsDWAEAAAB8cRdOTk5K/////0r/////SwB0cRhiiWgBWBEAAAAAFCg8UGR4wozCoMK0w4jDnHEZaAOGcRpScRt0cRxiWAQAAABuYW1lcR1YAQAAAHhxHmgBWAQAAABmbGFncR9oA4ZxIFJxIYl1Lg==';
const PY3_PROTO4 =
  'gASVzAAAAAAAAAB9lChDBmxhYmVsc5RdlChLA0sBS8hKcBEBAGVDBGRhdGGUjBVudW1weS5jb3JlLm11bHRpYXJyYXmUjAxfcmVjb25zdHJ1Y3SUk5SMBW51bXB5lIwHbmRhcnJheZSTlEsAhZRDAWKUh5RSlChLAUsCSwaGlGgHjAVkdHlwZZSTlIwCdTGUiYiHlFKUKEsDjAF8lE5OTkr/////Sv////9LAHSUYolDDAAUKDxQZHiMoLTI3JR0lGKMBG5hbWWUjAF4lEMEZmxhZ5SJdS4=';
// {'f': np.array([[1.5, -2.0], [3.25, 4.0]], dtype='>f8'), 'i': np.array([-1, 2**40], dtype='<i8')}, protocol 2
const PY3_NUMERIC =
  'gAJ9cQAoWAEAAABmcQFjbnVtcHkuY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVjdApxAmNudW1weQpuZGFycmF5CnEDSwCFcQRjX2NvZGVjcwplbmNvZGUKcQVYAQAAAGJxBlgGAAAAbGF0aW4xcQeGcQhScQmHcQpScQsoSwFLAksChnEMY251bXB5CmR0eXBlCnENWAIAAABmOHEOiYiHcQ9ScRAoSwNYAQAAAD5xEU5OTkr/////Sv////9LAHRxEmKJaAVYIgAAAD/DuAAAAAAAAMOAAAAAAAAAAEAKAAAAAAAAQBAAAAAAAABxE2gHhnEUUnEVdHEWYlgBAAAAaXEXaAJoA0sAhXEYaAmHcRlScRooSwFLAoVxG2gNWAIAAABpOHEciYiHcR1ScR4oSwNYAQAAADxxH05OTkr/////Sv////9LAHRxIGKJaAVYGAAAAMO/w7/Dv8O/w7/Dv8O/w78AAAAAAAEAAHEhaAeGcSJScSN0cSRidS4=';

const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

function asDict(v: unknown): Map<string, unknown> {
  expect((v as PyDict).kind).toBe('dict');
  return (v as PyDict).entries;
}

describe('restrictedUnpickle on pickles written by CPython', () => {
  for (const [label, b64] of [
    ['protocol 2 (bytes via _codecs.encode)', PY3_PROTO2],
    ['protocol 4 (framing, STACK_GLOBAL, MEMOIZE)', PY3_PROTO4],
  ] as const) {
    it(`reads a dict of list/ndarray/str/bool, ${label}`, () => {
      const d = asDict(restrictedUnpickle(fromBase64(b64)));
      expect([...d.keys()].sort()).toEqual(['data', 'flag', 'labels', 'name']);
      expect((d.get('labels') as PyList).items).toEqual([3, 1, 200, 70000]);
      expect(d.get('name')).toBe('x');
      expect(d.get('flag')).toBe(false);
      const arr = d.get('data') as NdArray;
      expect(arr.shape).toEqual([2, 6]);
      expect(arr.dtype?.code).toBe('u1');
      expect([...ndarrayValues(arr)]).toEqual(Array.from({ length: 12 }, (_, i) => i * 20));
    });
  }

  it('honours dtype byte order for wider numeric arrays', () => {
    const d = asDict(restrictedUnpickle(fromBase64(PY3_NUMERIC)));
    expect([...ndarrayValues(d.get('f') as NdArray)]).toEqual([1.5, -2, 3.25, 4]);
    expect([...ndarrayValues(d.get('i') as NdArray)]).toEqual([-1, 2 ** 40]);
  });
});

describe('restrictedUnpickle on the CIFAR layout (Python 2 cPickle style)', () => {
  it('reads str keys, a uint8 array built by _reconstruct and int lists in APPENDS batches', () => {
    const data = Uint8Array.from({ length: 2 * 3072 }, (_, i) => (i * 13) % 256);
    const labels = Array.from({ length: 2500 }, (_, i) => i % 100); // > 1000: several APPENDS batches
    const bytes = encodePickle(
      py.dict([
        ['batch_label', py.str('training batch 1 of 5')],
        ['labels', py.ints(labels)],
        ['data', py.uint8Array([2, 3072], data)],
        ['filenames', py.list([py.str('a.png'), py.str('b.png')])],
      ]),
    );
    const d = asDict(restrictedUnpickle(bytes));
    expect(new TextDecoder('latin1').decode(d.get('batch_label') as Uint8Array)).toBe('training batch 1 of 5');
    expect((d.get('labels') as PyList).items).toEqual(labels);
    const arr = d.get('data') as NdArray;
    expect(arr.shape).toEqual([2, 3072]);
    expect(ndarrayValues(arr)).toEqual(data);
  });
});

describe('restrictedUnpickle refuses anything else', () => {
  const hostile: [string, PyOut | Uint8Array, RegExp][] = [
    ['os.system', { t: 'reduce', fn: { t: 'global', module: 'os', name: 'system' }, args: [py.str('echo hi')] }, /refusing global os\.system/],
    ['builtins.eval', { t: 'global', module: 'builtins', name: 'eval' }, /refusing global builtins\.eval/],
    ['ndarray class stored as data', py.dict([['x', { t: 'global', module: 'numpy', name: 'ndarray' }]]), /used as a value/],
    ['REDUCE on numpy.ndarray', { t: 'reduce', fn: { t: 'global', module: 'numpy', name: 'ndarray' }, args: [] }, /REDUCE on numpy\.ndarray/],
    ['protocol 0 INST opcode', Uint8Array.from([0x28, 0x69, ...Buffer.from('os\nsystem\n'), 0x2e]), /opcode 0x69/],
    ['protocol 5', Uint8Array.from([0x80, 0x05, 0x4e, 0x2e]), /protocol 5/],
    ['a truncated file', Uint8Array.from([0x80, 0x02, 0x55, 0x09, 0x61]), /truncated/],
  ];
  for (const [label, input, message] of hostile) {
    it(label, () => {
      const bytes = input instanceof Uint8Array ? input : encodePickle(input);
      expect(() => restrictedUnpickle(bytes)).toThrow(FormatError);
      expect(() => restrictedUnpickle(bytes)).toThrow(message);
    });
  }
});
