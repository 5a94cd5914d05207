import { deflateSync } from 'node:zlib';

/**
 * Test helper: writes Level 5 MAT-files like MATLAB's `save -v7` / scipy's `savemat` do: a 128-byte header,
 * one miMATRIX element per variable (zlib-wrapped in miCOMPRESSED when `compress`), small-data-element tags
 * for ≤ 4-byte payloads, 8-byte padding. Data is given in column-major order.
 */
export interface MatVariable {
  name: string;
  class: 'double' | 'uint8' | 'int32' | 'single' | 'char';
  dims: number[];
  /** Column-major values (for 'char': char codes). */
  data: ArrayLike<number>;
  /** Storage type for the values; default the class's own. MATLAB stores integer doubles as uint8, e.g. */
  storeAs?: 'double' | 'uint8' | 'int32' | 'single' | 'uint16';
}

const CLASS_ID = { double: 6, single: 7, uint8: 9, int32: 12, char: 4 } as const;
const MI = { uint8: 2, uint16: 4, int32: 5, uint32: 6, single: 7, double: 9, matrix: 14, compressed: 15, int8: 1 } as const;
const SIZE: Record<number, number> = { 1: 1, 2: 1, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8 };

function encodeValues(type: number, values: ArrayLike<number>, little: boolean): Uint8Array {
  const size = SIZE[type]!;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const o = i * size;
    if (type === MI.uint8) out[o] = v;
    else if (type === MI.int8) view.setInt8(o, v);
    else if (type === MI.uint16) view.setUint16(o, v, little);
    else if (type === MI.int32) view.setInt32(o, v, little);
    else if (type === MI.uint32) view.setUint32(o, v, little);
    else if (type === MI.single) view.setFloat32(o, v, little);
    else view.setFloat64(o, v, little);
  }
  return out;
}

function element(type: number, body: Uint8Array, little: boolean): Uint8Array {
  if (body.length <= 4 && type !== MI.matrix) {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setUint32(0, (body.length << 16) | type, little);
    out.set(body, 4);
    return out;
  }
  const padded = Math.ceil(body.length / 8) * 8;
  const out = new Uint8Array(8 + padded);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, little);
  view.setUint32(4, body.length, little);
  out.set(body, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function matrix(v: MatVariable, little: boolean): Uint8Array {
  const flags = new Uint8Array(8);
  new DataView(flags.buffer).setUint32(0, CLASS_ID[v.class], little);
  const store = v.storeAs ?? (v.class === 'char' ? 'uint16' : v.class);
  const body = concat([
    element(MI.uint32, flags, little),
    element(MI.int32, encodeValues(MI.int32, v.dims, little), little),
    element(MI.int8, Uint8Array.from(v.name, (c) => c.charCodeAt(0)), little),
    element(MI[store], encodeValues(MI[store], v.data, little), little),
  ]);
  return element(MI.matrix, body, little);
}

export function encodeMat5(variables: MatVariable[], options: { compress?: boolean; bigEndian?: boolean } = {}): Uint8Array {
  const little = !options.bigEndian;
  const header = new Uint8Array(128).fill(0x20);
  const text = 'MATLAB 5.0 MAT-file, Platform: test, Created by: @dgm-ood/data tests';
  header.set(Uint8Array.from(text, (c) => c.charCodeAt(0)));
  header.fill(0, 116, 124); // no subsystem data
  const hv = new DataView(header.buffer);
  hv.setUint16(124, 0x0100, little);
  header.set(little ? [0x49, 0x4d] : [0x4d, 0x49], 126); // 'IM' written in the file's byte order
  const parts: Uint8Array[] = [header];
  for (const v of variables) {
    const m = matrix(v, little);
    if (options.compress) {
      const z = deflateSync(m);
      const tag = new Uint8Array(8);
      const tv = new DataView(tag.buffer);
      tv.setUint32(0, MI.compressed, little);
      tv.setUint32(4, z.length, little);
      parts.push(tag, z);
    } else parts.push(m);
  }
  return concat(parts);
}
