import { describe, expect, it } from 'vitest';
import { formatGpuTimes, summarizeGpuTimes } from './webgpu-gpu-time.js';

const dispatches = [
  { label: 'Conv2D/dgmGemm', ms: 0.5 },
  { label: 'Add/binary', ms: 0.01 },
  { label: 'Conv2D/dgmGemm', ms: 0.7 },
  { label: 'DgmAdamW/update', ms: 0.2 },
  { label: 'Add/binary', ms: 0.03 },
  { label: 'Conv2D/dgmGemm', ms: 0.6 },
  { label: 'Add/binary', ms: 0.02 },
  { label: 'DgmAdamW/update', ms: 0.2 },
];

describe('summarizeGpuTimes', () => {
  it('sums GPU time and dispatches by label, per region, the most time first', () => {
    const s = summarizeGpuTimes(dispatches, 2, true);
    expect(s.dispatches).toBe(4);
    expect(s.ms).toBeCloseTo(1.13, 12);
    expect(s.rows.map((r) => r.label)).toEqual(['Conv2D/dgmGemm', 'DgmAdamW/update', 'Add/binary']);
    expect(s.rows[0]).toEqual({ label: 'Conv2D/dgmGemm', dispatches: 1.5, ms: expect.closeTo(0.9, 12) as number });
    expect(s.rows[2]).toEqual({ label: 'Add/binary', dispatches: 1.5, ms: expect.closeTo(0.03, 12) as number });
  });

  it('orders by dispatches where there are no times (a device without timestamp-query)', () => {
    const s = summarizeGpuTimes(dispatches.map((d) => ({ ...d, ms: 0 })), 1, false);
    expect(s.rows.map((r) => [r.label, r.dispatches])).toEqual([
      ['Add/binary', 3],
      ['Conv2D/dgmGemm', 3],
      ['DgmAdamW/update', 2],
    ]);
  });

  it('refuses a region count that is not a positive integer', () => {
    expect(() => summarizeGpuTimes(dispatches, 0, true)).toThrow(/regions must be a positive integer, got 0/);
    expect(() => summarizeGpuTimes(dispatches, 1.5, true)).toThrow(/got 1.5/);
  });
});

describe('formatGpuTimes', () => {
  it('gives the busy time, its share of the untimed wall time and each label’s share', () => {
    const text = formatGpuTimes(summarizeGpuTimes(dispatches, 2, true), 2.26, 2);
    const lines = text.split('\n');
    expect(lines[0]).toBe('GPU busy 1.130 ms over 4 dispatches per step; wall 2.260 ms untimed: the GPU is busy 50 % of the step');
    expect(lines[1]).toMatch(/^ +0\.900 ms +79\.6 % +1\.5× +Conv2D\/dgmGemm$/);
    expect(lines).toHaveLength(3); // two rows asked for
  });

  it('says when there are no times, and lists the dispatches per label', () => {
    const text = formatGpuTimes(summarizeGpuTimes(dispatches.map((d) => ({ ...d, ms: 0 })), 1, false), 10);
    expect(text.split('\n')[0]).toBe('GPU times unavailable (this device has no timestamp-query): 8 dispatches per step, by label:');
    expect(text).toMatch(/ +3 {2}Add\/binary/);
  });
});
