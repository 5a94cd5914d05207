import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { parseIdx, parseIdxImagesAndLabels } from './idx.js';
import { encodeIdx } from './testing/idx-writer.js';

const images = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 11) % 256);
const labels = Uint8Array.from([7, 0, 9]);

describe('parseIdx', () => {
  for (const gzip of [false, true]) {
    it(`reads a ${gzip ? 'gzipped' : 'raw'} IDX file (gzip detected by content)`, () => {
      const parsed = parseIdx(encodeIdx([3, 4, 5], images, { gzip }));
      expect(parsed.dims).toEqual([3, 4, 5]);
      expect(parsed.data).toEqual(images);
    });
  }

  it('pairs images with labels', () => {
    const p = parseIdxImagesAndLabels(encodeIdx([3, 4, 5], images, { gzip: true }), encodeIdx([3], labels));
    expect([p.n, p.h, p.w]).toEqual([3, 4, 5]);
    expect([...p.labels]).toEqual([7, 0, 9]);
    expect(p.images).toEqual(images);
  });

  const corrupt: [string, () => unknown, RegExp][] = [
    ['truncated data', () => parseIdx(encodeIdx([3, 4, 5], images).subarray(0, 40)), /truncated/],
    ['trailing bytes', () => parseIdx(Uint8Array.from([...encodeIdx([2], Uint8Array.from([1, 2])), 9])), /trailing/],
    ['a bad magic', () => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0])), /bad magic/],
    ['an unsupported element type', () => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0])), /unsupported element type 0x0d/],
    ['a corrupt gzip stream', () => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3])), /gzip/],
    ['mismatched label count', () => parseIdxImagesAndLabels(encodeIdx([3, 4, 5], images), encodeIdx([2], Uint8Array.from([1, 2]))), /3 images but 2 labels/],
    ['labels given as images', () => parseIdxImagesAndLabels(encodeIdx([3], labels), encodeIdx([3], labels)), /N×H×W/],
  ];
  for (const [label, run, message] of corrupt) {
    it(`rejects ${label}`, () => {
      expect(run).toThrow(FormatError);
      expect(run).toThrow(message);
    });
  }
});
