import { expect, test } from 'vitest';
import { CodedError, createError, deterministicError, isDeterministic } from './errors.js';

test('deterministicError makes coded errors whose instances carry deterministic: true', () => {
  const BadSpec = deterministicError<[string, string]>('DGM_TEST_SPEC', 'spec %s: %s');
  const error = new BadSpec('a.yaml', 'lr must be positive');
  expect(error).toBeInstanceOf(Error);
  expect(error).toBeInstanceOf(BadSpec);
  expect(error).toMatchObject({ code: 'DGM_TEST_SPEC', message: 'spec a.yaml: lr must be positive', statusCode: 422, deterministic: true });
  expect(isDeterministic(error)).toBe(true);
});

test('CodedError takes deterministic from its definer, and keeps the cause', () => {
  const cause = new Error('ENOENT');
  const fatal = new CodedError('DGM_TEST_MISSING', 'data/x.bin is missing', { deterministic: true, cause });
  const transient = new CodedError('DGM_TEST_BUSY', 'device busy', { deterministic: false });
  expect(fatal).toMatchObject({ code: 'DGM_TEST_MISSING', deterministic: true, cause });
  expect(isDeterministic(fatal)).toBe(true);
  expect(isDeterministic(transient)).toBe(false);
});

test('only the property counts: not the code, not a truthy non-true value, not a plain error', () => {
  const Coded = createError<[string]>('DGM_JOB_DETERMINISTIC', '%s');
  expect(isDeterministic(new Coded('looks deterministic by its code'))).toBe(false);
  expect(isDeterministic(Object.assign(new Error('x'), { deterministic: 'yes' }))).toBe(false);
  expect(isDeterministic(new Error('plain'))).toBe(false);
  expect(isDeterministic(null)).toBe(false);
  expect(isDeterministic('deterministic')).toBe(false);
  expect(isDeterministic({ deterministic: true })).toBe(true);
});
