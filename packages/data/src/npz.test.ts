import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { openNpz } from './npz.js';
import { encodeNpy, encodeNpz } from './testing/npz-writer.js';

// Written by __fixtures__/npy/make-fixtures.py: np.savez and np.savez_compressed of the same two arrays.
const FIXTURES = join(import.meta.dirname, '__fixtures__/npy');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const IMAGES = Array.from({ length: 60 }, (_, i) => ((i % 100) - 7 + 256) % 256);

describe('openNpz', () => {
  for (const file of ['stored.npz', 'compressed.npz']) {
    it(`reads numpy's ${file} (zip64 local headers${file === 'compressed.npz' ? ', DEFLATE' : ''})`, () => {
      const npz = openNpz(fixture(file));
      expect(npz.keys).toEqual(['images', 'labels']);
      expect(npz.entries.get('images.npy')!.method).toBe(file === 'compressed.npz' ? 8 : 0);
      const images = npz.get('images');
      expect(images.shape).toEqual([3, 4, 5]);
      expect([...images.data]).toEqual(IMAGES);
      expect(npz.get('labels')).toMatchObject({ dtype: 'u1', shape: [3, 2], data: Uint8Array.from([1, 0, 2, 1, 3, 0]) });
    });
  }

  it('reads what the test writer makes (the medmnist dataset tests rely on it)', () => {
    const a = encodeNpy('<i4', [2], Int32Array.from([5, -6]));
    for (const compress of [false, true]) expect([...openNpz(encodeNpz({ a }, { compress })).get('a').data]).toEqual([5, -6]);
  });

  it('names the missing array and the ones it has', () => {
    expect(() => openNpz(fixture('stored.npz')).get('train_images')).toThrow(/^npz: no array "train_images" \(has: images, labels\)$/);
  });
});

describe('openNpz on broken files: FormatError naming the entry and the offset', () => {
  const compressed = fixture('compressed.npz');
  const stored = fixture('stored.npz');
  const npz = (bytes: Uint8Array) => openNpz(bytes);
  const images = npz(stored).entries.get('images.npy')!;
  const dataStart = (bytes: Uint8Array, at: number) => at + 30 + bytes[at + 26]! + (bytes[at + 27]! << 8) + bytes[at + 28]! + (bytes[at + 29]! << 8);
  const flip = (bytes: Uint8Array, at: number) => bytes.map((b, i) => (i === at ? b ^ 0xff : b));
  const cases: [string, () => unknown, RegExp][] = [
    ['a file cut before its directory', () => npz(stored.subarray(0, 300)), /^npz: no end of central directory record .* at offset 300$/],
    ['a few bytes', () => npz(stored.subarray(0, 10)), /^npz: too short for a zip file \(10 bytes\) at offset 10$/],
    ['a flipped byte in stored data (CRC)', () => npz(flip(stored, dataStart(stored, images.localHeaderOffset) + 100)).get('images'), /^npz entry images\.npy: CRC-32 mismatch at offset \d+$/],
    ['a corrupt DEFLATE stream', () => npz(flip(compressed, dataStart(compressed, 0) + 1)).get('images'), /^npz entry images\.npy: (corrupt DEFLATE stream|CRC-32 mismatch|size \d+ differs).* at offset \d+$/],
    ['a bad local header', () => npz(flip(stored, images.localHeaderOffset)).get('images'), /^npz entry images\.npy: bad local header at offset 0$/],
    ['an unknown compression method', () => {
      const bytes = encodeNpz({ a: encodeNpy('|u1', [1], Uint8Array.from([1])) });
      bytes[8] = 12; // local header method: bzip2 (the central directory's is read; patch both)
      const central = bytes.length - 22 - 46 - 5;
      bytes[central + 10] = 12;
      return npz(bytes).get('a');
    }, /^npz entry a\.npy: unsupported compression method 12 .* at offset 8$/],
    ['a truncated entry inside an intact directory', () => {
      const good = encodeNpz({ a: encodeNpy('|u1', [100], new Uint8Array(100)) });
      const view = new DataView(good.buffer);
      view.setUint32(good.length - 22 - 46 - 5 + 20, 5000, true); // compressed size past the end
      return npz(good).get('a');
    }, /^npz entry a\.npy: truncated data \(needs 5000 bytes, has \d+\) at offset \d+$/],
    ['a truncated array inside the entry', () => npz(encodeNpz({ a: encodeNpy('|u1', [4], new Uint8Array(4)).subarray(0, 130) })).get('a'), /^npy a\.npy: truncated data \(4 \|u1 needs 4 bytes, has 2\) at offset 130$/],
  ];
  for (const [label, run, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(run).toThrow(FormatError);
      expect(run).toThrow(message);
    });
  }
});
