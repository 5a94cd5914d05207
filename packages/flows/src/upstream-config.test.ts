import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeArchitecture, type ArchitectureSummary } from './architecture.js';
import { buildFlowModel } from './build.js';
import { FlowConfigError } from './errors.js';
import { resolveFlowModelSpec } from './presets.js';
import { useCpuBackend } from './test-helpers.js';
import { flowSpecFromUpstream } from './upstream-config.js';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';

beforeAll(useCpuBackend);

/** An upstream training file by name: the single-run config `example_grayscale_train.yaml` or a flow sweep. */
const fixture = (name: string) => {
  const folder = name === 'example_grayscale_train.yaml' ? 'configurations' : 'meta_configurations';
  return { source: name, doc: parse(readFileSync(upstreamFixture(folder, 'training', 'flows', name), 'utf8')) as Record<string, any> };
};

/**
 * What the reference's meta_configurations.change_coupling_layers does to a config
 * (docs/metaconfig-notes.md §1.13, example D).
 */
function changeCouplingLayers(config: unknown, cls: string, additional: Record<string, unknown> = {}): any {
  const copy = structuredClone(config);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const o = node as Record<string, any>;
      if (o['class_path'] === 'model_zoo.density_estimator.flow.ConfigurableCouplingTransform') {
        o['init_args'] = { ...o['init_args'], coupling_transform_cls: `nflows.transforms.${cls}`, ...additional };
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(copy);
  return copy;
}

const GLOW = ['AffineCouplingTransform', {}] as const;
const RQ_NSF = ['PiecewiseRationalQuadraticCouplingTransform', { tails: 'linear', num_bins: 8, tail_bound: 3.0 }] as const;

/** The docs/reference-notes.md §2.2 table, level by level. */
function expectReferenceArchitecture(
  arch: ArchitectureSummary,
  opts: { rgb: boolean; coupling: 'affine-coupling' | 'rq-spline-coupling'; numBins?: number; tailBound?: number },
) {
  const c1 = opts.rgb ? 12 : 4;
  const [h, w] = opts.rgb ? [32, 32] : [28, 28];
  const levels = [
    { squeeze: 2, channels: c1, size: h / 2, blocks: 3, hidden: 64, conv1x1: 7 },
    { squeeze: 2, channels: c1, size: h / 4, blocks: 3, hidden: 64, conv1x1: 7 },
    { squeeze: h / 4, channels: c1 * (h / 4) * (w / 4), size: 1, blocks: 2, hidden: 1024, conv1x1: 1 },
  ];
  levels[1]!.channels = c1 * 2;
  expect(arch.dataShape).toEqual(opts.rgb ? [3, 32, 32] : [1, 28, 28]);
  expect(arch.logit).toEqual({ alpha: 0.05 });
  expect(arch.levels).toHaveLength(3);
  arch.levels.forEach((level, i) => {
    const e = levels[i]!;
    expect(level.squeezeFactors).toEqual([e.squeeze]);
    expect(level.outputShape).toEqual([e.channels, e.size, e.size]);
    expect(level.actNorms).toBe(2 * e.blocks);
    expect(level.conv1x1).toBe(e.conv1x1);
    expect(level.couplings).toHaveLength(2 * e.blocks);
    expect(level.latentSize).toBe(i < 2 ? (e.channels / 2) * e.size * e.size : e.channels);
    level.couplings.forEach((c, j) => {
      expect(c).toMatchObject({ kind: opts.coupling, channels: e.channels, flip: j % 2 === 0, hiddenChannels: e.hidden, numBlocks: 2, dropout: 0.2 });
      if (opts.coupling === 'rq-spline-coupling') expect(c).toMatchObject({ numBins: opts.numBins, tailBound: opts.tailBound });
    });
    const block = i < 2 ? ['actnorm', 'conv1x1', opts.coupling] : ['actnorm', opts.coupling];
    expect(level.sequence).toEqual(['squeeze', ...Array.from({ length: 2 * e.blocks }, () => block).flat(), 'conv1x1']);
  });
  expect(arch.levels.map((l) => l.hiddenShape)).toEqual([
    [c1 / 2, h / 2, w / 2],
    [c1, h / 4, w / 4],
    null,
  ]);
  expect(arch.totals).toMatchObject({ couplings: 16, actNorms: 16, conv1x1: 15, latentSize: opts.rgb ? 3072 : 784 });
  expect(arch.levels.map((l) => l.latentSize)).toEqual(opts.rgb ? [1536, 768, 768] : [392, 196, 196]);
}

describe('upstream training configs → docs/reference-notes.md §2.2 architecture', () => {
  it('configurations/training/flows/example_grayscale_train.yaml (RQ-NSF, K=2, B=1)', () => {
    const { source, doc } = fixture('example_grayscale_train.yaml');
    const spec = flowSpecFromUpstream(doc['model'], { source });
    expect(spec.dataTransform).toMatchObject({ dequantize: true, scaleData: true, logit: { alpha: 0.05, eps: 1e-6 }, backgroundAugmentation: null });
    const model = buildFlowModel(spec);
    expectReferenceArchitecture(describeArchitecture(model), { rgb: false, coupling: 'rq-spline-coupling', numBins: 2, tailBound: 1 });
    model.dispose();
  });

  it.each([
    ['glow', GLOW, 'affine-coupling'],
    ['rq_nsf', RQ_NSF, 'rq-spline-coupling'],
  ] as const)('meta_configurations/training/flows/grayscale_flows.yaml base_config, flow_type=%s', (_alias, [cls, extra], kind) => {
    const { source, doc } = fixture('grayscale_flows.yaml');
    const config = changeCouplingLayers(doc['base_config'], cls, extra);
    const spec = flowSpecFromUpstream(config['model'], { source, path: 'base_config.model' });
    const model = buildFlowModel(spec);
    expectReferenceArchitecture(describeArchitecture(model), { rgb: false, coupling: kind, numBins: 8, tailBound: 3 });
    if (kind === 'affine-coupling') {
      // The built reference-size model runs: log p of a real-size batch is finite, and the latent is 784-d.
      const x = tf.floor(tf.randomUniform([2, 28, 28, 1], 0, 256, 'float32', 3));
      const lp = model.logProb(x, { seed: 1 });
      expect(Array.from(lp.dataSync()).every(Number.isFinite)).toBe(true);
    }
    model.dispose();
  });

  it('meta_configurations/training/flows/colorful_flows.yaml base_config (RGB), both coupling types', () => {
    const { source, doc } = fixture('colorful_flows.yaml');
    for (const [[cls, extra], kind] of [
      [GLOW, 'affine-coupling'],
      [RQ_NSF, 'rq-spline-coupling'],
    ] as const) {
      const spec = flowSpecFromUpstream(changeCouplingLayers(doc['base_config'], cls, extra)['model'], { source });
      const model = buildFlowModel(spec);
      expectReferenceArchitecture(describeArchitecture(model), { rgb: true, coupling: kind, numBins: 8, tailBound: 3 });
      model.dispose();
    }
  });

  it('background flows keep background_augmentation and their tail bound', () => {
    const { source, doc } = fixture('grayscale_background_flows.yaml');
    const spec = flowSpecFromUpstream(changeCouplingLayers(doc['base_config'], RQ_NSF[0], { ...RQ_NSF[1], tail_bound: 1.0 })['model'], { source });
    expect(spec.dataTransform.backgroundAugmentation).toBe(0.3);
    const coupling = spec.levels[0]!.transforms.find((t) => t.type === 'rq-spline-coupling');
    expect(coupling).toMatchObject({ tailBound: 1, numBins: 8 });
  });

  it('resolveFlowModelSpec accepts the upstream section, our spec and preset references alike', () => {
    const { doc } = fixture('grayscale_flows.yaml');
    const section = changeCouplingLayers(doc['base_config'], GLOW[0])['model'];
    const fromUpstream = resolveFlowModelSpec(section);
    expect(resolveFlowModelSpec(JSON.parse(JSON.stringify(fromUpstream)))).toEqual(fromUpstream);
    const preset = resolveFlowModelSpec({ preset: 'glow-grayscale' });
    // the preset is the reference architecture: same spec as the upstream file, modulo nothing
    expect(preset).toEqual(fromUpstream);
  });
});

describe('upstream config errors name the file and the YAML path', () => {
  const catchError = (f: () => unknown): FlowConfigError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(FlowConfigError);
      return e as FlowConfigError;
    }
    throw new Error('expected a FlowConfigError');
  };

  it('coupling_transform_cls left null (the sweep fills it in)', () => {
    const { source, doc } = fixture('grayscale_flows.yaml');
    const e = catchError(() => flowSpecFromUpstream(doc['base_config']['model'], { source, path: 'base_config.model' }));
    expect(e.path).toBe('base_config.model.init_args.transform[1].content[2].init_args.coupling_transform_cls');
    expect(e.message).toContain('grayscale_flows.yaml: base_config.model.init_args.transform[1].content[2].init_args.coupling_transform_cls');
  });

  it('an unknown transform class', () => {
    const { source, doc } = fixture('example_grayscale_train.yaml');
    doc['model']['init_args']['transform'][1]['content'][0]['class_path'] = 'nflows.transforms.normalization.BatchNorm';
    const e = catchError(() => flowSpecFromUpstream(doc['model'], { source }));
    expect(e.code).toBe('FLOWS_UNKNOWN_CLASS');
    expect(e.path).toBe('model.init_args.transform[1].content[0].class_path');
    expect(e.message).toContain('nflows.transforms.normalization.BatchNorm');
  });

  it('an unknown coupling class and an unsupported net', () => {
    const { doc } = fixture('grayscale_flows.yaml');
    const bad = changeCouplingLayers(doc['base_config'], 'MaskedAffineAutoregressiveTransform');
    expect(catchError(() => flowSpecFromUpstream(bad['model'])).code).toBe('FLOWS_UNKNOWN_CLASS');
    const embedded = fixture('grayscale_embedded_flows.yaml');
    const e = catchError(() => flowSpecFromUpstream(changeCouplingLayers(embedded.doc['base_config'], GLOW[0])['model'], { source: embedded.source }));
    expect(e.path).toBe('model.init_args.data_shape');
  });

  it('a mask or ActNorm size that does not match the channels at that point', () => {
    const { doc } = fixture('example_grayscale_train.yaml');
    doc['model']['init_args']['transform'][4]['content'][0]['init_args']['features'] = 9;
    const e = catchError(() => flowSpecFromUpstream(doc['model']));
    expect(e.path).toBe('model.init_args.transform[4].content[0].init_args.features');
    expect(e.message).toMatch(/9 features but its input has 8 channels/);
  });

  it('a wrong multiscale transform_output_shape or base distribution size', () => {
    const { doc } = fixture('example_grayscale_train.yaml');
    const copy = structuredClone(doc);
    copy['model']['init_args']['transform'][2]['multiscale']['transform_output_shape'] = [4, 7, 7];
    expect(catchError(() => flowSpecFromUpstream(copy['model'])).path).toBe('model.init_args.transform[2].multiscale.transform_output_shape');
    const copy2 = structuredClone(doc);
    copy2['model']['init_args']['base_distribution']['init_args']['shape'] = [783];
    expect(catchError(() => flowSpecFromUpstream(copy2['model'])).path).toBe('model.init_args.base_distribution.init_args.shape');
  });
});

describe('level grouping follows the reference NormalizingFlow', () => {
  const entry = (cls: string, args: Record<string, unknown>, multiscale?: boolean) => ({
    class_path: cls,
    init_args: args,
    ...(multiscale ? { multiscale: {} } : {}),
  });
  const base = (transform: unknown[]) => ({
    class_path: 'model_zoo.density_estimator.flow.NormalizingFlow',
    init_args: { data_shape: [1, 4, 4], logit_transform: true, dequantize: true, scale_data: true, transform },
  });

  it('transforms after the last multiscale entry form a final level; no multiscale key means one level', () => {
    const sq = entry('nflows.transforms.reshape.SqueezeTransform', { factor: 2 }, true);
    const an = entry('nflows.transforms.normalization.ActNorm', { features: 2 });
    expect(flowSpecFromUpstream(base([sq, an])).levels.map((l) => l.transforms.map((t) => t.type))).toEqual([['squeeze'], ['actnorm']]);
    const plain = flowSpecFromUpstream(base([entry('nflows.transforms.reshape.SqueezeTransform', { factor: 2 }), entry('nflows.transforms.normalization.ActNorm', { features: 4 })]));
    expect(plain.levels).toHaveLength(1);
  });
});
