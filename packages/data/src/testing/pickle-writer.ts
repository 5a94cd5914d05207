/**
 * Test helper: writes pickles the way Python 2's cPickle writes the CIFAR "python version" batches
 * (protocol 2; str as SHORT_BINSTRING/BINSTRING; NumPy arrays through the _reconstruct/BUILD pattern;
 * lists appended in batches of 1000; memo puts after each memoisable object). Only what tests need.
 */
export type PyOut =
  | { t: 'str'; v: string } // Python 2 str (bytes), latin-1
  | { t: 'int'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'list'; v: PyOut[] }
  | { t: 'dict'; v: [string, PyOut][] }
  | { t: 'uint8-array'; shape: number[]; data: Uint8Array }
  | { t: 'global'; module: string; name: string } // for hostile-input tests
  | { t: 'reduce'; fn: PyOut; args: PyOut[] }; // for hostile-input tests

export const py = {
  str: (v: string): PyOut => ({ t: 'str', v }),
  int: (v: number): PyOut => ({ t: 'int', v }),
  list: (v: PyOut[]): PyOut => ({ t: 'list', v }),
  ints: (v: ArrayLike<number>): PyOut => ({ t: 'list', v: Array.from(v, (x) => ({ t: 'int', v: x }) as PyOut) }),
  dict: (v: [string, PyOut][]): PyOut => ({ t: 'dict', v }),
  uint8Array: (shape: number[], data: Uint8Array): PyOut => ({ t: 'uint8-array', shape, data }),
};

export function encodePickle(value: PyOut): Uint8Array {
  const chunks: Uint8Array[] = [];
  let memo = 0;
  const globals = new Map<string, number>();
  const bytes = (...b: number[]): void => {
    chunks.push(Uint8Array.from(b));
  };
  const text = (s: string): void => {
    chunks.push(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  };
  const put = () => {
    memo += 1;
    if (memo < 256) bytes(0x71, memo);
    else {
      const b = new Uint8Array(5);
      b[0] = 0x72;
      new DataView(b.buffer).setUint32(1, memo, true);
      chunks.push(b);
    }
  };
  const int = (v: number) => {
    if (v >= 0 && v < 256) bytes(0x4b, v);
    else if (v >= 0 && v < 65536) bytes(0x4d, v & 0xff, v >> 8);
    else {
      const b = new Uint8Array(5);
      b[0] = 0x4a;
      new DataView(b.buffer).setInt32(1, v, true);
      chunks.push(b);
    }
  };
  const str = (s: string | Uint8Array, memoize = true) => {
    const raw = typeof s === 'string' ? Uint8Array.from(s, (c) => c.charCodeAt(0)) : s;
    if (raw.length < 256) bytes(0x55, raw.length);
    else {
      const b = new Uint8Array(5);
      b[0] = 0x54;
      new DataView(b.buffer).setInt32(1, raw.length, true);
      chunks.push(b);
    }
    chunks.push(raw);
    if (memoize) put();
  };
  const global = (module: string, name: string) => {
    const key = `${module}\n${name}\n`;
    const seen = globals.get(key);
    if (seen !== undefined) return bytes(0x68, seen);
    bytes(0x63);
    text(key);
    put();
    globals.set(key, memo);
  };
  const emit = (v: PyOut): void => {
    switch (v.t) {
      case 'str':
        return str(v.v);
      case 'int':
        return int(v.v);
      case 'bool':
        return bytes(v.v ? 0x88 : 0x89);
      case 'none':
        return bytes(0x4e);
      case 'list': {
        bytes(0x5d);
        put();
        for (let i = 0; i < v.v.length; i += 1000) {
          const batch = v.v.slice(i, i + 1000);
          if (batch.length === 1) {
            emit(batch[0]!);
            bytes(0x61);
          } else {
            bytes(0x28);
            batch.forEach(emit);
            bytes(0x65);
          }
        }
        return;
      }
      case 'dict': {
        bytes(0x7d);
        put();
        for (let i = 0; i < v.v.length; i += 1000) {
          bytes(0x28);
          for (const [k, val] of v.v.slice(i, i + 1000)) {
            str(k);
            emit(val);
          }
          bytes(0x75);
        }
        return;
      }
      case 'uint8-array': {
        global('numpy.core.multiarray', '_reconstruct');
        global('numpy', 'ndarray');
        int(0);
        bytes(0x85); // (0,)
        str('b', false);
        bytes(0x87, 0x52); // TUPLE3, REDUCE
        put();
        bytes(0x28); // state: (1, shape, dtype, False, data)
        int(1);
        bytes(0x28);
        v.shape.forEach(int);
        bytes(0x74);
        put();
        global('numpy', 'dtype');
        str('u1', false);
        int(0);
        int(1);
        bytes(0x87, 0x52);
        put();
        bytes(0x28);
        int(3);
        str('|', false);
        bytes(0x4e, 0x4e, 0x4e);
        int(-1);
        int(-1);
        int(0);
        bytes(0x74, 0x62); // TUPLE, BUILD (dtype)
        bytes(0x89); // False (C order)
        str(v.data, false);
        bytes(0x74, 0x62); // TUPLE, BUILD (array)
        return;
      }
      case 'global':
        return global(v.module, v.name);
      case 'reduce':
        emit(v.fn);
        bytes(0x28);
        v.args.forEach(emit);
        bytes(0x74, 0x52);
        return;
    }
  };
  bytes(0x80, 0x02);
  emit(value);
  bytes(0x2e);
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
