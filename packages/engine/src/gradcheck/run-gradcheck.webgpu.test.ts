import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendSelection } from '../select-backend.js';
import { setUpBackends } from '../testing/backends.js';
import { activateSoftwareWebGpu } from '../testing/software-webgpu.js';
import { STANDARD_CASES } from './cases.js';
import { assertGradCheckPassed, formatGradCheckReport, runGradCheck } from './run-gradcheck.js';

// The software WebGPU suite (vitest.webgpu.config.ts): a missing adapter fails here, it never skips.
let selection: BackendSelection;
beforeAll(async () => {
  await setUpBackends('cpu');
  selection = await activateSoftwareWebGpu();
});
afterAll(() => tf.setBackend('cpu'));

describe('gradient-check suite on the software WebGPU adapter', () => {
  it('runs on tfjs-backend-webgpu over Dawn OpenGL ES on llvmpipe (a CPU adapter, compatibility feature level)', () => {
    expect(selection.tfBackend).toBe('webgpu');
    expect(selection.reason).toMatch(/llvmpipe/);
    expect(selection.reason).toMatch(/OpenGL ES/);
  });

  it('passes every standard case: values and gradients within 1e-4 of the cpu reference', async () => {
    const report = await runGradCheck({ backends: ['webgpu'] });
    expect(report.results.map((r) => r.case)).toEqual(STANDARD_CASES.map((c) => c.name));
    if (!report.passed) console.error(formatGradCheckReport(report));
    expect(() => assertGradCheckPassed(report)).not.toThrow();
    // Not vacuous: every case produced gradients on webgpu.
    for (const r of report.results) expect(r.gradientErrors.length).toBeGreaterThan(0);
  });
});
