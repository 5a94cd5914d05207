import { describe, expect, it } from 'vitest';
import { convGeometry, filterGradientPlan, inputGradientPlan } from './conv-geometry.js';

describe('conv gradient plans', () => {
  it("3×3 'same' stride 1: dW and dx convs are padded by one on every side", () => {
    const g = convGeometry([64, 14, 14, 64], [3, 3, 64, 64], 1, 'same');
    expect(filterGradientPlan(g)).toEqual({ pad: [1, 1, 1, 1], keepH: 14, keepW: 14 });
    expect(inputGradientPlan(g)).toEqual({ uH: 14, uW: 14, pad: [1, 1, 1, 1] });
  });

  it("stride 2 'valid' with an unread last row: dW crops x instead of padding negatively", () => {
    const g = convGeometry([1, 8, 8, 2], [3, 3, 2, 3], 2, 'valid');
    expect(g.outH).toBe(3);
    // Rows 0…6 are read (last window starts at row 4); row 7 is never used.
    expect(filterGradientPlan(g)).toEqual({ pad: [0, 0, 0, 0], keepH: 7, keepW: 7 });
    // dy with zeros inserted is 6 rows (3·2); 6 + 2 + bottom − 3 + 1 = 8 rows of dx.
    expect(inputGradientPlan(g)).toEqual({ uH: 6, uW: 6, pad: [2, 2, 2, 2] });
  });

  it("stride 2 'same' on an even size leaves a trailing zero row to crop", () => {
    const g = convGeometry([1, 6, 6, 1], [3, 3, 1, 1], 2, 'same');
    expect([g.padTop, g.padBottom]).toEqual([0, 1]);
    const p = inputGradientPlan(g);
    expect(p.uH + p.pad[0] + p.pad[1] - 3 + 1).toBe(6);
    const f = filterGradientPlan(g);
    expect(f.keepH + f.pad[0] + f.pad[1] - ((g.outH - 1) * 2 + 1) + 1).toBe(3);
  });

  it('1×1 convolutions need no padding', () => {
    const g = convGeometry([2, 5, 5, 6], [1, 1, 6, 4], 1, 'valid');
    expect(filterGradientPlan(g)).toEqual({ pad: [0, 0, 0, 0], keepH: 5, keepW: 5 });
    expect(inputGradientPlan(g)).toEqual({ uH: 5, uW: 5, pad: [0, 0, 0, 0] });
  });
});
