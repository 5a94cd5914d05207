import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';
import { readTrainingPlan } from './training-plan.js';

const upstream = upstreamFixture('configurations', 'training', 'flows', 'example_grayscale_train.yaml');

describe('readTrainingPlan', () => {
  test("reads the reference project's training config", () => {
    const config = parse(readFileSync(upstream, 'utf8'));
    const plan = readTrainingPlan(config);
    expect(plan).toMatchObject({
      dataset: 'fashion-mnist', batchSize: 128, validBatchSize: 128, validFraction: 0.1, lr: 0.001, weightDecay: 0.01,
      maxEpochs: 400, patience: 30, maxGradNorm: 1, sampleEveryEpochs: 1, lrGamma: null,
    });
  });

  test('our preset form and extensions', () => {
    const plan = readTrainingPlan({
      data: { dataset: 'fashion-mnist', batch_size: 64 },
      model: { preset: 'rqnsf-grayscale-cpu' },
      trainer: { max_epochs: 3, max_minutes: 5, optimizer: { lr_scheduler: { class_path: 'torch.optim.lr_scheduler.ExponentialLR', init_args: { gamma: 0.99 } } } },
    });
    expect(plan).toMatchObject({ batchSize: 64, testBatchSize: 64, maxMinutes: 5, lrGamma: 0.99, patience: null });
  });

  test('our keys that cut a reference config down: data and validation limits, EMA, micro-batches', () => {
    const plan = readTrainingPlan({
      data: { dataset: 'mnist', training_limit: 700, valid_limit: 50 },
      model: { preset: 'rqnsf-grayscale-cpu' },
      trainer: { max_epochs: 3, ema_decay: 0.999, micro_batch_size: 16 },
    });
    expect(plan).toMatchObject({ trainingLimit: 700, validLimit: 50, maxEpochs: 3, emaDecay: 0.999, microBatchSize: 16, validFraction: 0.1 });
    expect(readTrainingPlan({ data: { dataset: 'mnist', make_valid_loader: false }, model: {} })).toMatchObject({ validFraction: 0, patience: null, emaDecay: null });
    expect(() => readTrainingPlan({ data: { dataset: 'mnist' }, model: {}, trainer: { ema_decay: 1 } })).toThrow('config trainer.ema_decay: must be in (0, 1) (got 1)');
  });

  test('bad values name their path', () => {
    expect(() => readTrainingPlan({ model: { preset: 'x' } })).toThrow('config data.dataset: missing (e.g. fashion-mnist)');
    expect(() => readTrainingPlan({ data: { dataset: 'mnist', batch_size: 0 }, model: {} })).toThrow('config data.batch_size: must be a positive integer up to 65536 (got 0)');
    expect(() => readTrainingPlan({ data: { dataset: 'mnist' }, model: {}, trainer: { optimizer: { class_path: 'torch.optim.SGD' } } })).toThrow(
      'config trainer.optimizer.class_path: only Adam/AdamW are supported (got torch.optim.SGD)',
    );
  });

  test('a dataset we cannot read is refused at data.dataset', () => {
    expect(() => readTrainingPlan({ data: { dataset: 'imagenet' }, model: {} })).toThrow(/^config data\.dataset: dataset "imagenet" is not available: no reader of ours has this name \(available: .*medmnist/);
  });

  test('medmnist: the subclass is required and checked, align defaults to true', () => {
    const plan = (args: { [key: string]: string | boolean | number[] }) => readTrainingPlan({ data: { dataset: 'medmnist', additional_dataset_args: args }, model: {} });
    expect(plan({ subclass: 'ChestMNIST', resize_image: [32, 32] })).toMatchObject({ dataset: 'medmnist', size: [32, 32], medmnist: { subclass: 'ChestMNIST', align: true } });
    expect(plan({ subclass: 'ChestMNIST', align: false }).medmnist).toEqual({ subclass: 'ChestMNIST', align: false });
    expect(plan({ subclass: 'OrganSMNIST' }).medmnist).toEqual({ subclass: 'OrganSMNIST', align: true });
    expect(readTrainingPlan({ data: { dataset: 'mnist' }, model: {} }).medmnist).toBeNull();
    expect(() => readTrainingPlan({ data: { dataset: 'medmnist' }, model: {} })).toThrow(
      'config data.additional_dataset_args.subclass: medmnist needs one of ChestMNIST, PneumoniaMNIST, OrganAMNIST, OrganCMNIST, OrganSMNIST (got undefined)',
    );
    expect(() => plan({ subclass: 'PathMNIST' })).toThrow(/^config data\.additional_dataset_args\.subclass: medmnist needs one of .* \(got "PathMNIST"\)$/);
    expect(() => plan({ subclass: 'ChestMNIST', align: 'yes' })).toThrow('config data.additional_dataset_args.align: must be true or false (got "yes")');
  });
});
