import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { useCpuBackend } from '../test-helpers.js';
import { rationalQuadraticSpline } from './rational-quadratic.js';
import { rationalQuadraticSplineReference } from './rational-quadratic-reference.js';

beforeAll(useCpuBackend);

interface FixtureCase {
  regime: 'typical' | 'extreme';
  paramStd: number;
  numBins: number;
  tailBound: number;
  inputs: number[];
  unnormalizedWidths: number[];
  unnormalizedHeights: number[];
  unnormalizedDerivatives: number[];
  forward: { outputs: number[]; logabsdet: number[] };
  inverseInputs: number[];
  inverse: { outputs: number[]; logabsdet: number[] };
}

const fixture = JSON.parse(readFileSync(new URL('../__fixtures__/rq-spline-torch-float64.json', import.meta.url), 'utf8')) as {
  cases: FixtureCase[];
};

function runTf(c: Pick<FixtureCase, 'numBins' | 'tailBound' | 'unnormalizedWidths' | 'unnormalizedHeights' | 'unnormalizedDerivatives'>, inputs: number[], inverse: boolean) {
  const n = inputs.length;
  const k = c.numBins;
  return tf.tidy(() => {
    const r = rationalQuadraticSpline(
      tf.tensor1d(inputs),
      tf.tensor2d(c.unnormalizedWidths, [n, k]),
      tf.tensor2d(c.unnormalizedHeights, [n, k]),
      tf.tensor2d(c.unnormalizedDerivatives, [n, k - 1]),
      { inverse, tailBound: c.tailBound },
    );
    return { outputs: Array.from(r.outputs.dataSync()), logabsdet: Array.from(r.logabsdet.dataSync()) };
  });
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function randomCase(seed: number, n: number, k: number, bound: number, scale: number) {
  const rng = new Rng(seed);
  const f32 = (len: number, std: number) => Array.from(rng.fillNormal(new Float32Array(len), std));
  return {
    numBins: k,
    tailBound: bound,
    inputs: f32(n, bound),
    unnormalizedWidths: f32(n * k, scale),
    unnormalizedHeights: f32(n * k, scale),
    unnormalizedDerivatives: f32(n * (k - 1), scale),
  };
}

const typical = fixture.cases.filter((c) => c.regime === 'typical');
const extreme = fixture.cases.filter((c) => c.regime === 'extreme');

describe('rationalQuadraticSpline against a torch float64 re-implementation of nflows (committed fixture)', () => {
  it('the fixture covers both regimes', () => {
    expect(typical.length).toBeGreaterThanOrEqual(4);
    expect(extreme.length).toBeGreaterThanOrEqual(1);
  });

  // Float32 is the limit of any implementation where the inverse is steep: an inverse slope dx/dy = e^ld
  // amplifies the ~1e-7 relative rounding of the height knots. Where the slope is moderate (≤ 100) the
  // tolerance is a flat 1e-4; elsewhere it grows with the slope.
  const inverseTolerance = (c: FixtureCase, i: number) => 1e-4 + 1e-6 * c.tailBound * Math.exp(c.inverse.logabsdet[i]!);

  it.each(typical.map((c) => [c.numBins, c.tailBound, c.paramStd, c] as const))(
    'typical K=%i B=%f (param std %f): forward within 1e-4 abs, inverse within 1e-4 where not steep, median ≤ 1e-5',
    (_k, _b, _s, c) => {
      const fwd = runTf(c, c.inputs, false);
      const inv = runTf(c, c.inverseInputs, true);
      expect(maxAbs(fwd.outputs, c.forward.outputs)).toBeLessThanOrEqual(1e-4);
      expect(maxAbs(fwd.logabsdet, c.forward.logabsdet)).toBeLessThanOrEqual(1e-4);
      const errors: number[] = [];
      c.inverseInputs.forEach((_, i) => {
        const ex = Math.abs(inv.outputs[i]! - c.inverse.outputs[i]!);
        const el = Math.abs(inv.logabsdet[i]! - c.inverse.logabsdet[i]!);
        errors.push(ex, el, Math.abs(fwd.outputs[i]! - c.forward.outputs[i]!), Math.abs(fwd.logabsdet[i]! - c.forward.logabsdet[i]!));
        const tol = Math.exp(c.inverse.logabsdet[i]!) <= 100 ? 1e-4 : inverseTolerance(c, i);
        expect(ex).toBeLessThanOrEqual(tol);
        expect(el).toBeLessThanOrEqual(tol);
      });
      errors.sort((a, b) => a - b);
      expect(errors[Math.floor(errors.length / 2)]).toBeLessThanOrEqual(1e-5);
    },
  );

  // With very uneven bins the inverse is too ill-conditioned for a forward-error bound; check backward
  // stability instead: the float32 inverse x̂ must map back onto y (float64 reference) up to float32 rounding,
  // and its log-det must be minus the float64 forward log-det at x̂.
  it.each(extreme.map((c) => [c.numBins, c.tailBound, c.paramStd, c] as const))(
    'extreme K=%i B=%f (param std %f): forward within 1e-4 (relative for the log-det), inverse backward-stable',
    (_k, _b, _s, c) => {
      const k = c.numBins;
      const fwd = runTf(c, c.inputs, false);
      const inv = runTf(c, c.inverseInputs, true);
      c.inputs.forEach((_, i) => {
        expect(Math.abs(fwd.outputs[i]! - c.forward.outputs[i]!)).toBeLessThanOrEqual(1e-4);
        expect(Math.abs(fwd.logabsdet[i]! - c.forward.logabsdet[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(c.forward.logabsdet[i]!)));
        const y = c.inverseInputs[i]!;
        const back = rationalQuadraticSplineReference(
          [inv.outputs[i]!],
          c.unnormalizedWidths.slice(i * k, (i + 1) * k),
          c.unnormalizedHeights.slice(i * k, (i + 1) * k),
          c.unnormalizedDerivatives.slice(i * (k - 1), (i + 1) * (k - 1)),
          k,
          { tailBound: c.tailBound },
        );
        expect(Math.abs(back.outputs[0]! - y)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(y)));
        expect(Math.abs(inv.logabsdet[i]! + back.logabsdet[0]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(back.logabsdet[0]!)));
      });
    },
  );

  it.each(fixture.cases.map((c, i) => [i, c] as const))('case %i: the float64 JS reference agrees to 1e-9', (_i, c) => {
    const f = rationalQuadraticSplineReference(c.inputs, c.unnormalizedWidths, c.unnormalizedHeights, c.unnormalizedDerivatives, c.numBins, { tailBound: c.tailBound });
    const i = rationalQuadraticSplineReference(c.inverseInputs, c.unnormalizedWidths, c.unnormalizedHeights, c.unnormalizedDerivatives, c.numBins, {
      tailBound: c.tailBound,
      inverse: true,
    });
    expect(maxAbs(f.outputs, c.forward.outputs)).toBeLessThanOrEqual(1e-9);
    expect(maxAbs(f.logabsdet, c.forward.logabsdet)).toBeLessThanOrEqual(1e-9);
    expect(maxAbs(i.outputs, c.inverse.outputs)).toBeLessThanOrEqual(1e-9);
    expect(maxAbs(i.logabsdet, c.inverse.logabsdet)).toBeLessThanOrEqual(1e-9);
  });
});

describe('rationalQuadraticSpline against the float64 JS reference', () => {
  it('agrees on random inputs (K=8, B=3 and K=4, B=1); typical error ~1e-6', () => {
    let worst = 0;
    for (const c of [randomCase(1, 500, 8, 3, 1), randomCase(2, 500, 4, 1, 1)]) {
      for (const inverse of [false, true]) {
        const tfr = runTf(c, c.inputs, inverse);
        const ref = rationalQuadraticSplineReference(c.inputs, c.unnormalizedWidths, c.unnormalizedHeights, c.unnormalizedDerivatives, c.numBins, {
          tailBound: c.tailBound,
          inverse,
        });
        worst = Math.max(worst, maxAbs(tfr.outputs, ref.outputs), maxAbs(tfr.logabsdet, ref.logabsdet));
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
  });

  it('is the identity with zero log-det outside [−B, B] and inverts itself inside', () => {
    const c = randomCase(3, 200, 8, 2, 1);
    const fwd = runTf(c, c.inputs, false);
    const back = runTf(c, fwd.outputs, true);
    c.inputs.forEach((x, i) => {
      if (Math.abs(x) > 2) {
        expect(fwd.outputs[i]).toBe(x);
        expect(Math.abs(fwd.logabsdet[i]!)).toBe(0);
      }
      expect(Math.abs(back.outputs[i]! - x)).toBeLessThan(1e-4);
      expect(Math.abs(back.logabsdet[i]! + fwd.logabsdet[i]!)).toBeLessThan(1e-4);
    });
  });
});

describe('float64 reference', () => {
  it('log-det is log dy/dx (central differences), and the slope is 1 at ±B where the linear tails join', () => {
    const c = randomCase(4, 50, 6, 1.5, 1.5);
    const h = 1e-6;
    const at = (xs: number[]) =>
      rationalQuadraticSplineReference(xs, c.unnormalizedWidths, c.unnormalizedHeights, c.unnormalizedDerivatives, 6, { tailBound: 1.5 });
    const xs = c.inputs.map((x) => Math.max(-1.4, Math.min(1.4, x)));
    const up = at(xs.map((x) => x + h)).outputs;
    const down = at(xs.map((x) => x - h)).outputs;
    const ld = at(xs).logabsdet;
    xs.forEach((_, i) => expect(Math.log((up[i]! - down[i]!) / (2 * h))).toBeCloseTo(ld[i]!, 5));
    const edges = at(xs.map((_, i) => (i % 2 === 0 ? -1.5 : 1.5))).logabsdet;
    edges.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-9));
  });
});

describe('gradients (no gather: must work on every backend)', () => {
  it('flow through inputs and all parameters and match finite differences', () => {
    const c = randomCase(5, 8, 4, 1, 1);
    const n = 8;
    const k = 4;
    const x = tf.tensor1d(c.inputs);
    const w = tf.tensor2d(c.unnormalizedWidths, [n, k]);
    const hgt = tf.tensor2d(c.unnormalizedHeights, [n, k]);
    const d = tf.tensor2d(c.unnormalizedDerivatives, [n, k - 1]);
    const f = (xx: tf.Tensor, ww: tf.Tensor, hh: tf.Tensor, dd: tf.Tensor) => {
      const r = rationalQuadraticSpline(xx, ww, hh, dd, { tailBound: 1 });
      return tf.sum(tf.add(r.outputs, r.logabsdet)) as tf.Scalar;
    };
    const grads = tf.grads(f)([x, w, hgt, d]);
    const gw = grads[1]!.dataSync();
    // finite difference on one width entry of an inside point
    const inside = c.inputs.findIndex((v) => Math.abs(v) < 0.9);
    expect(inside).toBeGreaterThanOrEqual(0);
    const eps = 1e-2;
    const bump = (delta: number) => {
      const data = c.unnormalizedWidths.slice();
      data[inside * k + 1] = data[inside * k + 1]! + delta;
      return f(x, tf.tensor2d(data, [n, k]), hgt, d).dataSync()[0]!;
    };
    const fd = (bump(eps) - bump(-eps)) / (2 * eps);
    expect(gw[inside * k + 1]).toBeCloseTo(fd, 2);
    for (const g of grads) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
  });
});

describe('rationalQuadraticSpline with plain arrays', () => {
  beforeAll(useCpuBackend);
  it('gives the same result as with tensors, and leaks nothing', async () => {
    const x = [-0.5, 0.25, 2.9, 3.5];
    const w = x.map((_, i) => [0.1 * i, -0.2, 0.3]);
    const h = x.map((_, i) => [0.2, 0.1 * i, -0.1]);
    const d = x.map(() => [0.4, -0.3]);
    const before = tf.memory().numTensors;
    const fromArrays = rationalQuadraticSpline(x, w, h, d, { tailBound: 3 });
    const fromTensors = rationalQuadraticSpline(tf.tensor1d(x), tf.tensor2d(w), tf.tensor2d(h), tf.tensor2d(d), { tailBound: 3 });
    expect(Array.from(await fromArrays.outputs.data())).toEqual(Array.from(await fromTensors.outputs.data()));
    expect(Array.from(await fromArrays.logabsdet.data())).toEqual(Array.from(await fromTensors.logabsdet.data()));
    tf.dispose([fromArrays.outputs, fromArrays.logabsdet]);
    expect(tf.memory().numTensors).toBe(before + 2 + 4); // only the tensor call's outputs and inputs remain
  });
});
