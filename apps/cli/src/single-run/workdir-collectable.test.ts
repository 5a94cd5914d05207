import { expect, test } from 'vitest';
import { isManagedWorkdirKey, workdirKeyFor } from '@dgm-ood/jobs';
import { singleRunWorkdirKey } from './workdir.js';

// Sweep deletion and the garbage collection touch only working directories of these shapes under MODEL_DIR.
test("single runs' and sweeps' working directories have the shape the storage lifecycle recognises as its own", () => {
  expect(isManagedWorkdirKey(singleRunWorkdirKey('train', 'ab'.repeat(32)))).toBe(true);
  expect(isManagedWorkdirKey(singleRunWorkdirKey('ood', '0123456789abcdef0123'))).toBe(true);
  expect(isManagedWorkdirKey(workdirKeyFor('5f0c8f4e-8d0e-4a35-9b7e-0e8a6c1d2f3a', 12))).toBe(true);
  for (const other of ['fmnist', 'fmnist/best.json', 'single-runs/notes', 'checkpoints-x/job-0', '../etc/job-0', 'single-runs/train-0123456789abcdef/sub']) {
    expect(isManagedWorkdirKey(other), other).toBe(false);
  }
});
