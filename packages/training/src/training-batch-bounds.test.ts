/** Training batch sizes are bounded when a config is read (so at submission too): 2^53 − 1 is refused with its key. */
import { expect, test } from 'vitest';
import { MAX_TRAINING_BATCH, readTrainingPlan } from './training-plan.js';

const plan = (data: Record<string, unknown>, trainer: Record<string, unknown> = {}) => () => readTrainingPlan({ data: { dataset: 'mnist', ...data }, model: {}, trainer } as never);

test.each(['batch_size', 'train_batch_size', 'valid_batch_size', 'test_batch_size'])('data.%s of 2^53 − 1 is refused, naming the key and the bound', (key) => {
  expect(plan({ [key]: Number.MAX_SAFE_INTEGER })).toThrow(`config data.${key}: must be a positive integer up to ${MAX_TRAINING_BATCH} (got ${Number.MAX_SAFE_INTEGER})`);
});

test('trainer.micro_batch_size and trainer.test_evaluation.batch_size are bounded too; the bound itself is accepted', () => {
  expect(plan({}, { micro_batch_size: MAX_TRAINING_BATCH + 1 })).toThrow('config trainer.micro_batch_size: must be a positive integer up to 65536');
  expect(plan({}, { test_evaluation: { batch_size: 2 ** 40 } })).toThrow('config trainer.test_evaluation.batch_size: must be a positive integer up to 65536');
  expect(plan({ batch_size: MAX_TRAINING_BATCH })()).toMatchObject({ batchSize: MAX_TRAINING_BATCH, testBatchSize: MAX_TRAINING_BATCH });
});
