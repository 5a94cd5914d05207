import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countUNetParameters, unetFlopsPerImage } from './parameter-count.js';
import { UNET_DEFAULTS, type UNetSpec } from './spec.js';
import { readTorchUNetFixture } from './torch-fixture.js';
import { UNet2D } from './unet2d.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const counts = readTorchUNetFixture().parameterCounts;

describe('countUNetParameters', () => {
  it.each(['tiny', 'medium'] as const)('equals the built model and the PyTorch twin (%s)', (key) => {
    const { spec, parameters } = counts[key];
    const net = new UNet2D(spec);
    expect(countUNetParameters(spec)).toBe(net.numParameters());
    expect(countUNetParameters(spec)).toBe(parameters);
    net.dispose();
  });

  it.each(['referenceGray', 'referenceRgb'] as const)("equals PyTorch's sum(p.numel()) for the reference U-Net (%s)", (key) => {
    const { spec, parameters } = counts[key];
    expect(spec.blockOutChannels).toEqual([128, 128, 256, 256, 512, 512]);
    expect(countUNetParameters(spec)).toBe(parameters);
  });
});

describe('unetFlopsPerImage', () => {
  it.each(['tiny', 'medium', 'referenceGray', 'referenceRgb'] as const)('equals the PyTorch twin counted by forward hooks (%s)', (key) => {
    const c = counts[key];
    expect(unetFlopsPerImage(c.spec)).toBe(c.flopsPerImage);
  });

  it('adds up layer by layer for a one-level U-Net', () => {
    const spec: UNetSpec = {
      ...UNET_DEFAULTS,
      sampleSize: 4,
      inChannels: 1,
      outChannels: 1,
      layersPerBlock: 1,
      blockOutChannels: [8],
      downBlockTypes: ['DownBlock2D'],
      upBlockTypes: ['UpBlock2D'],
      normNumGroups: 4,
    };
    const px = 16;
    const temb = 32;
    const resnet = (cin: number, cout: number) => px * 9 * cin * cout + px * 9 * cout * cout + (cin === cout ? 0 : px * cin * cout) + temb * cout;
    const macs =
      px * 9 * 1 * 8 + // conv_in
      8 * temb + temb * temb + // time embedding
      resnet(8, 8) + // down
      2 * resnet(8, 8) + (4 * px * 8 * 8 + 2 * px * px * 8) + // mid: resnets and attention
      2 * resnet(16, 8) + // up: two resnets on hidden ⧺ skip
      px * 9 * 8 * 1; // conv_out
    expect(unetFlopsPerImage(spec)).toBe(2 * macs);
  });
});
