import { expect } from 'vitest';
import { DiffusionConfigError } from './errors.js';

/** The DiffusionConfigError that `f` throws; fails the test when it throws nothing or another error. */
export function configErrorOf(f: () => unknown): DiffusionConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DiffusionConfigError);
    return e as DiffusionConfigError;
  }
  throw new Error('expected a DiffusionConfigError');
}
