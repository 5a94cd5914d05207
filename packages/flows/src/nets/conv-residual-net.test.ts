import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeedStream } from '../random.js';
import { maxAbsDiff, randomTensor, useCpuBackend } from '../test-helpers.js';
import { ConvResidualNet } from './conv-residual-net.js';

beforeAll(useCpuBackend);

describe('ConvResidualNet', () => {
  it('initialises like PyTorch: conv weights ~U(±1/√fan_in), the second 3×3 conv of each block ~U(±1e-3)', () => {
    const net = new ConvResidualNet({ inChannels: 3, outChannels: 5, hiddenChannels: 16, seed: 1 });
    const p = new Map(net.namedParameters());
    const maxAbs = (n: string) => Math.max(...Array.from(p.get(n)!.dataSync()).map(Math.abs));
    expect(maxAbs('blocks.0.conv1.weight')).toBeLessThanOrEqual(1e-3);
    expect(maxAbs('blocks.1.conv1.bias')).toBeLessThanOrEqual(1e-3);
    expect(maxAbs('blocks.0.conv0.weight')).toBeLessThanOrEqual(1 / Math.sqrt(9 * 16));
    expect(maxAbs('blocks.0.conv0.weight')).toBeGreaterThan(0.5 / Math.sqrt(9 * 16));
    expect(maxAbs('initial.weight')).toBeLessThanOrEqual(1 / Math.sqrt(3));
    expect(maxAbs('final.weight')).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(p.get('blocks.0.conv0.weight')!.shape).toEqual([3, 3, 16, 16]);
  });

  it('on 1×1 maps, the centre-tap-only net computes what a full 3×3 net computes', () => {
    const full = new ConvResidualNet({ inChannels: 3, outChannels: 4, hiddenChannels: 6, seed: 2 });
    const centre = new ConvResidualNet({ inChannels: 3, outChannels: 4, hiddenChannels: 6, seed: 2, centreTapOnly: true });
    const src = new Map(full.namedParameters());
    for (const [name, v] of centre.namedParameters()) {
      const w = src.get(name)!;
      v.assign(w.shape.length === 4 && w.shape[0] === 3 ? tf.slice(w, [1, 1, 0, 0], [1, 1, 6, 6]) : w);
    }
    const x = randomTensor([5, 1, 1, 3], 3);
    expect(maxAbsDiff(centre.apply(x), full.apply(x))).toBeLessThan(1e-6);
    expect(centre.namedParameters().find(([n]) => n === 'blocks.0.conv0.weight')![1].shape).toEqual([1, 1, 6, 6]);
    // the shortcut itself: a 'same' 3×3 conv on a 1×1 map is a matMul with the centre tap
    const w = src.get('blocks.0.conv0.weight')!;
    const h = randomTensor([5, 1, 1, 6], 4);
    const viaConv = tf.conv2d(h as tf.Tensor4D, w as unknown as tf.Tensor4D, 1, 'same');
    const viaCentre = tf.matMul(h.reshape([5, 6]), tf.slice(w, [1, 1, 0, 0], [1, 1, 6, 6]).reshape([6, 6])).reshape([5, 1, 1, 6]);
    expect(maxAbsDiff(viaConv, viaCentre)).toBeLessThan(1e-6);
    expect(() => centre.apply(randomTensor([1, 2, 2, 3], 1))).toThrow(/1×1 maps/);
  });

  it('applySplit equals slicing the full output into period groups', () => {
    const net = new ConvResidualNet({ inChannels: 2, outChannels: 3 * 5, hiddenChannels: 4, seed: 4 });
    const x = randomTensor([2, 3, 3, 2], 5);
    const full = net.apply(x).reshape([2, 3, 3, 3, 5]);
    const [a, b] = net.applySplit(x, undefined, 5, [
      { offset: 0, size: 2 },
      { offset: 2, size: 3 },
    ]);
    expect(maxAbsDiff(a!, tf.slice(full, [0, 0, 0, 0, 0], [2, 3, 3, 3, 2]).reshape([2, 3, 3, 6]))).toBeLessThan(1e-6);
    expect(maxAbsDiff(b!, tf.slice(full, [0, 0, 0, 0, 2], [2, 3, 3, 3, 3]).reshape([2, 3, 3, 9]))).toBeLessThan(1e-6);
  });

  it('applies dropout (scaled by 1/(1−p)) only in training mode, reproducibly per seed', () => {
    const net = new ConvResidualNet({ inChannels: 2, outChannels: 2, hiddenChannels: 8, dropout: 0.5, seed: 6 });
    for (const [n, v] of net.namedParameters()) if (n.includes('conv1')) v.assign(tf.mul(v, 1000)); // make the dropped branch visible
    const x = randomTensor([2, 4, 4, 2], 7);
    const evalA = net.apply(x);
    expect(maxAbsDiff(evalA, net.apply(x, { training: false, seeds: new SeedStream(1) }))).toBe(0);
    const t1 = net.apply(x, { training: true, seeds: new SeedStream(1) });
    expect(maxAbsDiff(t1, net.apply(x, { training: true, seeds: new SeedStream(1) }))).toBe(0);
    expect(maxAbsDiff(t1, evalA)).toBeGreaterThan(1e-3);
  });
});
