import { expect, test } from 'vitest';
import { expandMetaConfig } from './expand.js';

test('a {sweep, job} model reference passes the reserved-word check, in base_config and in swept values', () => {
  const result = expandMetaConfig(
    [
      'project: x',
      'base_config:',
      '  base_model: {sweep: fmnist-flows, job: 0}',
      '  ood: {seed: 1}',
      'sweep_configuration:',
      '  dy__upsert:',
      '  - sweep: true',
      '    sweep_identifier: model',
      '    values:',
      '    - {base_model: {sweep: fmnist-flows, job: 1}}',
      '    - {base_model: {sweep: fmnist-flows, job: rq_nsf_fashion-mnist_word}}',
      '    - {}',
    ].join('\n'),
  );
  expect(result.ok).toBe(true);
  if (!result.ok) return;
  expect(result.jobs.map((j) => (j.config as { base_model: unknown }).base_model)).toEqual([
    { sweep: 'fmnist-flows', job: 1 },
    { sweep: 'fmnist-flows', job: 'rq_nsf_fashion-mnist_word' },
    { sweep: 'fmnist-flows', job: 0 },
  ]);
});

test('a mapping with sweep and anything else is still a reserved word', () => {
  const result = expandMetaConfig('project: x\nbase_config:\n  base_model: {sweep: a, job: 0, extra: 1}\n  ood: {}\n');
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors[0]!.message).toMatch(/sweep/);
});
