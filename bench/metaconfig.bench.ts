/**
 * Expansion + materialisation speed of @dgm-ood/metaconfig on a synthetic 100,000-job grid
 * (goal: < 5 s total). Run: `pnpm bench:metaconfig`.
 *
 * The grid is 5 parameters × 10 values over a training-like base config (five coupling layers: 100,000 of its
 * jobs stay under MAX_TOTAL_CONFIG_BYTES; six layers' 2.7 KB configs would pass it at job 98,192), with aliased structured values,
 * a `dy__eval` snippet in a non-swept `dy__upsert` item and an inline `dy__eval(...)` — every job runs the
 * interpreter twice, merges, checks reserved words, writes canonical JSON, hashes it and names the run.
 * Reference, measured in the same run: the floor of the same per-job work done naively (structuredClone
 * of the base, five assignments, JSON.stringify, sha256) — the printed ratio is ours / reference.
 */
import { createHash } from 'node:crypto';
import { countMetaConfigJobs, expandMetaConfig } from '../packages/metaconfig/src/index.js';

const VALUES = 10;

function buildSource(): string {
  const values = (f: (i: number) => string) => [...Array(VALUES).keys()].map(f).join(', ');
  const layers = [...Array(5).keys()]
    .map(
      (i) => `      - class_path: model_zoo.density_estimator.flow.ConfigurableCouplingTransform
        init_args:
          coupling_transform_cls: nflows.transforms.AffineCouplingTransform
          net: {class_path: nflows.nn.nets.resnet.ConvResidualNet, init_args: {hidden_channels: ${64 * (i + 1)}, num_blocks: 2, dropout_probability: 0.2, use_batch_norm: false}}
          mask: {dim: ${4 * (i + 1)}, flip: ${i % 2 === 0}}`,
    )
    .join('\n');
  return `project: bench
sweep_name: synthetic_100k
base_config:
  data: {dataset: mnist, train_batch_size: 128, valid_batch_size: 128, test_batch_size: 128, make_valid_loader: true}
  trainer:
    trainer_cls: model_zoo.trainers.single_trainer.SingleTrainer
    optimizer: {class_path: torch.optim.AdamW, init_args: {lr: 0.001}, lr_scheduler: {class_path: torch.optim.lr_scheduler.ExponentialLR, init_args: {gamma: 0.99}}}
    writer: {tag_group: flow, type: wandb, entity: e, project: p}
    max_epochs: 400
    max_grad_norm: 1.0
  model:
    class_path: model_zoo.density_estimator.flow.NormalizingFlow
    init_args:
      data_shape: [1, 28, 28]
      transform:
${layers}
sweep_configuration:
  data:
    dataset: {sweep: true, sweep_identifier: A_dataset, values: [${values((i) => `ds${i}`)}]}
    train_batch_size: {sweep: true, sweep_identifier: B_batch, values: [${values((i) => `${16 * (i + 1)}`)}]}
  trainer:
    optimizer:
      init_args:
        lr: {sweep: true, sweep_identifier: C_lr, values: [${values((i) => `${(i + 1) * 1e-4}`)}]}
    max_grad_norm: "dy__eval(lambda x: x * 2)"
  dy__upsert:
  - sweep: true
    sweep_identifier: D_model
    sweep_alias: [${values((i) => `m${i}`)}]
    values: [${values((i) => `{model: {init_args: {data_shape: [${i % 3}, 28, 28]}}, trainer: {max_epochs: ${100 + i}}}`)}]
  - sweep: true
    sweep_identifier: E_writer
    sweep_alias: [${values((i) => `w${i}`)}]
    values: [${values((i) => `{trainer: {writer: {project: proj${i}}}}`)}]
  - trainer:
      optimizer:
        dy__eval:
          expression: |
            def scale(conf):
              bs = conf['data']['train_batch_size']
              lr = conf['trainer']['optimizer']['init_args']['lr']
              return {'init_args': {'lr': lr * bs / 128}}
          function_of_interest: scale
`;
}

function reference(jobs: number): number {
  const base = {
    data: { dataset: 'mnist', train_batch_size: 128 },
    trainer: { optimizer: { init_args: { lr: 0.001 } }, max_grad_norm: 1.0, writer: { project: 'p' }, max_epochs: 400 },
    model: { init_args: { data_shape: [1, 28, 28], transform: [...Array(6).keys()].map((i) => ({ init_args: { net: { hidden_channels: 64 * (i + 1) }, mask: { dim: 4 * (i + 1) } } })) } },
  };
  const t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < jobs; i++) {
    const c = structuredClone(base);
    c.data.dataset = `ds${i % 10}`;
    c.data.train_batch_size = 16 * ((i % 100) + 1);
    c.trainer.optimizer.init_args.lr = i * 1e-4;
    c.trainer.max_epochs = 100 + (i % 7);
    c.trainer.writer.project = `proj${i % 3}`;
    sink += createHash('sha256').update(JSON.stringify(c)).digest('hex').length;
  }
  if (sink === 0) throw new Error('unreachable');
  return performance.now() - t0;
}

const source = buildSource();
const t0 = performance.now();
const counted = countMetaConfigJobs(source);
const tCount = performance.now() - t0;
if (!counted.ok) throw new Error(JSON.stringify(counted.errors, null, 1));

const t1 = performance.now();
const cpu1 = process.cpuUsage();
const result = expandMetaConfig(source, { runNameChanger: 'change_name' });
const cpuExpand = process.cpuUsage(cpu1);
const tExpand = performance.now() - t1;
if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 1));
if (result.jobs.length !== 100_000) throw new Error(`expected 100000 jobs, got ${result.jobs.length}`);

const tRef = reference(result.jobs.length);
const seconds = tExpand / 1000;
console.log(`metaconfig bench: ${result.jobs.length} jobs (${result.sweep.parameters.map((p) => `${p.name}×${p.values}`).join(' ')})`);
console.log(`  validate + count only:          ${tCount.toFixed(1)} ms`);
console.log(`  expand + materialise + hash:    ${tExpand.toFixed(0)} ms  (${((tExpand * 1000) / result.jobs.length).toFixed(1)} µs/job)  goal < 5000 ms: ${tExpand < 5000 ? 'met' : 'NOT met'}`);
console.log(`  CPU time of the expansion (user+system): ${((cpuExpand.user + cpuExpand.system) / 1000).toFixed(0)} ms — wall time above this means other load on the machine`);
console.log(`  reference (clone+stringify+sha256 per job): ${tRef.toFixed(0)} ms  → ratio ${(tExpand / tRef).toFixed(2)}×`);
console.log(`  sample job 12345: ${result.jobs[12345]?.name} ${result.jobs[12345]?.pointJson}`);
if (seconds <= 0) throw new Error('unreachable');
