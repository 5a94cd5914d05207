import { describe, expect, it } from 'vitest';
import { jobFraction } from './run-training.js';

describe("a training job's progress fraction", () => {
  it('follows the time budget when that ends the job before max_epochs (the demo showed 0% for a whole epoch)', () => {
    // 9-minute budget, 100 epochs of 900 steps: after 3 minutes and 180 steps the job is a third done.
    expect(jobFraction(180, 900 * 100, 3 * 60_000, 9 * 60_000)).toBeCloseTo(1 / 3, 12);
  });
  it('follows the steps when they end the job first, or when there is no budget', () => {
    expect(jobFraction(450, 900, 60_000, 60 * 60_000)).toBe(0.5);
    expect(jobFraction(450, 900, 60_000, null)).toBe(0.5);
  });
  it('is unknown without either, and never above 1', () => {
    expect(jobFraction(10, null, 1000, null)).toBeUndefined();
    expect(jobFraction(10, null, 2000, 1000)).toBe(1);
  });
});
