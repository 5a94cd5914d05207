import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DiffusionError } from './errors.js';
import { importDiffusionCheckpoint } from './import-torch.js';
import { resolveDiffusionModelSpec } from './presets.js';

// Written by scripts/make-import-fixtures.py (torch 1.13): one U-Net's weights saved in several ways.
const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/import/${name}`, import.meta.url));
const config = parse(readFileSync(fixture('config.yaml'), 'utf8')) as Record<string, unknown>;
interface Expected {
  prefix: string;
  parameters: number;
  x: { shape: [number, number, number, number]; values: number[] };
  outputs: Array<{ t: number; shape: number[]; values: number[] }>;
}
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as Expected;

/** A copy of the fixture config with the U-Net's kwargs changed. */
function withKwargs(change: Record<string, unknown>): Record<string, unknown> {
  const c = structuredClone(config) as { model: { init_args: { score_network_kwargs: Record<string, unknown> } } };
  Object.assign(c.model.init_args.score_network_kwargs, change);
  return c;
}

async function importError(checkpoint: string, cfg: unknown): Promise<DiffusionError> {
  const e = await importDiffusionCheckpoint({ checkpoint: fixture(checkpoint), config: cfg }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DiffusionError);
  return e as DiffusionError;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('importDiffusionCheckpoint', () => {
  const variants = [
    ['reference-zip.pt', 'zip', `module_state_dict.${expected.prefix}`, { float32: 1 }, false],
    ['reference-legacy.pt', 'legacy', `module_state_dict.${expected.prefix}`, { float32: 1 }, false],
    ['old-attention-float16.pt', 'zip', `module_state_dict.${expected.prefix}`, { float16: 1 }, true],
    ['bare-mixed-dtypes.pt', 'legacy', '', { bfloat16: 1, float64: 1 }, false],
  ] as const;

  for (const [file, format, prefix, dtypes, oldNames] of variants) {
    it(`${file}: loads the U-Net and gives PyTorch's output within 1e-4`, async () => {
      const { model, report } = await importDiffusionCheckpoint({ checkpoint: fixture(file), config, seed: 7 });
      expect(report.format).toBe(format);
      expect(report.prefix).toBe(prefix);
      expect(report.parameters).toBe(expected.parameters);
      expect(model.numParameters()).toBe(expected.parameters);
      expect(Object.keys(report.dtypes).sort()).toEqual(Object.keys(dtypes).sort());
      expect(report.renamedAttention > 0).toBe(oldNames);
      if (prefix) expect(report).toMatchObject({ epoch: 3, iteration: 42, otherTensors: 3 });
      const x = tf.tensor4d(expected.x.values, expected.x.shape);
      for (const out of expected.outputs) {
        const y = model.network.apply(x, tf.fill([expected.x.shape[0]], out.t) as tf.Tensor1D);
        expect(y.shape).toEqual(out.shape);
        const got = await y.data();
        y.dispose();
        let maxErr = 0;
        for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - out.values[i]!));
        expect(maxErr).toBeLessThan(1e-4);
        // The outputs are far from trivial: a wrong weight would show.
        expect(Math.max(...out.values.map(Math.abs))).toBeGreaterThan(0.1);
      }
      x.dispose();
    });
  }

  it('accepts the model section by itself', async () => {
    const { report } = await importDiffusionCheckpoint({ checkpoint: fixture('reference-zip.pt'), config: config['model'] });
    expect(report.tensors).toBeGreaterThan(0);
  });

  it('a channel mismatch names the parameter, both shapes and the config key', async () => {
    const e = await importError('reference-zip.pt', withKwargs({ block_out_channels: [4, 12, 8, 16] }));
    expect(e.code).toBe('DIFFUSION_CHECKPOINT_MISMATCH');
    expect(e.message).toContain('down_blocks.1.resnets.0.conv1.weight');
    expect(e.message).toContain('[8, 4, 3, 3] in the checkpoint but [12, 4, 3, 3] in the model');
    expect(e.message).toContain('model.init_args.score_network_kwargs.block_out_channels[1] decides it');
    expect(e.details).toMatchObject({ parameter: 'down_blocks.1.resnets.0.conv1.weight', checkpointShape: [8, 4, 3, 3], modelShape: [12, 4, 3, 3] });
  });

  it('input channels and attention placement are named by their own keys', async () => {
    const channels = await importError('reference-zip.pt', { model: { ...(config['model'] as object), init_args: { ...(config['model'] as { init_args: object }).init_args, data_shape: [3, 16, 16], score_network_kwargs: { ...(config['model'] as { init_args: { score_network_kwargs: object } }).init_args.score_network_kwargs, in_channels: 3, out_channels: 3 } } } });
    expect(channels.message).toMatch(/conv_in\.weight .*\[4, 1, 3, 3\] in the checkpoint but \[4, 3, 3, 3\].*in_channels decides it/);
    const attention = await importError('reference-zip.pt', withKwargs({ down_block_types: ['DownBlock2D', 'DownBlock2D', 'DownBlock2D', 'DownBlock2D'] }));
    expect(attention.message).toMatch(/down_blocks\.2\.attentions\.0\.\w+.*no parameter .*down_block_types\[2\] decides it/);
    const layers = await importError('reference-zip.pt', withKwargs({ layers_per_block: 2 }));
    expect(layers.message).toMatch(/down_blocks\.0\.resnets\.1\.\S+ .*not in the checkpoint.*layers_per_block decides it/);
  });

  it('our own spec form: the mismatch names the spec field', async () => {
    const spec = resolveDiffusionModelSpec(config['model'], { seed: 0, path: 'model' });
    const ok = await importDiffusionCheckpoint({ checkpoint: fixture('reference-legacy.pt'), config: { model: spec } });
    expect(ok.model.spec.network).toEqual(spec.network);
    const wrong = { ...spec, network: { ...spec.network, blockOutChannels: [4, 8, 8, 24] } };
    const e = await importError('reference-legacy.pt', wrong);
    expect(e.message).toMatch(/has torch shape \[16, 8, 3, 3\] in the checkpoint but \[24, 8, 3, 3\].*model\.network\.blockOutChannels\[3\] decides it/);
  });

  it('a checkpoint without U-Net weights is refused, naming what it holds', async () => {
    const e = await importError('no-unet.pt', config);
    expect(e.message).toMatch(/no U-Net weights found: no tensor is named …conv_in\.weight/);
    expect(e.message).toContain('module_state_dict.net.0.weight');
  });

  it('an invalid config is a config error before the checkpoint is read', async () => {
    const e = await importError('reference-zip.pt', withKwargs({ block_out_channels: [4, 8, 8] }));
    expect(e.message).toContain('model.init_args.score_network_kwargs');
  });
});
