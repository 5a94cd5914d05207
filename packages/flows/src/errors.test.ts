import { expect, test } from 'vitest';
import { FlowConfigError, FlowError } from './errors.js';

test('flow errors carry deterministic as data: non-finite loss, config and checkpoint errors are, a retryable one is not', () => {
  expect(new FlowError('FLOWS_NONFINITE_LOSS', 'loss is NaN at step 4')).toMatchObject({ deterministic: true, retryable: false });
  expect(new FlowError('FLOWS_NONFINITE_GRADIENT', 'gradient is Inf at step 2').deterministic).toBe(true);
  expect(new FlowError('FLOWS_CHECKPOINT_INVALID', 'checkpoint.json: no weights').deterministic).toBe(true);
  expect(new FlowConfigError('must be positive', 'model.init_args.n_layers', 'a.yaml')).toMatchObject({ code: 'FLOWS_CONFIG_INVALID', deterministic: true });
  expect(new FlowError('FLOWS_DATA_INVALID', 'batch of 0 images', {}, true).deterministic).toBe(false);
});
