// On demand (not CI): a training run through the coordinator and a worker process. Submits
// meta_configurations/flows/fmnist_cpu_flows.yaml (or FILE) through the coordinator, runs a worker process,
// kills it with SIGKILL after --kill-after minutes, starts another, and reports per job: attempts, where it
// resumed, validated epochs, test bits/dim.
// FILE may also be a plain training config (no base_config), e.g. the reference's
// test/fixtures/upstream/configurations/training/flows/example_grayscale_train.yaml: it is submitted as a
// one-job sweep, with `--set path=value` overrides (YAML values) such as --set trainer.max_epochs=3.
// Usage: pnpm check:flow-training [FILE] [--set path=value …] [--kill-after 5] [--concurrency 2]
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { runMain } from '@dgm-ood/config';
import { ROOT, say, startCheckServices } from './check-harness.js';

/** A meta-configuration as it is, or a plain config as a one-job sweep with `path=value` overrides. */
function sweepSource(file: string, overrides: string[]): string {
  const text = readFileSync(file, 'utf8');
  const parsed = parseYaml(text) as Record<string, unknown>;
  if ('base_config' in parsed) {
    if (overrides.length) throw new Error('--set applies to a plain config, not to a meta-configuration');
    return text;
  }
  // The overrides become the sweep's (non-swept) configuration, upserted onto the config as it is.
  const sweepConfiguration: Record<string, unknown> = {};
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq < 1) throw new Error(`--set ${o}: expected path=value`);
    const path = o.slice(0, eq).split('.');
    let node = sweepConfiguration;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = parseYaml(o.slice(eq + 1));
  }
  if (overrides.length === 0) throw new Error('a plain config needs at least one --set (it becomes the sweep configuration)');
  return stringifyYaml({ project: 'dgm-ood', sweep_name: basename(file).replace(/\.ya?ml$/, ''), base_config: parsed, sweep_configuration: sweepConfiguration });
}

await runMain(async () => {
  const { values, positionals } = parseArgs({
    options: { 'kill-after': { type: 'string', default: '5' }, concurrency: { type: 'string', default: '2' }, set: { type: 'string', multiple: true } },
    allowPositionals: true,
  });
  const file = positionals[0] ?? join(ROOT, 'meta_configurations/flows/fmnist_cpu_flows.yaml');
  const { app, config, spawnWorker, close } = await startCheckServices();
  const worker = () =>
    spawnWorker(['--queues', 'train', '--concurrency', values.concurrency!, '--lock-duration', '15000', '--stalled-interval', '5000'], {
      DGM_OOD_WASM_THREADS: values.concurrency === '1' ? '2' : '1',
    });
  let current = worker();
  try {
    const response = await app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: sweepSource(file, values.set ?? []) });
    if (response.statusCode !== 201) throw new Error(`POST /sweeps: ${response.body}`);
    const { id, jobCount } = response.json() as { id: string; jobCount: number };
    say(`sweep ${id}: ${jobCount} training jobs; worker pid ${current.pid}; MODEL_DIR ${config.modelDir}`);
    const killAt = Date.now() + Number(values['kill-after']) * 60_000;
    let killed = false;
    for (;;) {
      await new Promise((r) => setTimeout(r, 15_000));
      const jobs = (await app.inject({ url: `/sweeps/${id}/jobs` })).json().items as { name: string; state: string; attempts: number; progress: Record<string, unknown> | null }[];
      say(jobs.map((j) => `${j.name}: ${j.state} a${j.attempts} ${JSON.stringify(j.progress ?? {})}`).join(' | '));
      if (!killed && Date.now() > killAt) {
        current.kill('SIGKILL');
        killed = true;
        say(`killed the worker (SIGKILL, pid ${current.pid}); starting another`);
        current = worker();
      }
      if (jobs.every((j) => ['succeeded', 'failed', 'cancelled'].includes(j.state))) break;
    }
    const jobs = (await app.inject({ url: `/sweeps/${id}/jobs` })).json().items as { id: string }[];
    for (const { id: jobId } of jobs) {
      const job = (await app.inject({ url: `/jobs/${jobId}` })).json();
      say(`${job.name}: ${job.state}, attempts ${job.attemptLog.map((a: { outcome: string }) => a.outcome).join(' → ')}, artifacts ${job.artifacts.length}`);
      say(`  summary ${JSON.stringify(job.summary)}${job.error ? ` error ${job.error}` : ''}`);
    }
  } finally {
    await close();
  }
});
