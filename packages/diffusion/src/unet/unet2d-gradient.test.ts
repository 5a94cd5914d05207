import * as tf from '@tensorflow/tfjs';
import { jvp } from '@dgm-ood/engine';
import { Rng } from '@dgm-ood/engine/rng';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SPEC } from './test-specs.js';
import { UNet2D } from './unet2d.js';

// Reverse-mode gradients of Σ r ⊙ UNet(x, t) on the cpu backend against central finite differences (float32,
// step h: the truncation error is O(h²), the rounding error O(ε·|f|/h)).
const H = 1e-2;
let net: UNet2D;
let x: tf.Tensor4D;
let t: tf.Tensor1D;
let r: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  net = new UNet2D(TINY_SPEC, { seed: 3 });
  const rng = new Rng(11);
  const normals = (n: number) => rng.fillNormal(new Float32Array(n)) as Float32Array;
  x = tf.tensor4d(normals(128), [2, 8, 8, 1]);
  r = tf.tensor4d(normals(128), [2, 8, 8, 1]);
  t = tf.tensor1d([0.2, 0.7]);
});
afterAll(() => {
  net.dispose();
  tf.dispose([x, t, r]);
});

const objective = (input: tf.Tensor4D): tf.Scalar => tf.tidy(() => tf.sum(tf.mul(net.apply(input, t), r)));
const value = async (input: tf.Tensor4D) => (await objective(input).data())[0]!;

/** Indices to check: the largest gradient entry and two fixed ones. */
const probes = (g: Float32Array, fixed: number[]) => [g.reduce((best, v, i) => (Math.abs(v) > Math.abs(g[best]!) ? i : best), 0), ...fixed.map((i) => i % g.length)];

const expectClose = (fd: number, analytic: number, scale: number) => expect(Math.abs(fd - analytic)).toBeLessThan(1e-2 * Math.max(Math.abs(analytic), scale));

describe('UNet2D gradients (cpu)', () => {
  it('w.r.t. the input match finite differences', async () => {
    const g = (await tf.grad(objective as (v: tf.Tensor) => tf.Tensor)(x).data()) as Float32Array;
    const xs = (await x.data()) as Float32Array;
    const scale = Math.max(...g.map(Math.abs));
    for (const i of probes(g, [17, 100])) {
      const shifted = async (d: number) => {
        const v = Float32Array.from(xs);
        v[i]! += d;
        return value(tf.tensor4d(v, x.shape));
      };
      const fd = ((await shifted(H)) - (await shifted(-H))) / (2 * H);
      expectClose(fd, g[i]!, 0.1 * scale);
    }
  });

  it('w.r.t. every parameter exist, are finite, and match finite differences on a few coordinates', async () => {
    const { grads, value: v } = tf.variableGrads(() => objective(x));
    v.dispose();
    const byName = new Map(net.namedParameters());
    expect(Object.keys(grads).length).toBe(byName.size);
    for (const [name, p] of byName) {
      const g = grads[p.name];
      expect(g, name).toBeDefined();
      expect(g!.shape, name).toEqual(p.shape);
      expect((await g!.data()).every(Number.isFinite), name).toBe(true);
    }
    // softmax(q·(k + b)) does not depend on the key bias b: its gradient is zero (a check of the attention wiring).
    const keyBias = await grads[byName.get('mid_block.attentions.0.to_k.bias')!.name]!.data();
    expect(Math.max(...keyBias.map(Math.abs))).toBeLessThan(1e-5);
    for (const name of [
      'conv_in.weight',
      'time_embedding.linear_1.weight',
      'down_blocks.0.downsamplers.0.conv.weight',
      'down_blocks.1.attentions.0.to_q.weight',
      'mid_block.resnets.0.norm1.weight',
      'up_blocks.0.resnets.1.conv_shortcut.weight',
      'up_blocks.0.upsamplers.0.conv.bias',
      'conv_out.weight',
    ]) {
      const p = byName.get(name)!;
      const g = (await grads[p.name]!.data()) as Float32Array;
      const original = (await p.data()) as Float32Array;
      for (const i of probes(g, [5])) {
        const shifted = async (d: number) => {
          const w = Float32Array.from(original);
          w[i]! += d;
          p.assign(tf.tensor(w, p.shape));
          return value(x);
        };
        const fd = ((await shifted(H)) - (await shifted(-H))) / (2 * H);
        p.assign(tf.tensor(original, p.shape));
        expectClose(fd, g[i]!, 0.1 * Math.max(...g.map(Math.abs)));
      }
    }
    tf.dispose(Object.values(grads));
  });

  it("J·v by the engine's jvp (the derivative of a VJP: nested gradients) matches a finite difference", async () => {
    const v = tf.tensor4d(new Rng(12).fillNormal(new Float32Array(128)) as Float32Array, x.shape);
    const f = (input: tf.Tensor) => net.apply(input as tf.Tensor4D, t);
    const jv = await jvp(f, x, v).data();
    const fd = await tf.tidy(() => tf.div(tf.sub(f(tf.add(x, tf.mul(v, H))), f(tf.sub(x, tf.mul(v, H)))), 2 * H)).data();
    let num = 0;
    let den = 0;
    fd.forEach((d, i) => {
      num += (jv[i]! - d) ** 2;
      den += d * d;
    });
    expect(Math.sqrt(num / den)).toBeLessThan(1e-2);
  });
});
