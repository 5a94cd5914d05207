import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { ConfigReader, type JsonValue } from '@dgm-ood/jobs';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';
import { expandMetaConfig } from '@dgm-ood/metaconfig';
import { lidMethod } from './lid.js';
import { likelihoodMethod } from './likelihood.js';
import { isOodConfig, readModelSource, readOodPlan } from './ood-plan.js';
import { MethodRegistry } from './registry.js';

const upstream = parse(readFileSync(upstreamFixture('configurations', 'ood', 'flows', 'lid_ood_1.yaml'), 'utf8'));
const methods = new MethodRegistry([likelihoodMethod, lidMethod]);
const lidPlan = (config: JsonValue) => lidMethod.readPlan(new ConfigReader(config, 'ood.method_args'));

describe('readOodPlan and the LID method plan', () => {
  test("the reference's LID_OOD config with a {sweep, job} model reference", () => {
    const config = { ...upstream, base_model: { sweep: 'flows', job: 0 } };
    expect(isOodConfig(config)).toBe(true);
    expect(readModelSource(config)).toEqual({ reference: true });
    expect(readOodPlan(config)).toMatchObject({
      classPath: 'ood.intrinsic_dimension.LID_OOD', seed: 100, inDistribution: 'svhn', dataset: 'svhn', split: 'test', points: 5 * 8, generated: null, checkpointEvery: 16,
    });
    expect(methods.resolve(readOodPlan(config).classPath).id).toBe('lid');
    expect(lidPlan(config)).toEqual({ estimator: 'exact', submethod: 'thresholding', calibrationPoints: 16 * 8, target: 40, percentileRule: null, fixedScale: null, lpcaPoints: 10_000, scaleRange: [-100, 100], bisectionSteps: 20 });
  });

  test("the reference's PyTorch checkpoint paths are read as an import (config_dir, or an inline model section)", () => {
    const base = (upstream as { base_model: { checkpoint_dir: string; config_dir: string } }).base_model;
    expect(readModelSource(upstream)).toEqual({ torch: { checkpoint: base.checkpoint_dir, config: base.config_dir, model: null } });
    const inline = { ...upstream, base_model: { checkpoint_dir: 'run/checkpoints/de_nf_best_valid.pt', model: { class_path: 'x.NormalizingFlow', init_args: {} } } };
    expect(readModelSource(inline)).toEqual({ torch: { checkpoint: 'run/checkpoints/de_nf_best_valid.pt', config: null, model: inline.base_model.model } });
    expect(() => readModelSource({ ...upstream, base_model: { checkpoint_dir: 'a.pt' } })).toThrow(/^config base_model: the PyTorch checkpoint a\.pt needs the run's config to build its model: config_dir/);
    expect(() => readModelSource({ ...upstream, base_model: { checkpoint_dir: 3, config_dir: 'c.json' } })).toThrow(/^config base_model\.checkpoint_dir: expected the path of a PyTorch checkpoint/);
  });

  test("additional_dataset_args reach the data: MedMNIST subsets (the reference's medical sweeps) and resize_image", () => {
    const side = (dataset: string, args?: JsonValue): JsonValue => ({ dataloader_args: { dataset, ...(args === undefined ? {} : { additional_dataset_args: args }) } });
    const config = (inArgs: JsonValue, outArgs: JsonValue): JsonValue => ({
      base_model: { sweep: 's', job: 0 },
      data: { in_distribution: side('medmnist', inArgs), out_of_distribution: side('medmnist', outArgs) },
      ood: { seed: 1, method: 'likelihood', points: 10 },
    });
    const plan = readOodPlan(config({ subclass: 'ChestMNIST', align: true }, { subclass: 'PneumoniaMNIST', resize_image: [32, 32] }));
    expect(plan.inDistributionArgs).toEqual({ size: null, medmnist: { subclass: 'ChestMNIST', align: true } });
    expect(plan.datasetArgs).toEqual({ size: [32, 32], medmnist: { subclass: 'PneumoniaMNIST', align: true } });
    expect(() => readOodPlan(config({ subclass: 'ChestMNIST' }, {}))).toThrow(
      /^config data\.out_of_distribution\.dataloader_args\.additional_dataset_args\.subclass: medmnist needs one of .*\(got undefined\)/,
    );
    expect(() => readOodPlan(config({ subclass: 'ChestMNIST', align: 'yes' }, { subclass: 'OrganAMNIST' }))).toThrow(/additional_dataset_args\.align: must be true or false/);
  });

  test('generated samples of the referenced model; explicit points; lpca target by default', () => {
    const config = {
      base_model: { sweep: 's', job: 0 },
      data: {
        in_distribution: { dataloader_args: { dataset: 'fashion-mnist' } },
        out_of_distribution: { dataloader_args: { dataset: 'dgm-generated', dgm_args: { model_loading_config: { sweep: 's', job: 0 }, seed: 10, length: 1000 } } },
      },
      ood: { seed: 1, method: 'lid', points: 100, method_args: { calibration_points: 64 } },
    };
    expect(readOodPlan(config)).toMatchObject({
      dataset: 'dgm-generated', points: 100,
      generated: { seed: 10, length: 1000, modelPath: 'data.out_of_distribution.dataloader_args.dgm_args.model_loading_config' },
    });
    expect(lidPlan(config)).toMatchObject({ calibrationPoints: 64, target: 'lpca' });
  });

  test("the complexity sweep's pick_count counts batches (128 × 8 = 1024 points, as its comment says); ood.points wins", () => {
    const source = readFileSync(upstreamFixture('meta_configurations', 'ood', 'complexity', 'grayscale_complexity.yaml'), 'utf8');
    const expanded = expandMetaConfig(source, { format: 'yaml' });
    if (!expanded.ok) throw new Error(JSON.stringify(expanded.errors));
    const config = expanded.jobs[0]!.config as { [key: string]: JsonValue; ood: { [key: string]: JsonValue } };
    expect(readOodPlan(config).points).toBe(1024);
    expect(readOodPlan({ ...config, ood: { ...config.ood, points: 100 } }).points).toBe(100);
    // LID_OOD's pick_count stays a point count.
    expect(readOodPlan({ ...config, ood: { ...config.ood, method: 'ood.intrinsic_dimension.LID_OOD' } }).points).toBe(128);
  });

  test('unknown, unavailable and older methods; missing seeds name their path', () => {
    const base = { base_model: { sweep: 's', job: 0 }, data: { in_distribution: { dataloader_args: { dataset: 'a' } }, out_of_distribution: { dataloader_args: { dataset: 'b' } } } };
    expect(() => methods.resolve('ood.methods.sampling.GaussianConvTrend')).toThrow(/^config ood\.method: ood\.methods\.sampling\.GaussianConvTrend is not available: the Gaussian-convolution trend/);
    expect(() => methods.resolve('ood.sampling.ProbabilityMassSampling')).toThrow(/^config ood\.method: ood\.sampling\.ProbabilityMassSampling is not available: probability-mass sampling/);
    expect(() => methods.resolve('my.own.Method')).toThrow(/^config ood\.method: my\.own\.Method is not a known OOD method \(implemented: likelihood = .*lid = ood\.intrinsic_dimension\.LID_OOD/);
    expect(methods.resolve('ood.methods.intrinsic_dimension.FlowIntrinsicDimensionOODDetection').id).toBe('lid');
    expect(() => readOodPlan({ ...base, ood: { method: 'lid' } })).toThrow('config ood.seed: missing');
  });

  test('a method the model family cannot serve names both', () => {
    const scoreOnly = { name: 'diffusion', capabilities: ['logLikelihood', 'score'] as const };
    expect(methods.resolve('ood.likelihood.Likelihood', scoreOnly).id).toBe('likelihood');
    expect(() => methods.resolve('ood.intrinsic_dimension.LID_OOD', scoreOnly)).toThrow(
      'config ood.method: ood.intrinsic_dimension.LID_OOD cannot run on a diffusion model (lid needs jacobianSpectrum, which the diffusion family does not offer)',
    );
  });

  test('a fast LID estimator is refused with the reason, however it is asked for', () => {
    const lid = (methodArgs: Record<string, string>) => ({ ood: { seed: 1, method: 'lid', method_args: methodArgs } });
    expect(() => lidPlan(lid({ estimator: 'fast' }))).toThrow(/config ood.method_args.estimator: no fast LID estimator is available .* use estimator: exact/);
    expect(() => lidPlan(lid({ lid_calculator_class: 'lid.flows.FastFlowLIDEstimator' }))).toThrow(/config ood.method_args.lid_calculator_class \(lid.flows.FastFlowLIDEstimator\): no fast LID estimator/);
    expect(() => lidPlan(lid({ estimator: 'approximate' }))).toThrow('config ood.method_args.estimator: must be exact (got "approximate")');
    expect(lidPlan(lid({ estimator: 'exact' })).estimator).toBe('exact');
  });

  test("the paper's earlier flow LID arguments, with that snapshot's defaults; the plateau rule is refused by name", () => {
    const older = (args: Record<string, unknown>) => ({
      data: { in_distribution: { dataloader_args: { train_batch_size: 8 } } },
      ood: { seed: 100, method: 'ood.methods.intrinsic_dimension.FlowIntrinsicDimensionOODDetection', method_args: { checkpointing_buffer: 16, given_mean_lid: 245, ...args } },
    });
    const given = { adaptive_measurement: true, adaptive_setting_mode: 'given ', bin_search_iteration_count: 20, adaptive_train_data_buffer_size: 15, submethod: 'thresholding' };
    expect(lidPlan(older(given))).toEqual({
      estimator: 'exact', submethod: 'thresholding', calibrationPoints: 15 * 8, target: 245, percentileRule: null, fixedScale: null, lpcaPoints: 10_000, scaleRange: [-20, 20], bisectionSteps: 20,
    });
    const percentile = { adaptive_measurement: true, adaptive_setting_mode: 'percentile', percentile: 10, dimension_tolerance: 0.07, bin_search_iteration_count: 20, adaptive_train_data_buffer_size: 15, submethod: 'thresholding' };
    expect(lidPlan(older(percentile))).toMatchObject({ percentileRule: { percentile: 10, tolerance: 0.07 }, calibrationPoints: 120, scaleRange: [-20, 20], fixedScale: null });
    expect(lidPlan(older({ ...given, submethod: 'taylor_approximation' }))).toMatchObject({ submethod: 'taylor_approximation', target: 245 });
    expect(lidPlan(older({ evaluate_r: -20, adaptive_measurement: false, submethod: 'thresholding' }))).toMatchObject({ fixedScale: -20, calibrationPoints: 0, percentileRule: null });
    // That snapshot's defaults: Taylor, no adaptive measurement, r = −20.
    expect(lidPlan(older({}))).toMatchObject({ submethod: 'taylor_approximation', fixedScale: -20 });
    expect(() => lidPlan(older({ ...given, adaptive_setting_mode: 'plateau_based' }))).toThrow(/^config ood\.method_args\.adaptive_setting_mode: "plateau_based" is not available/);
    expect(() => lidPlan(older({ ...given, submethod: 'spline' }))).toThrow(/^config ood\.method_args\.submethod: must be one of thresholding, taylor_approximation/);
  });
});
