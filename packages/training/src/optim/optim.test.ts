import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from './adamw.js';
import { clipGradNorm } from './clip-grad-norm.js';
import { ExponentialEpochSchedule } from './lr-schedule.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('AdamW', () => {
  it('follows torch.optim.AdamW step for step (decoupled decay, bias corrections)', () => {
    const p0 = [0.5, -1.5, 2];
    const grads = [
      [0.1, -0.2, 0.3],
      [-0.4, 0.5, 0.05],
      [0.2, 0.2, -0.7],
    ];
    const cfg = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    // float64 scalar re-statement of torch 1.13 _single_tensor_adamw
    const p = [...p0];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    grads.forEach((g, t0) => {
      const t = t0 + 1;
      for (let i = 0; i < 3; i++) {
        p[i]! *= 1 - cfg.lr * cfg.weightDecay;
        m[i] = cfg.beta1 * m[i]! + (1 - cfg.beta1) * g[i]!;
        v[i] = cfg.beta2 * v[i]! + (1 - cfg.beta2) * g[i]! * g[i]!;
        const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - cfg.beta2 ** t) + cfg.eps;
        p[i]! -= (cfg.lr / (1 - cfg.beta1 ** t)) * (m[i]! / denom);
      }
    });
    const param = tf.variable(tf.tensor1d(p0));
    const opt = new AdamW([['w', param]], cfg);
    for (const g of grads) opt.apply(new Map([['w', tf.tensor1d(g)]]), cfg.lr);
    const got = param.dataSync();
    p.forEach((x, i) => expect(got[i]).toBeCloseTo(x, 6));
    expect(opt.step).toBe(3);
  });

  it('state round-trips exactly and a missing gradient counts as zero (decay still applies)', async () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const opt = new AdamW([['a', a]], { lr: 0.1, weightDecay: 0.5 });
    opt.apply(new Map([['a', tf.tensor1d([1, -1])]]), 0.1);
    const state = await opt.getState();
    const b = tf.variable(tf.tensor1d([1, 2]));
    const opt2 = new AdamW([['a', b]]);
    opt2.setState(state);
    const back = await opt2.getState();
    expect(back.step).toBe(1);
    expect(Array.from(back.m.get('a')!)).toEqual(Array.from(state.m.get('a')!));
    const before = Array.from(a.dataSync());
    opt.apply(new Map(), 0.1);
    // zero gradient: moments decay, weight decay shrinks, the Adam step continues with the old moments
    expect(Array.from(a.dataSync()).every((x, i) => x !== before[i])).toBe(true);
    expect(() => opt2.setState({ step: 1, m: new Map(), v: new Map() })).toThrow(/no moments for parameter a/);
  });
});

describe('clipGradNorm', () => {
  it('scales all gradients by maxNorm / (total + 1e-6) when the global norm exceeds maxNorm', () => {
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor1d([0, 4])],
    ]);
    const { grads: out, totalNorm } = clipGradNorm(grads, 1);
    expect(totalNorm.dataSync()[0]).toBeCloseTo(5, 6);
    expect(out.get('a')!.dataSync()[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    const small = clipGradNorm(new Map([['a', tf.tensor1d([0.3, 0.4])]]), 1);
    expect(Array.from(small.grads.get('a')!.dataSync())).toEqual([0.30000001192092896, 0.4000000059604645]);
  });
});

describe('ExponentialEpochSchedule', () => {
  it("steps γ after the first optimizer step of each new epoch (the reference's timing) and restores its state", () => {
    const s = new ExponentialEpochSchedule(1e-3, 0.5);
    const lrs: number[] = [];
    for (const epoch of [0, 0, 1, 1, 2]) {
      lrs.push(s.lr);
      s.afterOptimizerStep(epoch);
    }
    expect(lrs).toEqual([1e-3, 1e-3, 1e-3, 5e-4, 5e-4]);
    const copy = new ExponentialEpochSchedule(1e-3, 0.5);
    copy.setState(s.getState());
    expect(copy.lr).toBe(2.5e-4);
    const constant = new ExponentialEpochSchedule(1e-3, null);
    constant.afterOptimizerStep(0);
    constant.afterOptimizerStep(5);
    expect(constant.lr).toBe(1e-3);
  });
});
