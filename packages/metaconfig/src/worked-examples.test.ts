/**
 * Acceptance 2: the five worked examples of docs/metaconfig-notes.md §1.13 (A–E), with exact concrete configs and
 * grid order. Names are asserted up to the word (ours comes from the config hash).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expandMetaConfig, type ExpandedJob, type JsonValue } from './index.js';
import { RUN_NAME_WORDS } from './run-name.js';
import { UPSTREAM_FIXTURES } from './test-support.js';

function expandOk(source: string, options: Parameters<typeof expandMetaConfig>[1] = {}): ExpandedJob[] {
  const r = expandMetaConfig(source, options);
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 1));
  return r.jobs;
}

const WORD = `(${RUN_NAME_WORDS.join('|')})`;

describe('Example A — plain keys, identifier controls order, non-swept content merges', () => {
  const source = `
project: demo
base_config:
  data: {dataset: mnist, batch_size: 64}
  model: {class_path: pkg.Flow, init_args: {width: 32, depth: 2}}
sweep_configuration:
  data:
    dataset: {sweep: true, values: [mnist, cifar10]}
  model:
    init_args:
      width: {sweep: true, sweep_identifier: A_width, values: [16, 64]}
      depth: 4
`;
  it('orders A_width before dataset and applies depth: 4 to every run', () => {
    const r = expandMetaConfig(source);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.sweep.parameters.map((p) => [p.name, p.values])).toEqual([['A_width', 2], ['dataset', 2]]);
    const config = (width: number, dataset: string) => ({
      data: { dataset, batch_size: 64 },
      model: { class_path: 'pkg.Flow', init_args: { width, depth: 4 } },
    });
    expect(r.jobs.map((j) => [j.point, j.config])).toEqual([
      [{ A_width: 16, dataset: 'mnist' }, config(16, 'mnist')],
      [{ A_width: 16, dataset: 'cifar10' }, config(16, 'cifar10')],
      [{ A_width: 64, dataset: 'mnist' }, config(64, 'mnist')],
      [{ A_width: 64, dataset: 'cifar10' }, config(64, 'cifar10')],
    ]);
    for (const j of r.jobs) expect(j.name).toMatch(new RegExp(`^${WORD}$`));
  });
});

describe('Example B — dy__upsert, aliases, {} "leave as is", both dy__eval mapping forms', () => {
  const source = `
project: demo
base_config:
  data:
    in_distribution: {dataset: mnist}
    out_of_distribution: {dataset: null, batch_size: 8}
  ood: {seed: 100, method_args: {radii: [0, 0.1]}}
sweep_configuration:
  dy__upsert:
  - sweep: true
    sweep_identifier: B_model
    sweep_alias: [small, big]
    values:
    - {base_model: {checkpoint_dir: runs/a.pt}, ood: {method_args: {k: 1}}}
    - {base_model: {checkpoint_dir: runs/b.pt}}
  - sweep: true
    sweep_identifier: A_scale
    sweep_alias: [x1, x10]
    values:
    - {}
    - ood:
        method_args:
          radii:
            dy__eval:
              expression: |
                def f(conf):
                  r = conf['ood']['method_args']['radii']
                  return [r[0], r[1] * 10]
              function_of_interest: f
  - data:                      # non-swept item, applied last (index 2)
      out_of_distribution:
        dy__eval:
          expression: |
            def g(conf):
              return {'dataset': 'generated', 'source': conf['base_model']['checkpoint_dir']}
          function_of_interest: g
`;
  it('materialises the four runs of the table, in grid order A_scale, B_model', () => {
    const jobs = expandOk(source);
    const config = (ckpt: string, radii: number[], k: boolean): JsonValue => ({
      base_model: { checkpoint_dir: ckpt },
      data: {
        in_distribution: { dataset: 'mnist' },
        out_of_distribution: { dataset: 'generated', batch_size: 8, source: ckpt },
      },
      ood: { seed: 100, method_args: k ? { radii, k: 1 } : { radii } },
    });
    expect(jobs.map((j) => [j.point, j.config])).toEqual([
      [{ A_scale: 'x1', B_model: 'small' }, config('runs/a.pt', [0, 0.1], true)],
      [{ A_scale: 'x1', B_model: 'big' }, config('runs/b.pt', [0, 0.1], false)],
      [{ A_scale: 'x10', B_model: 'small' }, config('runs/a.pt', [0, 1.0], true)],
      [{ A_scale: 'x10', B_model: 'big' }, config('runs/b.pt', [0, 1.0], false)],
    ]);
    // Float fidelity: the scaled radius is the float 1.0, not the int 1.
    expect(jobs[2]?.configJson).toContain('"radii":[0,1.0]');
    expect(jobs[0]?.configJson).toContain('"radii":[0,0.1]');
  });
});

describe('Example C — sweep_group, list operations inside a value, inline dy__eval(…)', () => {
  const source = `
project: demo
base_config:
  trainer:
    lr: 0.001
    transforms: [flip, crop, normalize]
    optimizer: {class_path: torch.optim.SGD, init_args: {momentum: 0.9}}
sweep_configuration:
  trainer:
    lr: "dy__eval(lambda x: x * 10)"
    sweep_group_norm:
      sweep: true
      sweep_alias: [with_norm, no_norm_tensor_first]
      values:
      - {}
      - transforms:
          dy__list__operations:
          - dy__remove: -1
          - dy__insert: [0, to_tensor]
    sweep_group_opt:
      sweep: true
      sweep_alias: [sgd, adam]
      values:
      - {}
      - optimizer: {class_path: torch.optim.Adam, init_args: {momentum: null}}
`;
  it('runs sweep_group_norm outer, sweep_group_opt inner, with lr: 0.01 everywhere', () => {
    const jobs = expandOk(source);
    const sgd = { class_path: 'torch.optim.SGD', init_args: { momentum: 0.9 } };
    const adam = { class_path: 'torch.optim.Adam', init_args: { momentum: null } };
    const trainer = (transforms: string[], optimizer: JsonValue) => ({ trainer: { lr: 0.01, transforms, optimizer } });
    expect(jobs.map((j) => [j.point, j.config])).toEqual([
      [{ sweep_group_norm: 'with_norm', sweep_group_opt: 'sgd' }, trainer(['flip', 'crop', 'normalize'], sgd)],
      [{ sweep_group_norm: 'with_norm', sweep_group_opt: 'adam' }, trainer(['flip', 'crop', 'normalize'], adam)],
      [{ sweep_group_norm: 'no_norm_tensor_first', sweep_group_opt: 'sgd' }, trainer(['to_tensor', 'flip', 'crop'], sgd)],
      [{ sweep_group_norm: 'no_norm_tensor_first', sweep_group_opt: 'adam' }, trainer(['to_tensor', 'flip', 'crop'], adam)],
    ]);
    for (const j of jobs) expect(j.configJson).toContain('"lr":0.01');
  });
});

const fixtures = join(UPSTREAM_FIXTURES, 'meta_configurations');

describe('Example D — training/flows/grayscale_flows.yaml', () => {
  const text = readFileSync(join(fixtures, 'training/flows/grayscale_flows.yaml'), 'utf8');
  const base = (parse(text) as { base_config: JsonValue }).base_config;

  /** The expected config, derived independently from the raw base: set the dataset, rewrite couplings. */
  function expected(dataset: string, flow: 'glow' | 'rq_nsf'): JsonValue {
    const rewrite = (v: JsonValue): JsonValue => {
      if (Array.isArray(v)) return v.map(rewrite);
      if (v === null || typeof v !== 'object') return v;
      const out: { [k: string]: JsonValue } = {};
      for (const [k, x] of Object.entries(v)) out[k] = rewrite(x);
      if ('coupling_transform_cls' in v) {
        out.coupling_transform_cls = `nflows.transforms.${flow === 'glow' ? 'AffineCouplingTransform' : 'PiecewiseRationalQuadraticCouplingTransform'}`;
        if (flow === 'rq_nsf') Object.assign(out, { tails: 'linear', num_bins: 8, tail_bound: 3.0 });
      }
      return out;
    };
    const c = rewrite(base) as { data: { [k: string]: JsonValue } };
    c.data.dataset = dataset;
    return c;
  }

  it('expands to (dataset × flow_type) in the documented order with rewritten coupling layers', () => {
    const jobs = expandOk(text, { runNameChanger: 'change_name' });
    const datasets = ['fashion-mnist', 'omniglot', 'mnist', 'emnist-minus-mnist', 'emnist'];
    const order = datasets.flatMap((d) => (['glow', 'rq_nsf'] as const).map((f) => [d, f] as const));
    expect(jobs.map((j) => j.point)).toEqual(order.map(([dataset, flow_type]) => ({ dataset, flow_type })));
    jobs.forEach((j, i) => {
      const [dataset, flow] = order[i] as readonly [string, 'glow' | 'rq_nsf'];
      expect(j.config).toEqual(expected(dataset, flow));
      const cls = flow === 'glow' ? 'AffineCouplingTransform' : 'PiecewiseRationalQuadraticCouplingTransform';
      expect(j.name).toMatch(new RegExp(`^${cls}_${dataset}_${WORD}$`));
      expect(j.configJson).toContain('"max_grad_norm":1.0');
      expect(j.configJson.split('"tail_bound":3.0').length - 1).toBe(flow === 'rq_nsf' ? 6 : 0);
    });
  });
});

