// `pnpm demo [--full] [--diffusion] [--baselines]`: the main job, end to end. Starts the coordinator and a worker,
// trains an RQ-NSF (or, with --diffusion, a VP diffusion model) on Fashion-MNIST, scores FMNIST test points, MNIST
// digits and the model's own samples (likelihood + LID: the flow's Jacobian LID, the diffusion model's FLIPD), prints
// the AUC table and writes the LID-vs-likelihood scatter plot. See meta_configurations/demo. --baselines trains a
// flow, its background flow and a diffusion model and scores FMNIST test vs MNIST with every method of the paper's
// comparison (meta_configurations/baselines), printing their AUCs method by method.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, runMain } from '@dgm-ood/config';
import { ensureDatabase, migrate, migrationsDir } from '@dgm-ood/db';
import { dualMetric, formatEvaluationTable, rowMetric, scatterSvg, singleMetric, type EvaluationRow, type MetricEstimate } from '@dgm-ood/evaluation';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
const elapsed = () => {
  const s = Math.round((Date.now() - started) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};
const say = (line: string) => process.stdout.write(`[demo ${elapsed()}] ${line}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function start(name: string, script: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Children log JSON to stderr; the demo shows warnings and errors only.
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      try {
        const entry = JSON.parse(line) as { level: number; msg: string; err?: { message: string } };
        if (entry.level >= 40) process.stderr.write(`[${name}] ${entry.msg}${entry.err ? `: ${entry.err.message}` : ''}\n`);
      } catch {
        process.stderr.write(`[${name}] ${line}\n`);
      }
    }
  });
  return child;
}

interface SweepView {
  id: string;
  name: string;
  status: string;
  counts: Record<string, number>;
  timings: { elapsedMs: number | null };
}
interface JobView {
  id: string;
  name: string;
  state: string;
  progress: Record<string, unknown> | null;
  error: string | null;
}

await runMain(async () => {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      diffusion: { type: 'boolean', default: false },
      baselines: { type: 'boolean', default: false },
      configs: { type: 'string' },
    },
    strict: true,
  });
  const baselines = values.baselines;
  if (baselines && (values.full || values.diffusion)) throw new Error('--baselines runs its own models: leave out --full and --diffusion');
  const configsDir = values.configs ?? join(ROOT, 'meta_configurations', baselines ? 'baselines' : 'demo');
  const variant = baselines ? 'baselines' : `${values.diffusion ? 'diffusion-' : ''}${values.full ? 'full' : 'quick'}`;
  const [trainFile, oodFile, placeholder] = baselines ? ['train.yaml', 'ood.yaml', 'BASELINES_TRAIN_SWEEP'] : [`train-${variant}.yaml`, `ood-${variant}.yaml`, 'DEMO_TRAIN_SWEEP'];
  const modelKind = baselines
    ? 'a flow, its background flow and a VP diffusion model; likelihood, LID, likelihood ratio, input complexity, CCLR and reconstruction'
    : values.diffusion
      ? 'a VP diffusion model, PF-ODE likelihood and FLIPD'
      : 'a normalizing flow, likelihood and LID';
  const config = loadConfig();
  say(`dgm-ood demo (${variant}): FMNIST → MNIST with ${modelKind}`);
  await ensureDatabase(config.databaseUrl);
  await migrate(config.databaseUrl, { migrationsDir });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'production', DGM_OOD_RECONCILE_MS: '3000' };
  const children = [
    start('coordinator', 'apps/coordinator/src/main.ts', [], env),
    start('worker', 'apps/worker/src/main.ts', ['--queues', 'train,ood', '--concurrency', '1'], env),
  ];
  const stop = async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 120) throw new Error('the coordinator did not come up within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    say(`coordinator on ${base} (OpenAPI at ${base}/docs), worker started`);

    // The coordinator it started inherits DGM_OOD_API_TOKEN / DGM_OOD_API_TOKEN_FILE: send the first token when set.
    const secret = config.apiTokens[0]?.secret;
    const authorized = (init: RequestInit = {}): RequestInit =>
      secret ? { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${secret}` } } : init;
    const api = async <T>(path: string, init?: RequestInit): Promise<T> => {
      const response = await fetch(`${base}${path}`, authorized(init));
      const body = (await response.json()) as T & { message?: string; errors?: unknown };
      if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${response.status} ${body.message ?? ''} ${JSON.stringify(body.errors ?? '')}`);
      return body;
    };
    const submit = (file: string, kind: string, replace: Record<string, string> = {}) => {
      let source = readFileSync(join(configsDir, file), 'utf8');
      for (const [from, to] of Object.entries(replace)) source = source.replaceAll(from, to);
      return api<{ id: string; name: string; jobCount: number }>(`/sweeps?kind=${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: source,
      });
    };

    const train = await submit(trainFile, 'train');
    say(`submitted training sweep ${train.name} (${train.id}): ${train.jobCount} job${train.jobCount === 1 ? '' : 's'}`);
    // The OOD sweep references the training jobs by sweep id: each job waits until its models are trained.
    const ood = await submit(oodFile, 'ood', { [placeholder]: train.id });
    say(`submitted OOD sweep ${ood.name} (${ood.id}): ${ood.jobCount} jobs, waiting for the model`);
    say(`watch them live: ${base}/#/sweeps/${train.id} and ${base}/#/sweeps/${ood.id} (the dashboard, while the demo runs)`);

    let lastLine = '';
    const describe = (job: JobView) => {
      const p = job.progress ?? {};
      const parts = [job.name.replace(/_[a-z]+$/, ''), job.state];
      for (const key of ['message', 'epoch', 'step', 'loss', 'bitsPerDim', 'scored', 'eta']) {
        if (p[key] !== undefined && p[key] !== null) parts.push(`${key} ${typeof p[key] === 'number' ? Number((p[key] as number).toPrecision(4)) : String(p[key])}`);
      }
      if (typeof p.fraction === 'number') parts.push(`${Math.round((p.fraction as number) * 100)}%`);
      return parts.join(' · ');
    };
    for (;;) {
      const [t, o] = await Promise.all([api<SweepView>(`/sweeps/${train.id}`), api<SweepView>(`/sweeps/${ood.id}`)]);
      if (t.status === 'failed' || t.status === 'cancelled') {
        const jobs = await api<{ items: JobView[] }>(`/sweeps/${train.id}/jobs`);
        throw new Error(`training ${t.status}: ${jobs.items.map((j) => j.error).filter(Boolean).join('; ')}`);
      }
      if (o.status === 'succeeded' || o.status === 'failed' || o.status === 'cancelled') {
        say(`OOD sweep ${o.status}: ${JSON.stringify(o.counts)}`);
        if (o.status !== 'succeeded') {
          const jobs = await api<{ items: JobView[] }>(`/sweeps/${ood.id}/jobs?state=failed`);
          throw new Error(`OOD scoring ${o.status}: ${jobs.items.map((j) => `${j.name}: ${j.error}`).join('; ')}`);
        }
        break;
      }
      const running = [
        ...(await api<{ items: JobView[] }>(`/sweeps/${train.id}/jobs?state=running`)).items,
        ...(await api<{ items: JobView[] }>(`/sweeps/${ood.id}/jobs?state=running`)).items,
      ];
      const line = running.length > 0 ? running.map(describe).join(' | ') : `train ${t.status}, ood ${JSON.stringify(o.counts)}`;
      if (line !== lastLine) say(line);
      lastLine = line;
      await new Promise((r) => setTimeout(r, 3000));
    }

    const evaluation = await api<{ rows: EvaluationRow[]; bootstrap: { resamples: number; level: number } }>(`/sweeps/${ood.id}/evaluation`);
    say(
      `AUC table (positive = in-distribution; per score alone; dual = both thresholds; max = what the reference reports; ` +
        `[${Math.round(evaluation.bootstrap.level * 100)}% bootstrap interval, ${evaluation.bootstrap.resamples} resamples]):`,
    );
    process.stdout.write(`\n${formatEvaluationTable(evaluation.rows)}\n\n`);

    // Per-point scores: all in Postgres, also served as CSV; the scatter plot is drawn from them.
    const outDir = join(config.modelDir, 'demo', new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(outDir, { recursive: true });
    const csv = await fetch(`${base}/sweeps/${ood.id}/results`, authorized({ headers: { accept: 'text/csv' } })).then((r) => r.text());
    writeFileSync(join(outDir, 'results.csv'), csv);
    if (baselines) {
      process.stdout.write(`${formatMethodByMethod(evaluation.rows)}\n\n`);
      say(`per-point scores of every method: ${join(outDir, 'results.csv')} (also GET ${base}/sweeps/${ood.id}/results)`);
      say(`done in ${elapsed()}`);
      return;
    }
    const points: { dataset: string; scores: Record<string, number | null> }[] = [];
    for (let after = 0; ; ) {
      const page = await api<{ items: typeof points & { id: string }[]; next: number | null }>(`/sweeps/${ood.id}/results?limit=10000&after=${after}`);
      points.push(...page.items);
      if (page.next === null) break;
      after = page.next;
    }
    const labels: Record<string, string> = { 'fashion-mnist': 'FMNIST test (in-distribution)', 'dgm-generated': 'FMNIST model samples', mnist: 'MNIST (OOD)' };
    const series = [...new Set(points.map((p) => p.dataset))].map((dataset) => {
      const xy = points.flatMap((p) => {
        const { log_likelihood: x, lid: y } = p.scores;
        return p.dataset === dataset && typeof x === 'number' && typeof y === 'number' ? [{ x, y }] : [];
      });
      return { label: labels[dataset] ?? dataset, x: xy.map((p) => p.x), y: xy.map((p) => p.y) };
    });
    writeFileSync(
      join(outDir, 'lid_vs_likelihood.svg'),
      scatterSvg(series, {
        title: `LID vs log-likelihood, ${values.diffusion ? 'VP diffusion model (FLIPD)' : 'flow'} trained on Fashion-MNIST`,
        xLabel: values.diffusion ? 'log-likelihood (nats, PF-ODE)' : 'log-likelihood (nats)',
        yLabel: values.diffusion ? 'LID (FLIPD)' : 'LID',
      }),
    );
    say(`${points.length} per-point scores: ${join(outDir, 'results.csv')} (also GET ${base}/sweeps/${ood.id}/results)`);
    say(`scatter plot: ${join(outDir, 'lid_vs_likelihood.svg')}`);

    const main = evaluation.rows.find((r) => r.positive === 'test' && r.negative === 'mnist');
    const naive = main && rowMetric(main, singleMetric('log_likelihood'));
    const dual = main && rowMetric(main, dualMetric('log_likelihood', 'lid'));
    const withCi = (m: MetricEstimate) => `${m.value.toFixed(3)}${m.ci ? ` [${m.ci.low.toFixed(3)}, ${m.ci.high.toFixed(3)}]` : ''}`;
    if (naive) {
      say(`FMNIST test vs MNIST: naive likelihood AUC ${withCi(naive)} (${naive.value < 0.5 ? 'the paradox: MNIST looks more likely' : 'no paradox at this scale'}), ` +
        `dual threshold AUC ${dual ? `${withCi(dual)} (${dual.value >= 0.85 ? 'fixed by LID' : 'below 0.85'})` : '—'}`);
    }
    say(`figures and tables later: \`pnpm coordinator\`, then http://127.0.0.1:${config.port}/#/sweeps/${ood.id}/evaluation`);
    say(`done in ${elapsed()}`);
  } finally {
    await stop();
  }
});

/** One line per (model, method, metric) of the FMNIST-test-vs-MNIST rows: the baselines side by side. */
function formatMethodByMethod(rows: EvaluationRow[]): string {
  const lines = [['model', 'method', 'metric', 'AUC', '95% interval'].join('\t')];
  for (const row of rows.filter((r) => r.positive === 'test' && r.negative === 'mnist')) {
    for (const m of row.metrics) {
      lines.push([row.model, row.method, m.metric, m.value.toFixed(3), m.ci ? `[${m.ci.low.toFixed(3)}, ${m.ci.high.toFixed(3)}]` : '—'].join('\t'));
    }
  }
  return lines.join('\n');
}
