import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';
import { isOodConfig, readOodPlan } from './ood-plan.js';

const upstream = parse(readFileSync(upstreamFixture('configurations', 'ood', 'flows', 'lid_ood_1.yaml'), 'utf8'));

describe('readOodPlan', () => {
  test("the reference's LID_OOD config with a {sweep, job} model reference", () => {
    const config = { ...upstream, base_model: { sweep: 'flows', job: 0 } };
    expect(isOodConfig(config)).toBe(true);
    expect(readOodPlan(config)).toMatchObject({
      method: 'lid', estimator: 'exact', seed: 100, model: { reference: true }, inDistribution: 'svhn', dataset: 'svhn', split: 'test',
      points: 5 * 8, calibrationPoints: 16 * 8, target: 40, scaleRange: [-100, 100], bisectionSteps: 20, generated: null, checkpointEvery: 16,
    });
  });

  test('the reference PyTorch checkpoint paths are refused with the reason', () => {
    expect(() => readOodPlan(upstream)).toThrow(/is a PyTorch checkpoint of the reference project; importing those is not supported yet/);
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
      dataset: 'dgm-generated', points: 100, calibrationPoints: 64, target: 'lpca',
      generated: { seed: 10, length: 1000, modelPath: 'data.out_of_distribution.dataloader_args.dgm_args.model_loading_config' },
    });
  });

  test('unknown methods and missing seeds name their path', () => {
    const base = { base_model: { sweep: 's', job: 0 }, data: { in_distribution: { dataloader_args: { dataset: 'a' } }, out_of_distribution: { dataloader_args: { dataset: 'b' } } } };
    expect(() => readOodPlan({ ...base, ood: { seed: 1, method: 'ood.likelihood_ratio.DiffusionCCLR' } })).toThrow(/config ood.method: ood.likelihood_ratio.DiffusionCCLR is not implemented/);
    expect(() => readOodPlan({ ...base, ood: { method: 'lid' } })).toThrow('config ood.seed: missing');
  });

  test('a fast LID estimator is refused with the reason, however it is asked for', () => {
    const base = { base_model: { sweep: 's', job: 0 }, data: { in_distribution: { dataloader_args: { dataset: 'a' } }, out_of_distribution: { dataloader_args: { dataset: 'b' } } } };
    const lid = (methodArgs: Record<string, string>) => ({ ...base, ood: { seed: 1, method: 'lid', method_args: methodArgs } });
    expect(() => readOodPlan(lid({ estimator: 'fast' }))).toThrow(/config ood.method_args.estimator: no fast LID estimator is available .* use estimator: exact/);
    expect(() => readOodPlan(lid({ lid_calculator_class: 'lid.flows.FastFlowLIDEstimator' }))).toThrow(/config ood.method_args.lid_calculator_class \(lid.flows.FastFlowLIDEstimator\): no fast LID estimator/);
    expect(() => readOodPlan(lid({ estimator: 'approximate' }))).toThrow('config ood.method_args.estimator: must be exact (got "approximate")');
    expect(readOodPlan(lid({ estimator: 'exact' })).estimator).toBe('exact');
  });
});
