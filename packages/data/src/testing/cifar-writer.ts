import { encodePickle, py } from './pickle-writer.js';

/** Test helper: CIFAR binary records (`<label>` or `<coarse><fine>` then 3072 CHW bytes). */
export function encodeCifarBinary(images: Uint8Array, labels: ArrayLike<number>, variant: 'cifar10' | 'cifar100'): Uint8Array {
  const n = labels.length;
  const head = variant === 'cifar10' ? 1 : 2;
  const out = new Uint8Array(n * (head + 3072));
  for (let i = 0; i < n; i++) {
    const o = i * (head + 3072);
    if (variant === 'cifar100') out[o] = labels[i]! % 20; // coarse label (not used by readers)
    out[o + head - 1] = labels[i]!;
    out.set(images.subarray(i * 3072, (i + 1) * 3072), o + head);
  }
  return out;
}

/** Test helper: a CIFAR python-version batch, pickled like the official files. */
export function encodeCifarPickle(images: Uint8Array, labels: ArrayLike<number>, variant: 'cifar10' | 'cifar100', batchLabel = 'testing batch'): Uint8Array {
  const n = labels.length;
  const names = py.list(Array.from({ length: n }, (_, i) => py.str(`img_${i}.png`)));
  const entries: [string, ReturnType<typeof py.str>][] =
    variant === 'cifar10'
      ? [['batch_label', py.str(batchLabel)], ['labels', py.ints(labels)], ['data', py.uint8Array([n, 3072], images)], ['filenames', names]]
      : [['filenames', names], ['batch_label', py.str(batchLabel)], ['fine_labels', py.ints(labels)], ['coarse_labels', py.ints(Array.from(labels, (l) => l % 20))], ['data', py.uint8Array([n, 3072], images)]];
  return encodePickle(py.dict(entries));
}
