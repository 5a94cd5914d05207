import { describe, expect, it } from 'vitest';
import { concatParts, parseCifarBinary, parseCifarPickle } from './cifar.js';
import { FormatError } from './errors.js';
import { encodeCifarBinary, encodeCifarPickle } from './testing/cifar-writer.js';
import { encodePickle, py } from './testing/pickle-writer.js';

const n = 3;
const images = Uint8Array.from({ length: n * 3072 }, (_, i) => (i * 7 + (i >> 10)) % 256);
const labels10 = [3, 0, 9];
const labels100 = [42, 99, 0];

describe('CIFAR binary version', () => {
  it('reads CIFAR-10 records (label byte + CHW planes)', () => {
    const p = parseCifarBinary(encodeCifarBinary(images, labels10, 'cifar10'), 'cifar10');
    expect(p.n).toBe(3);
    expect([...p.labels]).toEqual(labels10);
    expect(p.images).toEqual(images);
  });

  it('reads CIFAR-100 records and uses the fine label', () => {
    const p = parseCifarBinary(encodeCifarBinary(images, labels100, 'cifar100'), 'cifar100');
    expect([...p.labels]).toEqual(labels100);
    expect(p.images).toEqual(images);
  });

  it('rejects a partial record and out-of-range labels', () => {
    const bytes = encodeCifarBinary(images, labels10, 'cifar10');
    expect(() => parseCifarBinary(bytes.subarray(0, bytes.length - 1), 'cifar10')).toThrow(/whole number of 3073-byte records/);
    expect(() => parseCifarBinary(encodeCifarBinary(images, [3, 10, 1], 'cifar10'), 'cifar10')).toThrow(/label 10/);
  });
});

describe('CIFAR python version (pickle)', () => {
  it('reads CIFAR-10 `data` + `labels`', () => {
    const p = parseCifarPickle(encodeCifarPickle(images, labels10, 'cifar10'), 'cifar10');
    expect([...p.labels]).toEqual(labels10);
    expect(p.images).toEqual(images);
  });

  it('reads CIFAR-100 `data` + `fine_labels`', () => {
    const p = parseCifarPickle(encodeCifarPickle(images, labels100, 'cifar100'), 'cifar100');
    expect([...p.labels]).toEqual(labels100);
    expect(p.images).toEqual(images);
  });

  it('rejects a batch without labels, with a wrong shape, or a CIFAR-10 file read as CIFAR-100', () => {
    const noLabels = encodePickle(py.dict([['data', py.uint8Array([n, 3072], images)]]));
    expect(() => parseCifarPickle(noLabels, 'cifar10')).toThrow(/no "labels" list/);
    const wrongShape = encodePickle(py.dict([['data', py.uint8Array([n * 2, 1536], images)], ['labels', py.ints([1, 2, 3, 4, 5, 6])]]));
    expect(() => parseCifarPickle(wrongShape, 'cifar10')).toThrow(/N×3072/);
    expect(() => parseCifarPickle(encodeCifarPickle(images, labels10, 'cifar10'), 'cifar100')).toThrow(FormatError);
  });

  it('concatenates batches in order', () => {
    const a = parseCifarPickle(encodeCifarPickle(images, labels10, 'cifar10'), 'cifar10');
    const b = parseCifarBinary(encodeCifarBinary(images.map((v) => 255 - v), [1, 1, 1], 'cifar10'), 'cifar10');
    const all = concatParts([a, b]);
    expect(all.n).toBe(6);
    expect([...all.labels]).toEqual([3, 0, 9, 1, 1, 1]);
    expect(all.images[3 * 3072]).toBe(255 - images[0]!);
  });
});
