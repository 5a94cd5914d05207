import { invalidOption } from './errors.js';
import { seededPermutation } from './random.js';
import type { Role } from './types.js';

/**
 * How a dataset turns its source "pool(s)" into the train/valid/test roles (docs/reference-notes.md §1.1–1.2).
 * The selection is a list of indices into the pool the role reads (see `poolForRole`).
 *
 * - `standard` (MNIST, FMNIST, CIFAR-10/100, SVHN): roles train/valid read the train pool, role test the
 *   test pool. The pool is permuted; valid = first ⌊vf·N⌋, train = the rest, test = the whole (permuted) pool.
 * - `holdout` (EMNIST, Omniglot, embedded MNIST): one pool, permuted; test = first ⌊0.1·N⌋; valid = the next
 *   ⌊vf·R⌋ where R is the remainder (`validOf: 'rest'`, EMNIST) or N (`validOf: 'all'`, Omniglot); train = rest.
 * - `celeba-small`: one pool, permuted; train = first ⌊0.9(1−vf)N⌋, valid = next ⌊0.9·vf·N⌋, test = rest.
 * - `train-valid` (Tiny-ImageNet): roles train/valid share one pool, permuted; train = first ⌊(1−vf)N⌋,
 *   valid = rest. Test reads its own pool, unpermuted.
 * - `as-is` (CelebA: the official partition file gives one pool per role; dgm-generated: all roles share the
 *   same images): the pool in file order.
 */
export type SplitScheme =
  | { kind: 'standard' }
  | { kind: 'holdout'; validOf: 'rest' | 'all' }
  | { kind: 'celeba-small' }
  | { kind: 'train-valid' }
  | { kind: 'as-is' };

/** The reference's validation split: 10% of the training pool when a job asks for a validation loader. */
export const DEFAULT_VALID_FRACTION = 0.1;

/** The fraction every holdout scheme reserves for the test role. */
export const HOLDOUT_TEST_FRACTION = 0.1;

export function checkValidFraction(validFraction: number, dataset?: string): void {
  if (!(Number.isFinite(validFraction) && validFraction >= 0 && validFraction < 1)) {
    throw invalidOption(`validFraction must be in [0, 1), got ${validFraction}`, dataset);
  }
}

function range(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/**
 * Indices (into the role's pool of `n` items) that make up `role`. Pure: same inputs, same output.
 * Sizes use ⌊·⌋ of the same float expressions as the reference code, so counts match upstream exactly.
 */
export function selectSplit(scheme: SplitScheme, n: number, role: Role, validFraction: number, seed: number): Int32Array {
  checkValidFraction(validFraction);
  switch (scheme.kind) {
    case 'as-is':
      return range(n);
    case 'standard': {
      const perm = seededPermutation(n, seed);
      const validSize = Math.floor(validFraction * n);
      if (role === 'test') return perm;
      return role === 'valid' ? perm.slice(0, validSize) : perm.slice(validSize);
    }
    case 'holdout': {
      const perm = seededPermutation(n, seed);
      const testSize = Math.floor(HOLDOUT_TEST_FRACTION * n);
      if (role === 'test') return perm.slice(0, testSize);
      const rest = perm.slice(testSize);
      const validSize = Math.floor(validFraction * (scheme.validOf === 'rest' ? rest.length : n));
      return role === 'valid' ? rest.slice(0, validSize) : rest.slice(validSize);
    }
    case 'celeba-small': {
      const perm = seededPermutation(n, seed);
      const trainSize = Math.floor(0.9 * (1 - validFraction) * n);
      const validSize = Math.floor(0.9 * validFraction * n);
      if (role === 'train') return perm.slice(0, trainSize);
      if (role === 'valid') return perm.slice(trainSize, trainSize + validSize);
      return perm.slice(trainSize + validSize);
    }
    case 'train-valid': {
      if (role === 'test') return range(n);
      const perm = seededPermutation(n, seed);
      const trainSize = Math.floor((1 - validFraction) * n);
      return role === 'train' ? perm.slice(0, trainSize) : perm.slice(trainSize);
    }
  }
}
