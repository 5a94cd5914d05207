import { expect, test } from 'vitest';
import { isDeterministic } from '@dgm-ood/config';
import { DataError, FormatError, invalidOption } from './errors.js';

test('every data error is deterministic: a missing or corrupt file or a bad option fails the same on a retry', () => {
  const missing = new DataError('DGM_DATA_NOT_FOUND', 'dataset "mnist": no files', { dataset: 'mnist', searched: ['/data'] });
  const corrupt = new DataError('DGM_DATA_CORRUPT', 'bad magic number', { file: '/data/x.idx' }, { cause: new FormatError('magic') });
  expect(missing).toMatchObject({ code: 'DGM_DATA_NOT_FOUND', deterministic: true, message: 'dataset "mnist": no files; looked in: /data' });
  expect(corrupt.cause).toBeInstanceOf(FormatError);
  for (const error of [missing, corrupt, invalidOption('batch size must be positive', 'mnist'), new FormatError('truncated')]) {
    expect(isDeterministic(error)).toBe(true);
  }
});
