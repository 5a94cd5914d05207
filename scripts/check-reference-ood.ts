// On demand (not CI): the paper's flow LID sweep (the reference's
// meta_configurations/ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml) through the coordinator
// and a worker, on models dgm-ood trains itself. Its four PyTorch models become {sweep: flows, job: k}
// references to a training sweep of ours (same datasets, CPU preset, --train-minutes each), nothing else of it
// changes but the points and the
// calibration buffer are cut by config keys (ood.points, ood.method_args.adaptive_train_data_buffer_size).
// When --jobs OOD jobs have stored their scores, the rest of the sweep is cancelled and the scores and the
// evaluation are printed.
// Usage: pnpm check:reference-ood [--train-minutes 2] [--points 4] [--jobs 6]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { runMain } from '@dgm-ood/config';
import { upstreamFixture } from '../test/fixtures/upstream-fixtures.js';
import { say, startCheckServices } from './check-harness.js';

type Block = { sweep_identifier: string; sweep_alias: string[]; values: Array<Record<string, unknown>> };

/** Our training sweep: one CPU-preset flow per model of the reference sweep, in its order. */
const trainingSweep = (minutes: number) =>
  stringifyYaml({
    project: 'dgm-ood',
    sweep_name: 'flows',
    base_config: {
      data: { dataset: 'fashion-mnist', make_valid_loader: true, train_batch_size: 64, valid_batch_size: 256, test_batch_size: 256 },
      model: { preset: 'rqnsf-grayscale-cpu' },
      trainer: { max_epochs: 100, max_minutes: minutes, checkpoint_every_steps: 50, sample_freq: 0, test_points: 500, writer: { tag_group: 'flow' } },
    },
    sweep_configuration: { data: { dataset: { sweep: true, values: ['omniglot', 'mnist', 'fashion-mnist', 'emnist'] } } },
  });

function lidSweep(points: number): string {
  const meta = parseYaml(readFileSync(upstreamFixture('meta_configurations', 'ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml'), 'utf8'));
  const blocks = meta.sweep_configuration.dy__upsert as Block[];
  const block = (id: string) => blocks.find((b) => b.sweep_identifier === id)!;
  block('B_in_distribution_model').values.forEach((v, k) => (v.base_model = { sweep: 'flows', job: k }));
  meta.base_config.ood.points = points;
  meta.base_config.ood.method_args.adaptive_train_data_buffer_size = 1;
  return stringifyYaml(meta);
}

await runMain(async () => {
  const { values } = parseArgs({ options: { 'train-minutes': { type: 'string', default: '2' }, points: { type: 'string', default: '4' }, jobs: { type: 'string', default: '6' } } });
  const { app, pool, spawnWorker, close } = await startCheckServices();
  spawnWorker(['--concurrency', '1', '--lock-duration', '30000'], { LOG_LEVEL: 'error' });
  const post = async (source: string) => {
    const r = await app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: source });
    return { status: r.statusCode, body: r.json() };
  };
  try {
    const training = await post(trainingSweep(Number(values['train-minutes'])));
    if (training.status !== 201) throw new Error(`training sweep: ${JSON.stringify(training.body)}`);
    say(`training sweep flows: ${training.body.jobCount} jobs (omniglot and emnist have no offline data here: those fail, and so do the OOD jobs of their models)`);
    const unchanged = await post(readFileSync(upstreamFixture('meta_configurations', 'ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml'), 'utf8'));
    say(`the reference sweep as it is: ${unchanged.status}, ${unchanged.body.errors?.length} problems; first: ${unchanged.body.errors?.[0]?.path}: ${unchanged.body.errors?.[0]?.message}`);
    const ood = await post(lidSweep(Number(values.points)));
    if (ood.status !== 201) throw new Error(`LID sweep: ${JSON.stringify(ood.body).slice(0, 2000)}`);
    say(`the reference sweep on our models: ${ood.status}, ${ood.body.jobCount} jobs (${ood.body.waiting} waiting for their models)`);
    const want = Number(values.jobs);
    for (;;) {
      await new Promise((r) => setTimeout(r, 15_000));
      const sweep = (await app.inject({ url: `/sweeps/${ood.body.id}` })).json();
      const train = (await app.inject({ url: `/sweeps/${training.body.id}` })).json();
      say(`training ${JSON.stringify(train.counts)} | ood ${JSON.stringify(sweep.counts)}`);
      if (sweep.counts.succeeded >= want || ['succeeded', 'failed', 'cancelled'].includes(sweep.status)) break;
    }
    await app.inject({ method: 'POST', url: `/sweeps/${ood.body.id}/cancel` });
    const jobs = (await app.inject({ url: `/sweeps/${ood.body.id}/jobs?state=succeeded&pageSize=100` })).json().items as { id: string; name: string }[];
    for (const job of jobs) {
      const detail = (await app.inject({ url: `/jobs/${job.id}` })).json();
      const { rows } = await pool.query('SELECT point_index, scores FROM point_results WHERE job_id = $1 ORDER BY point_index', [job.id]);
      say(`${job.name}: method ${detail.summary.method} (${detail.summary.methodClassPath}), ${rows.length} rows, e.g. ${JSON.stringify(rows[0]?.scores)}, target ${JSON.stringify(detail.summary.target)}`);
    }
    const failed = (await app.inject({ url: `/sweeps/${ood.body.id}/jobs?state=failed&pageSize=3` })).json().items as { name: string; error: string }[];
    for (const job of failed) say(`failed (as expected for a model without data): ${job.name}: ${job.error}`);
    const evaluation = await app.inject({ url: `/sweeps/${ood.body.id}/evaluation`, headers: { accept: 'application/json' } });
    say(`evaluation: ${evaluation.body.slice(0, 3000)}`);
  } finally {
    await close();
  }
});
