import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { perturbParameters } from '../testing.js';
import { expectBijection, randomTensor, useCpuBackend } from '../test-helpers.js';
import { AffineCoupling } from './affine-coupling.js';
import { ChannelSplitter, identityChannels, transformedChannels } from './channel-mask.js';
import { RqSplineCoupling } from './rq-spline-coupling.js';
import { rationalQuadraticSplineReference } from '../splines/rational-quadratic-reference.js';
import { SeedStream } from '../random.js';

beforeAll(useCpuBackend);

const net = { hiddenChannels: 4, numBlocks: 2, dropout: 0.2 };

describe('channel masks', () => {
  it('flip=false transforms odd channels, flip=true even ones (reference mask −1 even / +1 odd)', () => {
    expect(transformedChannels({ dim: 5, flip: false })).toEqual([1, 3]);
    expect(identityChannels({ dim: 5, flip: false })).toEqual([0, 2, 4]);
    expect(transformedChannels({ dim: 4, flip: true })).toEqual([0, 2]);
  });

  it('split/merge round-trips for even and odd channel counts', () => {
    for (const c of [4, 5]) {
      const x = tf.range(0, 2 * c).reshape([1, 1, 2, c]);
      for (const flip of [false, true]) {
        const splitter = new ChannelSplitter({ dim: c, flip });
        const { identity, transformed } = splitter.split(x);
        const idx = (flip ? [1, 3] : [0, 2, 4]).filter((i) => i < c);
        expect((identity.arraySync() as number[][][][])[0]![0]![0]).toEqual(idx);
        expect(splitter.merge(identity, transformed).arraySync()).toEqual(x.arraySync());
      }
    }
  });
});

describe.each([
  ['affine', (flip: boolean, c: number) => new AffineCoupling({ channels: c, flip, net, seed: 3 })],
  ['rq-spline', (flip: boolean, c: number) => new RqSplineCoupling({ channels: c, flip, net, seed: 3, numBins: 5, tailBound: 1.5 })],
] as const)('%s coupling', (_name, make) => {
  it('leaves the identity channels unchanged and is inverted exactly with the autodiff log-det', () => {
    for (const flip of [true, false]) {
      const coupling = make(flip, 4);
      perturbParameters(coupling, 11, 0.3);
      // std 1.5 so that spline inputs fall both inside and outside the tail bound
      const x = randomTensor([2, 3, 3, 4], 12, { std: 1.5 });
      const y = coupling.forward(x).y;
      const keep = flip ? [1, 3] : [0, 2];
      const xs = x.arraySync() as number[][][][];
      const ys = y.arraySync() as number[][][][];
      for (const c of keep) expect(ys[1]![2]![1]![c]).toBe(xs[1]![2]![1]![c]);
      expectBijection(coupling, x, { jacobianSamples: 2 });
    }
  });

  it('handles a 1×1 spatial map (level-3 shape) and an odd channel count', () => {
    const coupling = make(false, 7);
    perturbParameters(coupling, 2, 0.3);
    expectBijection(coupling, randomTensor([3, 1, 1, 7], 4, { std: 1.5 }), { jacobianSamples: 1 });
  });

  it('training mode applies seeded dropout in the net', () => {
    const coupling = make(true, 4);
    perturbParameters(coupling, 1, 0.3);
    const x = randomTensor([2, 3, 3, 4], 5);
    const evalY = coupling.forward(x).y;
    const a = coupling.forward(x, { training: true, seeds: new SeedStream(1) }).y;
    const b = coupling.forward(x, { training: true, seeds: new SeedStream(1) }).y;
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(tf.max(tf.abs(tf.sub(a, evalY))).dataSync()[0]).toBeGreaterThan(0);
  });
});

describe('RqSplineCoupling parameter layout', () => {
  it('reads the P = 3K−1 parameters of transformed channel c at net output channels c·P + p, widths/heights /√hidden', () => {
    const k = 3;
    const p = 3 * k - 1;
    const coupling = new RqSplineCoupling({ channels: 4, flip: false, net: { hiddenChannels: 4 }, numBins: k, tailBound: 2 });
    // Let the net output constants: make all weights zero and set the final bias per output channel.
    for (const [, v] of coupling.namedParameters()) v.assign(tf.zerosLike(v));
    const finalBias = coupling.namedParameters().find(([n]) => n === 'net.final.bias')![1];
    const bias = new Float32Array(2 * p);
    for (let i = 0; i < bias.length; i++) bias[i] = Math.sin(i + 1); // distinct values
    finalBias.assign(tf.tensor1d(bias));
    const x = tf.tensor4d([0, 0.3, 0, -0.7], [1, 1, 1, 4]);
    const y = coupling.forward(x).y.dataSync();
    // Transformed channels (flip=false) are 1 and 3 → parameter groups c=0 and c=1.
    for (const [group, channel] of [[0, 1], [1, 3]] as const) {
      const params = bias.slice(group * p, (group + 1) * p);
      const ref = rationalQuadraticSplineReference(
        [x.dataSync()[channel]!],
        Array.from(params.slice(0, k)).map((v) => v / 2),
        Array.from(params.slice(k, 2 * k)).map((v) => v / 2),
        Array.from(params.slice(2 * k)),
        k,
        { tailBound: 2 },
      );
      expect(y[channel]).toBeCloseTo(ref.outputs[0]!, 5);
    }
  });
});