describe('Example E — ood/ratios/grayscale_ratios.yaml', () => {
  it('run 3 (flow_mnist_RQ_NSF, generated) gets the generated OOD loader and its name', () => {
    const jobs = expandOk(readFileSync(join(fixtures, 'ood/ratios/grayscale_ratios.yaml'), 'utf8'));
    expect(jobs).toHaveLength(16);
    const models = ['flow_mnist_RQ_NSF', 'flow_fmnist_RQ_NSF', 'flow_mnist_Glow', 'flow_fmnist_Glow'];
    const pickers = ['mnist', 'fashion-mnist', 'omniglot', 'generated'];
    expect(jobs.map((j) => j.point)).toEqual(models.flatMap((m) => pickers.map((p) => ({ B_in_distribution_model: m, Z_ood_picker: p }))));
    const run = jobs[3] as ExpandedJob;
    const baseModel = {
      config_dir: 'checkpoints-443rgkyn/PiecewiseRationalQuadraticCouplingTransform_mnist_agenizing_xhkxy2eu_final/run_config.json',
      checkpoint_dir: 'checkpoints-443rgkyn/PiecewiseRationalQuadraticCouplingTransform_mnist_agenizing_xhkxy2eu_final/checkpoints/de_nf_best_valid.pt',
    };
    expect(run.config).toEqual({
      base_model: baseModel,
      data: {
        in_distribution: {
          dataloader_args: { make_valid_loader: false, dataset: 'mnist', train_batch_size: 8, valid_batch_size: 8, test_batch_size: 8 },
          pick_loader: 'train',
        },
        out_of_distribution: {
          dataloader_args: {
            make_valid_loader: false,
            train_batch_size: 8,
            valid_batch_size: 8,
            test_batch_size: 8,
            dataset: 'dgm-generated',
            dgm_args: { length: 1000, seed: 10, model_loading_config: baseModel },
          },
          pick_loader: 'test',
        },
      },
      ood: {
        bypass_visualization: true,
        seed: 100,
        pick_count: 128,
        method: 'ood.baselines.LikelihoodRatio',
        method_args: {
          verbose: 2,
          reference_model_config: {
            config_dir: 'checkpoints-oxtbdajf/PiecewiseRationalQuadraticCouplingTransform_mnist_immensest_1nffbhhl_final/run_config.json',
            checkpoint_dir: 'checkpoints-oxtbdajf/PiecewiseRationalQuadraticCouplingTransform_mnist_immensest_1nffbhhl_final/checkpoints/de_nf_best_valid.pt',
          },
        },
      },
    });
    expect(run.name).toMatch(new RegExp(`^mnist_vs_dgm-generated_test_${WORD}$`));
  });
});
