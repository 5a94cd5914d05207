import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFlowModel } from './build.js';
import { flowPreset, withCouplingWidths } from './presets.js';
import { perturbParameters, scaleCouplingOutputs } from './testing.js';
import { maxAbsDiff, randomTensor, useCpuBackend } from './test-helpers.js';

beforeAll(useCpuBackend);

describe('full RGB flows (3×32×32, widths 2/2/4)', () => {
  it.each(['rqnsf', 'glow'] as const)('%s: inverse(forward(x)) ≈ x at native size, batch 2', (kind) => {
    const spec = withCouplingWidths(flowPreset(`${kind}-rgb`, { seed: 4 }), (level) => (level === 2 ? 4 : 2));
    const model = buildFlowModel(spec);
    perturbParameters(model, 18, 0.05);
    scaleCouplingOutputs(model, 0.3);
    const xt = randomTensor([2, 32, 32, 3], 6, { lo: 0.001, hi: 0.999 });
    const { z, logabsdet } = model.flow.forward(xt);
    expect(z.shape).toEqual([2, 3072]);
    expect(Array.from(logabsdet.dataSync()).every(Number.isFinite)).toBe(true);
    const back = model.flow.inverse(z);
    expect(maxAbsDiff(back.x, xt)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(tf.add(back.logabsdet, logabsdet), tf.zeros([2]))).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(logabsdet.dataSync()[0]!)));
    model.dispose();
  });
});
