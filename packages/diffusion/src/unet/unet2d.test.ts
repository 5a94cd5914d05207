import { relativeError } from '@dgm-ood/engine';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiffusionError } from '../errors.js';
import { loadTorchStateDict } from './load-torch-state-dict.js';
import { TINY_SPEC } from './test-specs.js';
import { readTorchUNetFixture } from './torch-fixture.js';
import { UNet2D } from './unet2d.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function fixtureOutput(spec = readTorchUNetFixture().spec): Promise<{ got: Float32Array; want: number[] }> {
  const fx = readTorchUNetFixture();
  const net = new UNet2D(spec, { seed: 1 });
  loadTorchStateDict(net, fx.stateDict);
  const y = net.apply(tf.tensor4d(fx.x.values, fx.x.shape), tf.tensor1d(fx.t));
  expect(y.shape).toEqual(fx.output.shape);
  const got = (await y.data()) as Float32Array;
  net.dispose();
  return { got, want: fx.output.values };
}

describe('UNet2D against the PyTorch twin (bench/diffusion_torch.py, float64)', () => {
  it('gives the torch output for the same weights (float32 on cpu, max-norm relative error < 1e-4)', async () => {
    const { got, want } = await fixtureOutput();
    expect(relativeError(want, got)).toBeLessThan(1e-4);
  });

  it('is sensitive to the conventions the fixture pins (the sin/cos order of the time embedding)', async () => {
    const { got, want } = await fixtureOutput({ ...readTorchUNetFixture().spec, flipSinToCos: false });
    expect(relativeError(want, got)).toBeGreaterThan(1e-3);
  });

  it("names its parameters exactly as diffusers' state dict does", () => {
    const net = new UNet2D(TINY_SPEC);
    const names = net.namedParameters().map(([n]) => n);
    expect(new Set(names)).toEqual(new Set(Object.keys(readTorchUNetFixture().stateDict)));
    for (const n of [
      'conv_in.weight',
      'time_embedding.linear_1.weight',
      'down_blocks.0.resnets.0.conv1.weight',
      'down_blocks.0.downsamplers.0.conv.weight',
      'down_blocks.1.attentions.0.to_q.weight',
      'down_blocks.1.resnets.0.conv_shortcut.weight',
      'mid_block.attentions.0.group_norm.weight',
      'mid_block.resnets.1.time_emb_proj.bias',
      'up_blocks.0.attentions.1.to_out.0.weight',
      'up_blocks.0.upsamplers.0.conv.weight',
      'conv_norm_out.weight',
      'conv_out.bias',
    ]) {
      expect(names).toContain(n);
    }
    net.dispose();
  });
});

describe('loadTorchStateDict', () => {
  it('rejects a missing, unknown or misshapen entry by name and changes nothing', async () => {
    const fx = readTorchUNetFixture();
    const net = new UNet2D(TINY_SPEC);
    const before = await net.namedParameters()[0]![1].data();
    const { ['conv_out.bias']: _dropped, ...missing } = fx.stateDict;
    expect(() => loadTorchStateDict(net, missing)).toThrow(/conv_out\.bias is missing/);
    expect(() => loadTorchStateDict(net, { ...fx.stateDict, 'conv_out.extra': { shape: [1], values: [0] } })).toThrow(/unknown parameter\(s\) conv_out\.extra/);
    const w = fx.stateDict['conv_in.weight']!;
    expect(() => loadTorchStateDict(net, { ...fx.stateDict, 'conv_in.weight': { shape: [3, 3, 1, 8], values: w.values } })).toThrow(
      /conv_in\.weight: expected torch shape \[8, 1, 3, 3\]/,
    );
    expect(await net.namedParameters()[0]![1].data()).toEqual(before);
    net.dispose();
  });

  it('transposes torch layouts: OIHW → HWIO for convs, [out, in] → [in, out] for linears', async () => {
    const fx = readTorchUNetFixture();
    const net = new UNet2D(TINY_SPEC);
    loadTorchStateDict(net, fx.stateDict);
    const params = new Map(net.namedParameters());
    const conv = fx.stateDict['conv_in.weight']!; // torch [8, 1, 3, 3]
    const ours = await params.get('conv_in.weight')!.data(); // [3, 3, 1, 8]
    // torch[o=5, i=0, kh=2, kw=1] is ours[2, 1, 0, 5].
    expect(ours[((2 * 3 + 1) * 1 + 0) * 8 + 5]).toBe(conv.values[((5 * 1 + 0) * 3 + 2) * 3 + 1]);
    const lin = fx.stateDict['time_embedding.linear_1.weight']!; // torch [32, 8]
    const oursLin = await params.get('time_embedding.linear_1.weight')!.data(); // [8, 32]
    expect(oursLin[3 * 32 + 17]).toBe(lin.values[17 * 8 + 3]);
    net.dispose();
  });
});

describe('UNet2D', () => {
  it('draws the same initial weights for the same seed and different ones for another', async () => {
    const first = async (seed: number) => {
      const net = new UNet2D(TINY_SPEC, { seed });
      const v = Array.from(await net.namedParameters()[0]![1].data());
      net.dispose();
      return v;
    };
    expect(await first(7)).toEqual(await first(7));
    expect(await first(7)).not.toEqual(await first(8));
  });

  it('refuses inputs of the wrong shape with a coded error', () => {
    const net = new UNet2D(TINY_SPEC);
    expect(() => net.apply(tf.zeros([2, 8, 8, 3]), tf.zeros([2]))).toThrow(/x must be NHWC \[B, H, W, 1\]/);
    expect(() => net.apply(tf.zeros([2, 7, 7, 1]), tf.zeros([2]))).toThrow(/divisible by 2/);
    expect(() => net.apply(tf.zeros([2, 8, 8, 1]), tf.zeros([3]))).toThrow(DiffusionError);
    net.dispose();
  });

  it('applies dropout only in training, with masks fixed by options.seed', async () => {
    const net = new UNet2D({ ...TINY_SPEC, dropout: 0.5 }, { seed: 2 });
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const t = tf.tensor1d([0.3, 0.6]);
    const run = (o: { training?: boolean; seed?: number }) => net.apply(x, t, o).data();
    expect(await run({})).toEqual(await run({ training: false, seed: 1 }));
    expect(await run({ training: true, seed: 1 })).toEqual(await run({ training: true, seed: 1 }));
    expect(await run({ training: true, seed: 1 })).not.toEqual(await run({ training: true, seed: 2 }));
    expect(await run({ training: true, seed: 1 })).not.toEqual(await run({}));
    expect(() => net.apply(x, t, { training: true })).toThrow(/needs options\.seed/);
    net.dispose();
  });

  it('leaves no tensors behind', () => {
    const net = new UNet2D(TINY_SPEC);
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const t = tf.zeros([1]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    net.apply(x, t).dispose();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});
