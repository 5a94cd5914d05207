import { expect } from 'vitest';
import { buildFlowModel } from './build.js';
import { checkFlowJacobian } from './jacobian-check.js';
import { flowPreset, withCouplingWidths } from './presets.js';
import { perturbParameters, scaleCouplingOutputs } from './testing.js';
import { randomTensor } from './test-helpers.js';

/**
 * Acceptance 1 for a whole grayscale flow of docs/reference-notes.md §2.2 at native size (1×28×28), reduced coupling
 * widths 2/2/4 and random weights: inverse(forward(x)) ≈ x and log|det| equals the autodiff 784×784 Jacobian.
 */
export function checkFullGrayscaleFlow(kind: 'glow' | 'rqnsf', numBins: number): void {
  const spec = withCouplingWidths(flowPreset(`${kind}-grayscale`, { seed: 3, numBins }), (level) => (level === 2 ? 4 : 2));
  const model = buildFlowModel(spec);
  perturbParameters(model, 17, 0.05);
  scaleCouplingOutputs(model, 0.3);
  const xt = randomTensor([1, 28, 28, 1], 5, { lo: 0.001, hi: 0.999 });
  const check = checkFlowJacobian(model, xt, { chunk: 392 });
  expect(check.reconstructionError).toBeLessThanOrEqual(1e-4);
  expect(check.relError).toBeLessThanOrEqual(1e-3);
  // and the latent has the reference's size
  expect(model.flow.latentSize).toBe(784);
  model.dispose();
}
