import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setUpBackends } from '../testing/backends.js';
import { STANDARD_CASES } from './cases.js';
import { relativeError } from './compare.js';
import { assertGradCheckPassed, formatGradCheckReport, runGradCheck } from './run-gradcheck.js';

beforeAll(() => setUpBackends('wasm'));

describe('gradient-check suite', () => {
  it('passes on wasm and cpu: values and gradients within 1e-4 of the cpu reference', async () => {
    const report = await runGradCheck({ backends: ['wasm', 'cpu'] });
    expect(report.results).toHaveLength(2 * STANDARD_CASES.length);
    if (!report.passed) console.error(formatGradCheckReport(report));
    expect(() => assertGradCheckPassed(report)).not.toThrow();
    // The check is not vacuous: every case produced gradients.
    for (const r of report.results) expect(r.gradientErrors.length).toBeGreaterThan(0);
    expect(tf.getBackend()).toBe('wasm'); // restored
  });

  it('covers the ops our models use', () => {
    const names = STANDARD_CASES.map((c) => c.name).join(' | ');
    for (const op of ['conv2d 3x3 same', 'conv2d 1x1', 'matMul', 'softplus', 'sigmoid', 'exp', 'log', 'cumsum', 'softmax', 'one-hot', 'pad', 'transpose', 'concat', 'slice', 'sum', 'mean', 'max', 'logSumExp']) {
      expect(names).toContain(op);
    }
  });

  it('fails, with a coded error, when a backend computes something else', async () => {
    const report = await runGradCheck({
      backends: ['wasm'],
      cases: [
        { name: 'off by 1e-3 on wasm', inputs: [{ shape: [3, 4] }], fn: (t, x) => (t.getBackend() === 'wasm' ? t.mul(t.exp(x!), 1.001) : t.exp(x!)) },
        { name: 'missing gradient', inputs: [{ shape: [3] }], fn: (t, x) => t.cumprod(x!) },
      ],
    });
    expect(report.passed).toBe(false);
    expect(report.results[0]!.maxError).toBeGreaterThan(5e-4);
    expect(report.results[0]!.maxError).toBeLessThan(2e-3);
    expect(report.results[1]!.error).toMatch(/reference cpu failed: .*gradient/i);
    expect(() => assertGradCheckPassed(report)).toThrow(expect.objectContaining({ code: 'DGM_ENGINE_GRADCHECK_FAILED' }));
    expect(formatGradCheckReport(report)).toMatch(/FAIL wasm +off by 1e-3/);
  });
});

describe('relativeError', () => {
  it('is normwise: scaled by the largest reference entry, NaN-aware', () => {
    expect(relativeError([1, -4, 0], [1, -4, 0])).toBe(0);
    expect(relativeError([1, -4, 0], [1, -4, 0.004])).toBeCloseTo(0.001, 12);
    expect(relativeError([1, 2], [1])).toBe(Infinity);
    expect(relativeError([NaN, 1], [0, 1])).toBe(Infinity);
    expect(relativeError([NaN, 1], [NaN, 1])).toBe(0);
  });
});
