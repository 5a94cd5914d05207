/** Acceptance 2 (second half): valid snippets beyond the upstream ones, through whole expansions. */
import { describe, expect, it } from 'vitest';
import { expandMetaConfig } from './index.js';

describe('own dy__eval snippets', () => {
  it('uses local variables, arithmetic on config values, if/else, dict/list construction and helper keyword args', () => {
    const yaml = `project: demo
base_config:
  data: {dataset: mnist, batch_size: 64, shape: [1, 28, 28]}
  trainer: {lr: 0.001, epochs: 10}
  model: {init_args: {transform: [{coupling_transform_cls: null, net: {w: 8}, mask: {flip: true}}]}}
sweep_configuration:
  data:
    dataset: {sweep: true, values: [mnist, cifar10]}
  dy__upsert:
  - trainer:
      dy__eval:
        expression: |
          def schedule(conf):
            bs = conf['data']['batch_size']
            epochs = conf['trainer']['epochs']
            if conf['data']['dataset'] == 'cifar10':
              factor = 2.0
            else:
              factor = 1
            return {'lr': conf['trainer']['lr'] * bs / 64 * factor, 'epochs': epochs * factor, 'milestones': [epochs // 2, epochs - 1]}
        function_of_interest: schedule
  - dy__eval:
      expression: |
        from meta_configurations import change_coupling_layers
        def couplings(conf):
          bins = 4 if conf['data']['dataset'] == 'mnist' else 8
          return change_coupling_layers(conf, coupling_name='PiecewiseRationalQuadraticCouplingTransform', additional_args={'num_bins': bins, 'tail_bound': 3.0})
      function_of_interest: couplings
  - data:
      shape: "dy__eval(lambda s: [3, s[1] + 4, s[2] + 4])"
`;
    const r = expandMetaConfig(yaml);
    if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 1));
    expect(r.jobs.map((j) => j.configJson)).toEqual([
      '{"data":{"batch_size":64,"dataset":"mnist","shape":[3,32,32]},"model":{"init_args":{"transform":[{"coupling_transform_cls":"nflows.transforms.PiecewiseRationalQuadraticCouplingTransform","mask":{"flip":true},"net":{"w":8},"num_bins":4,"tail_bound":3.0}]}},"trainer":{"epochs":10,"lr":0.001,"milestones":[5,9]}}',
      '{"data":{"batch_size":64,"dataset":"cifar10","shape":[3,32,32]},"model":{"init_args":{"transform":[{"coupling_transform_cls":"nflows.transforms.PiecewiseRationalQuadraticCouplingTransform","mask":{"flip":true},"net":{"w":8},"num_bins":8,"tail_bound":3.0}]}},"trainer":{"epochs":20.0,"lr":0.002,"milestones":[5,9]}}',
    ]);
  });

  it('inline dy__eval strings receive the current value (null for a new key)', () => {
    const r = expandMetaConfig(`project: p
base_config: {a: 2}
sweep_configuration:
  a: "dy__eval(lambda x: x * 1.5)"
  b: "dy__eval(lambda x: 'none' if x is None else 'set')"
  c: {sweep: true, values: [1]}
`);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.jobs[0]?.configJson).toBe('{"a":3.0,"b":"none","c":1}');
  });
});
