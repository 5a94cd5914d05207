import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FlowError } from './errors.js';
import { importFlowCheckpoint } from './import-torch.js';
import { toNhwc } from './layout.js';

// Written by scripts/make-import-fixtures.py (torch 1.13): two three-level flows of the reference's pattern with
// random weights, saved as the reference's trainer saves them, and log p(x~) computed by PyTorch in float64.
const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/import/${name}`, import.meta.url));
const runConfig = JSON.parse(readFileSync(fixture('run_config.json'), 'utf8')) as Record<string, unknown>;
const affineSection = parse(readFileSync(fixture('affine-model.yaml'), 'utf8')) as Record<string, unknown>;
interface Expected {
  x: { shape: [number, number, number, number]; values: number[] };
  variants: Record<'affine' | 'rq', { logp: number[]; keys: number; parameters: number }>;
}
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as Expected;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function logpOf(checkpoint: string, config: unknown): Promise<{ logp: number[]; report: Awaited<ReturnType<typeof importFlowCheckpoint>>['report'] }> {
  const { model, report } = await importFlowCheckpoint({ checkpoint: fixture(checkpoint), config });
  try {
    const logp = tf.tidy(() => model.flow.logProb(toNhwc(tf.tensor(expected.x.values, expected.x.shape), 'NCHW') as tf.Tensor4D));
    const values = Array.from(await logp.data());
    logp.dispose();
    return { logp: values, report };
  } finally {
    model.dispose();
  }
}

function expectRelativelyClose(actual: number[], want: number[], tol: number): void {
  expect(actual).toHaveLength(want.length);
  actual.forEach((a, i) => expect(Math.abs(a - want[i]!) / Math.abs(want[i]!)).toBeLessThanOrEqual(tol));
}

/** A deep copy of a config with one change applied to its model section. */
function changed<T>(config: T, change: (model: any) => void): T {
  const c = structuredClone(config) as any;
  change(c.model ?? c);
  return c;
}

async function importError(checkpoint: string, config: unknown): Promise<FlowError> {
  const e = await importFlowCheckpoint({ checkpoint: fixture(checkpoint), config }).then(
    (r) => {
      r.model.dispose();
      return undefined;
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FlowError);
  return e as FlowError;
}

describe('importFlowCheckpoint', () => {
  it('gives PyTorch’s log-likelihoods for the affine flow (model-section YAML config)', async () => {
    const { logp, report } = await logpOf('affine-zip.pt', affineSection);
    expectRelativelyClose(logp, expected.variants.affine.logp, 1e-5);
    expect(report).toMatchObject({ format: 'zip', prefix: 'module_state_dict._nflow._transform._transforms.1.', epoch: 7, dataRange: { min: 0, max: 255 } });
    // Saved as older nflows did: no ActNorm `initialized` buffers (the rq fixtures have them, as bool).
    expect(report.dtypes).toEqual({ float32: expect.any(Number), int64: expect.any(Number) });
    // Level 3 (1×1 maps): 4 couplings × 2 blocks × 2 convs keep only their centre taps.
    expect(report.centreTapKernels).toBe(16);
  });

  it('gives PyTorch’s log-likelihoods for the rational-quadratic flow (whole run_config.json), zip and legacy files alike', async () => {
    for (const file of ['rq-zip.pt', 'rq-legacy.pt']) {
      const { logp, report } = await logpOf(file, runConfig);
      expectRelativelyClose(logp, expected.variants.rq.logp, 1e-5);
      expect(report.format).toBe(file.includes('legacy') ? 'legacy' : 'zip');
      expect(report.dtypes['bool']).toBe(actNorms(runConfig));
      // Parameters, plus the buffers read: 1×1-conv permutations, coupling masks and ActNorm `initialized` flags.
      expect(report.parameters).toBe(expected.variants.rq.parameters + permutationEntries(runConfig) + maskEntries(runConfig) + actNorms(runConfig));
    }
  });

  it('takes the pixel range from the checkpoint’s data_min/data_max buffers', async () => {
    const { model } = await importFlowCheckpoint({ checkpoint: fixture('rq-zip.pt'), config: runConfig });
    expect(model.spec.dataTransform).toMatchObject({ dataMin: 0, dataMax: 255, dequantize: true, scaleData: true });
    // Imported ActNorms are marked initialised: training from here would not re-initialise them from data.
    expect(Object.entries(model.stateDict()).filter(([k]) => k.endsWith('.initialized')).every(([, v]) => v === true)).toBe(true);
    model.dispose();
  });

  it('names parameter, both shapes and the config key when the hidden width differs', async () => {
    const cfg = changed(runConfig, (m) => {
      m.init_args.transform[1].content[2].init_args.net.init_args.hidden_channels = 16;
    });
    const e = await importError('rq-zip.pt', cfg);
    expect(e.code).toBe('FLOWS_CHECKPOINT_MISMATCH');
    expect(e.message).toContain(
      'module_state_dict._nflow._transform._transforms.1._transforms.0._transforms.3._value.transform_net.initial_layer.weight has torch shape [8, 2, 1, 1] in the checkpoint but [16, 2, 1, 1]',
    );
    expect(e.message).toContain('model.init_args.transform[1].content[2].init_args.net.init_args.hidden_channels decides it');
  });

  it('names the mask flip when a coupling transformed the other channels', async () => {
    const cfg = changed(runConfig, (m) => {
      m.init_args.transform[1].content[2].init_args.mask.flip = false;
    });
    const e = await importError('rq-zip.pt', cfg);
    expect(e.message).toMatch(/_value\.identity_features is \[[\d, ]+\] but the config's mask gives/);
    expect(e.message).toContain('model.init_args.transform[1].content[2].init_args.mask.flip decides it');
  });

  it('names the number of bins when the spline parameters do not fit', async () => {
    const cfg = changed(runConfig, (m) => {
      for (const entry of m.init_args.transform[1].content) if (entry.init_args.coupling_transform_cls) entry.init_args.num_bins = 5;
    });
    const e = await importError('rq-zip.pt', cfg);
    expect(e.message).toContain('final_layer.weight has torch shape [22, 8, 1, 1] in the checkpoint but [28, 8, 1, 1]');
    expect(e.message).toContain('init_args.num_bins decides it');
  });

  it('reports checkpoint tensors the config has no place for (one repeat too few)', async () => {
    const cfg = changed(runConfig, (m) => {
      m.init_args.transform[7].repeat_n = 1;
    });
    const e = await importError('rq-zip.pt', cfg);
    // The final 1×1 conv moves up to where the checkpoint has an ActNorm: first named, then counted with the rest.
    expect(e.message).toContain('_transforms.1._transforms.2._transforms.5.lower_entries (torch shape [120]) is needed by the model built from the config but is not in the checkpoint');
    expect(e.details['mismatches']).toBeGreaterThan(10);
  });

  it('names logit_transform when the config leaves out the logit transform the checkpoint was trained behind', async () => {
    const cfg = changed(runConfig, (m) => {
      m.init_args.logit_transform = false;
    });
    const e = await importError('rq-zip.pt', cfg);
    expect(e.message).toContain('sits behind a logit transform (its weights are under module_state_dict._nflow._transform._transforms.1.)');
    expect(e.message).toContain('model.init_args.logit_transform decides it');
  });

  it('refuses a diffusion checkpoint as holding no flow weights', async () => {
    const e = await importFlowCheckpoint({
      checkpoint: fileURLToPath(new URL('../../diffusion/src/__fixtures__/import/reference-zip.pt', import.meta.url)),
      config: runConfig,
    }).catch((err: unknown) => err as FlowError);
    expect((e as FlowError).code).toBe('FLOWS_CHECKPOINT_MISMATCH');
    expect((e as FlowError).message).toContain('no flow weights found');
  });
});

/** Elements of the 1×1-conv permutation buffers (counted among the tensors read). */
function permutationEntries(config: Record<string, unknown>): number {
  return entries(config)
    .filter((e) => String(e.class_path).endsWith('OneByOneConvolution'))
    .reduce((s, e) => s + (e.init_args as { num_channels: number }).num_channels, 0);
}

/** ActNorms (one `initialized` flag each, saved by current nflows). */
function actNorms(config: Record<string, unknown>): number {
  return entries(config).filter((e) => String(e.class_path).endsWith('ActNorm')).length;
}

/** Elements of the coupling mask buffers (identity + transform features = mask dim). */
function maskEntries(config: Record<string, unknown>): number {
  return entries(config)
    .filter((e) => String(e.class_path).endsWith('ConfigurableCouplingTransform'))
    .reduce((s, e) => s + (e.init_args as { mask: { dim: number } }).mask.dim, 0);
}

function entries(config: Record<string, unknown>): Array<Record<string, unknown>> {
  const list = ((config['model'] as any).init_args.transform as any[]) ?? [];
  return list.flatMap((t) => (t.repeat_n ? Array.from({ length: t.repeat_n }, () => t.content).flat() : [t]));
}
