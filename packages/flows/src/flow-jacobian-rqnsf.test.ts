import { beforeAll, describe, it } from 'vitest';
import { checkFullGrayscaleFlow } from './full-flow-check.test-support.js';
import { useCpuBackend } from './test-helpers.js';

beforeAll(useCpuBackend);

// Acceptance 1: the full flows of docs/reference-notes.md §2.2 at native image size with reduced coupling widths and
// random weights. The 784 VJPs run on the cpu backend, whose elementwise kernels are slow: the RQ-NSF flow uses K = 2
// bins here (the spline code path is the same for every K; K = 8 is covered per transform in coupling.test.ts and
// for the whole flow by scripts/flow-jacobian-check.ts).
// (Two files, one per coupling, so that vitest runs them in parallel.)
describe('full grayscale rqnsf flow (1×28×28, widths 2/2/4, K=2)', () => {
  it('inverse(forward(x)) ≈ x and log|det| equals the autodiff 784×784 Jacobian', { timeout: 300_000 }, () => {
    checkFullGrayscaleFlow('rqnsf', 2);
  });
});
