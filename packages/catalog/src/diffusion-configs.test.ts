/**
 * The reference's diffusion training sweeps, expanded as the coordinator expands them, pass this deployment's
 * submission check job by job, the medmnist sweep included (1×28×28 data resized to the model's 1×32×32).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_NAME_CHANGER, expandMetaConfig } from '@dgm-ood/metaconfig';
import { checkJobConfig } from './index.js';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';

function jobsOf(name: string) {
  const result = expandMetaConfig(readFileSync(upstreamFixture('meta_configurations', 'training', 'diffusions', name), 'utf8'), {
    file: name,
    runNameChanger: DEFAULT_RUN_NAME_CHANGER.train,
  });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return result.jobs;
}

describe("checkJobConfig('train') on the reference's diffusion sweeps", () => {
  it.each([
    ['grayscale_diffusions.yaml', 8],
    ['colorful_diffusions.yaml', 12],
  ])('%s: all %i jobs are accepted as diffusion models', (name, count) => {
    const jobs = jobsOf(name);
    expect(jobs).toHaveLength(count);
    for (const job of jobs) expect({ job: job.name, ...checkJobConfig('train', job.config) }).toEqual({ job: job.name, problems: [], family: 'diffusion' });
  });

  it('medmnist_diffusions.yaml: all 6 jobs (one per subclass and ChestMNIST alignment) are accepted as diffusion models', () => {
    const jobs = jobsOf('medmnist_diffusions.yaml');
    expect(jobs).toHaveLength(6);
    const args = jobs.map((job) => (job.config as { data: { additional_dataset_args: object } }).data.additional_dataset_args);
    expect(args).toEqual([
      { resize_image: [32, 32], subclass: 'ChestMNIST', align: true },
      { resize_image: [32, 32], subclass: 'PneumoniaMNIST' },
      { resize_image: [32, 32], subclass: 'ChestMNIST', align: false },
      { resize_image: [32, 32], subclass: 'OrganAMNIST' },
      { resize_image: [32, 32], subclass: 'OrganCMNIST' },
      { resize_image: [32, 32], subclass: 'OrganSMNIST' },
    ]);
    for (const job of jobs) expect({ job: job.name, ...checkJobConfig('train', job.config) }).toEqual({ job: job.name, problems: [], family: 'diffusion' });
  });

  it('a medmnist job is refused where its data does not fit: no resize (28×28 vs the U-Net\'s 32×32), no subclass', () => {
    const [job] = jobsOf('medmnist_diffusions.yaml');
    const noResize = structuredClone(job!.config) as { data: { additional_dataset_args: { resize_image?: number[]; subclass?: string } } };
    delete noResize.data.additional_dataset_args.resize_image;
    expect(checkJobConfig('train', noResize as never).problems).toEqual([
      { path: 'data.dataset', message: expect.stringMatching(/medmnist gives 28×28 images but the model expects 32×32/) },
    ]);
    const noSubclass = structuredClone(job!.config) as typeof noResize;
    delete noSubclass.data.additional_dataset_args.subclass;
    expect(checkJobConfig('train', noSubclass as never).problems).toEqual([
      { path: 'data.additional_dataset_args.subclass', message: expect.stringMatching(/^config data\.additional_dataset_args\.subclass: medmnist needs one of ChestMNIST, /) },
    ]);
  });

  it('a diffusion job with an unsupported model argument is refused at its path', () => {
    const [job] = jobsOf('grayscale_diffusions.yaml');
    const config = structuredClone(job!.config) as { model: { init_args: { score_network_kwargs: { block_out_channels: number[] } } } };
    config.model.init_args.score_network_kwargs.block_out_channels[2] = 200;
    const { problems } = checkJobConfig('train', config as never);
    expect(problems).toEqual([
      {
        path: 'model.init_args.score_network_kwargs.block_out_channels[2]',
        message: expect.stringMatching(/^config model\.init_args\.score_network_kwargs\.block_out_channels\[2\]: 200 channels cannot be split into norm_num_groups = 32 GroupNorm groups/),
      },
    ]);
  });
});

describe('trainer.test_evaluation at submission', () => {
  it("a diffusion job's settings are checked where they are written", () => {
    const [job] = jobsOf('grayscale_diffusions.yaml');
    const config = structuredClone(job!.config) as { trainer: Record<string, unknown> };
    config.trainer.test_evaluation = { points: 500, solver: 'rk45', rtol: 1e-4 };
    expect(checkJobConfig('train', config as never)).toEqual({ problems: [], family: 'diffusion' });
    config.trainer.test_evaluation = { points: 500, solver: 'rk4' };
    expect(checkJobConfig('train', config as never).problems).toEqual([
      { path: 'trainer.test_evaluation.solver', message: 'config trainer.test_evaluation.solver: must be one of rk45, euler (got "rk4")' },
    ]);
    config.trainer.test_evaluation = { points: 0 };
    expect(checkJobConfig('train', config as never).problems[0]!.path).toBe('trainer.test_evaluation.points');
  });

  it('a family without a test evaluation refuses the key', () => {
    const flow = { data: { dataset: 'fashion-mnist' }, model: { preset: 'rqnsf-grayscale-cpu' }, trainer: { test_evaluation: true } };
    expect(checkJobConfig('train', flow as never).problems).toEqual([
      { path: 'trainer.test_evaluation', message: expect.stringMatching(/the flow family has no test evaluation/) },
    ]);
  });
});

describe('the images must fit the model at submission', () => {
  const base = () => structuredClone(jobsOf('grayscale_diffusions.yaml')[0]!.config) as { data: { dataset: string; additional_dataset_args?: { resize_image?: number[] } } };

  it("without the reference's resize_image, 28×28 Fashion-MNIST does not fit the 32×32 U-Net: refused with the fix", () => {
    const config = base();
    delete config.data.additional_dataset_args;
    expect(checkJobConfig('train', config as never).problems).toEqual([
      {
        path: 'data.dataset',
        message: 'config data.dataset: fashion-mnist gives 28×28 images but the model expects 32×32 (its data shape is 1×32×32); set data.additional_dataset_args.resize_image: [32, 32]',
      },
    ]);
    config.data.additional_dataset_args = { resize_image: [28, 28] };
    expect(checkJobConfig('train', config as never).problems[0]!.path).toBe('data.additional_dataset_args.resize_image');
  });

  it('a grayscale model on an RGB dataset is refused at data.dataset', () => {
    const config = base();
    config.data.dataset = 'cifar10';
    expect(checkJobConfig('train', config as never).problems).toEqual([
      { path: 'data.dataset', message: 'config data.dataset: cifar10 has 3-channel images but the model expects 1-channel images (its data shape is 1×32×32)' },
    ]);
  });
});
