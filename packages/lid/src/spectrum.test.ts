import { describe, expect, test } from 'vitest';
import { gramOfDiagonal } from './gram.test-support.js';
import { calibrateScale, calibrateScaleToPercentile, gramSpectrum, thresholdLid } from './spectrum.js';


describe('threshold LID on analytic Jacobians', () => {
  test('counts exactly the singular values above e^scale', () => {
    const spectrum = gramSpectrum(gramOfDiagonal([10, 5, 2, 1, 0.1, 0.01, 0]), 7);
    expect(thresholdLid(spectrum, Math.log(1.5))).toBe(3); // 10, 5, 2
    expect(thresholdLid(spectrum, Math.log(0.05))).toBe(5);
    expect(thresholdLid(spectrum, Math.log(100))).toBe(0);
    expect(thresholdLid(spectrum, Math.log(1e-5))).toBe(6); // the zero singular value sits at the 1e-20 floor
    expect(thresholdLid(spectrum, -100)).toBe(7); // below the floor everything counts, as in the reference
  });

  test('the reference fixes: NaN → 0, clamp at 10^4.5, floor at 1e-20', () => {
    const g = new Float64Array([Number.NaN, 0, 0, 1e9]);
    expect(Array.from(gramSpectrum(g, 2))).toEqual([1e-20, 10 ** 4.5]);
  });
});

describe('scale calibration', () => {
  test('the bisection finds a scale whose mean LID meets the target', () => {
    // Two "points": singular values 2^(k−14+shift), k = 0..19, all below the 10^4.5 clamp on JᵀJ.
    const make = (shift: number) => gramSpectrum(gramOfDiagonal(Array.from({ length: 20 }, (_, k) => 2 ** (k - 14 + shift))), 20);
    const spectra = [make(0), make(2)];
    const scale = calibrateScale(spectra, 8);
    const meanAt = (sc: number) => spectra.reduce((sum, s) => sum + thresholdLid(s, sc), 0) / spectra.length;
    // The returned scale is the midpoint of the final bracket around the transition below the target.
    expect(meanAt(scale - 1e-3)).toBeGreaterThanOrEqual(8);
    expect(meanAt(scale + 1e-3)).toBeLessThan(8);
    // Just below s = 2^j the mean LID is 7 − j: it steps from 8 to 7 at s = 2^−1.
    expect(Math.abs(scale - Math.log(0.5))).toBeLessThan(1e-3);
    expect(scale).toBeGreaterThan(-100);
    expect(scale).toBeLessThan(100);
  });

  test('targets out of reach end at the ends of the interval', () => {
    const spectra = [gramSpectrum(gramOfDiagonal([1, 1]), 2)];
    expect(calibrateScale(spectra, 5)).toBeLessThan(-99);
    expect(calibrateScale(spectra, -1)).toBeGreaterThan(99);
  });
});

describe('calibrateScaleToPercentile', () => {
  // Spectra λ_i = e^{2k} for k = −10 … 9 (20 values), shifted by the point index: LID(scale) = #{k + shift > scale}.
  const spectra = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((shift) => Float64Array.from({ length: 20 }, (_, i) => Math.exp(2 * (i - 10 + shift))));

  test('keeps the chosen percentile of the training LIDs at the minimum dimension', () => {
    // 10th percentile (index 1 of 10: shift 1) must have LID ≥ 18, i.e. k + 1 > scale for 18 of the ks: scale < −7.
    const scale = calibrateScaleToPercentile(spectra, 10, 18, { low: -20, high: 20, steps: 40 });
    expect(scale).toBeCloseTo(-7, 6);
    const lids = spectra.map((s) => thresholdLid(s, scale - 1e-6)).sort((a, b) => a - b);
    expect(lids[1]).toBe(18);
    expect(lids[0]).toBe(17);
  });

  test('a higher percentile or minimum asks for a smaller scale', () => {
    const opts = { low: -20, high: 20, steps: 40 };
    expect(calibrateScaleToPercentile(spectra, 50, 18, opts)).toBeGreaterThan(calibrateScaleToPercentile(spectra, 10, 18, opts));
    expect(calibrateScaleToPercentile(spectra, 10, 19, opts)).toBeLessThan(calibrateScaleToPercentile(spectra, 10, 18, opts));
    expect(() => calibrateScaleToPercentile(spectra, 100, 1)).toThrow(RangeError);
  });
});
