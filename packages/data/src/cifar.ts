import { FormatError } from './errors.js';
import { ndarrayValues, restrictedUnpickle, type NdArray, type PyDict, type PyList } from './pickle.js';

/**
 * CIFAR-10/100 files, both official versions. Every image is 3072 bytes: the red, green and blue 32×32
 * planes, row-major — already CHW, so no reordering is needed.
 *
 * - Binary version: fixed-size records. CIFAR-10: `<label byte><3072 bytes>`; CIFAR-100:
 *   `<coarse label byte><fine label byte><3072 bytes>`. The fine label is the class label.
 * - Python version: a pickled dict (see pickle.ts) with `data` (N×3072 uint8) and `labels` (CIFAR-10) or
 *   `fine_labels` (CIFAR-100).
 */
export type CifarVariant = 'cifar10' | 'cifar100';

export const CIFAR_IMAGE_BYTES = 3 * 32 * 32;

export interface CifarPart {
  images: Uint8Array;
  labels: Int32Array;
  n: number;
}

export function parseCifarBinary(bytes: Uint8Array, variant: CifarVariant): CifarPart {
  const labelBytes = variant === 'cifar10' ? 1 : 2;
  const record = labelBytes + CIFAR_IMAGE_BYTES;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new FormatError(`CIFAR binary: ${bytes.length} bytes is not a whole number of ${record}-byte records`);
  }
  const n = bytes.length / record;
  const images = new Uint8Array(n * CIFAR_IMAGE_BYTES);
  const labels = new Int32Array(n);
  const classes = variant === 'cifar10' ? 10 : 100;
  for (let i = 0; i < n; i++) {
    const o = i * record;
    const label = bytes[o + labelBytes - 1]!;
    if (label >= classes) throw new FormatError(`CIFAR binary: record ${i} has label ${label}, ${variant} has ${classes} classes`);
    labels[i] = label;
    images.set(bytes.subarray(o + labelBytes, o + record), i * CIFAR_IMAGE_BYTES);
  }
  return { images, labels, n };
}

export function parseCifarPickle(bytes: Uint8Array, variant: CifarVariant): CifarPart {
  const root = restrictedUnpickle(bytes);
  if (root === null || typeof root !== 'object' || !('kind' in root) || root.kind !== 'dict') {
    throw new FormatError('CIFAR pickle: the top-level object is not a dict');
  }
  const entries = (root as PyDict).entries;
  const data = entries.get('data');
  if (!data || typeof data !== 'object' || !('kind' in data) || data.kind !== 'ndarray') {
    throw new FormatError(`CIFAR pickle: no "data" array (keys: ${[...entries.keys()].join(', ')})`);
  }
  const arr = data as NdArray;
  if (arr.dtype?.code !== 'u1' || arr.shape.length !== 2 || arr.shape[1] !== CIFAR_IMAGE_BYTES) {
    throw new FormatError(`CIFAR pickle: "data" must be uint8 N×${CIFAR_IMAGE_BYTES}, got ${arr.dtype?.code ?? '?'} (${arr.shape.join(', ')})`);
  }
  const n = arr.shape[0]!;
  const labelKey = variant === 'cifar10' ? 'labels' : 'fine_labels';
  const list = entries.get(labelKey);
  if (!list || typeof list !== 'object' || !('kind' in list) || list.kind !== 'list') {
    throw new FormatError(`CIFAR pickle: no "${labelKey}" list (keys: ${[...entries.keys()].join(', ')})`);
  }
  const items = (list as PyList).items;
  if (items.length !== n) throw new FormatError(`CIFAR pickle: ${n} images but ${items.length} labels`);
  const classes = variant === 'cifar10' ? 10 : 100;
  const labels = new Int32Array(n);
  items.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= classes) {
      throw new FormatError(`CIFAR pickle: label ${i} is ${String(v)}, ${variant} has ${classes} classes`);
    }
    labels[i] = v;
  });
  const values = ndarrayValues(arr) as Uint8Array;
  return { images: values.slice(), labels, n };
}

/** Concatenates parts (the five CIFAR-10 training batches, e.g.). */
export function concatParts(parts: CifarPart[]): CifarPart {
  const n = parts.reduce((a, p) => a + p.n, 0);
  const images = new Uint8Array(n * CIFAR_IMAGE_BYTES);
  const labels = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * CIFAR_IMAGE_BYTES);
    labels.set(p.labels, at);
    at += p.n;
  }
  return { images, labels, n };
}
