/** Counts a job is asked for are bounded when its config is read (at POST), not discovered by a worker's memory. */
import { expect, test } from 'vitest';
import { MAX_BATCH, MAX_GENERATED, MAX_POINTS, readOodPlan } from './ood-plan.js';

const config = (overrides: { ood?: object; out?: object; dataset?: string } = {}) => ({
  base_model: { sweep: 's', job: 0 },
  data: {
    in_distribution: { dataloader_args: { dataset: 'fashion-mnist' } },
    out_of_distribution: {
      pick_loader: 'test',
      dataloader_args: { dataset: overrides.dataset ?? 'mnist', test_batch_size: 8, ...(overrides.out ?? {}) },
    },
  },
  ood: { method: 'ood.methods.flow.LikelihoodOOD', seed: 1, ...(overrides.ood ?? {}) },
});
const read = (c: object) => () => readOodPlan(c as never);

test('pick_count, points, length and batch sizes of 2^53 − 1 are refused with their config key', () => {
  const huge = Number.MAX_SAFE_INTEGER;
  expect(read(config({ ood: { pick_count: huge } }))).toThrow(new RegExp(`ood\\.pick_count.*up to ${MAX_POINTS}`));
  expect(read(config({ ood: { points: huge } }))).toThrow(/ood\.points/);
  expect(read(config({ out: { test_batch_size: huge } }))).toThrow(new RegExp(`test_batch_size.*up to ${MAX_BATCH}`));
  expect(read(config({ out: { batch_size: huge } }))).toThrow(/dataloader_args\.batch_size/);
  const generated = config({ dataset: 'dgm-generated', out: { dgm_args: { length: huge, model_loading_config: { sweep: 's', job: 0 } } } });
  expect(read(generated)).toThrow(new RegExp(`dgm_args\\.length.*up to ${MAX_GENERATED}`));
});

test('counted in batches, the points a job scores are bounded too', () => {
  const c = config({ ood: { pick_count: MAX_POINTS, use_dataloader: true } });
  expect(read(c)).toThrow(new RegExp(`more than ${MAX_POINTS} per job`));
  expect(readOodPlan(config({ ood: { pick_count: 1000, use_dataloader: true } }) as never).points).toBe(8000);
});
