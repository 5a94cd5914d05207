import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { expectRecovered } from './chaos-report.js';
import { CLI_ENTRY, fixtureSweep, ROOT, WAIT_CAP_MS } from './chaos-system.js';
import { startProcess, waitUntil } from './processes.js';
import { useChaosSystem } from './use-chaos-system.js';

const chaos = useChaosSystem();
// Enough jobs that enqueueing them (after the commit, before the answer) leaves a window to kill the coordinator in.
const JOBS = 1000;

test('coordinator kill -9 mid-POST, after the commit and before the answer: the CLI sends the POST again with its Idempotency-Key and gets the stored sweep; exactly one sweep, every job runs once', async () => {
  const { system } = chaos;
  const started = Date.now();
  const file = join(system.dir, 'chaos-post.yaml');
  writeFileSync(file, fixtureSweep('ingest', JOBS, { points: 1 }));
  const cli = startProcess('cli', process.execPath, ['--import', 'tsx', CLI_ENTRY, 'sweep', 'submit', file, '--kind', 'ood', '--name', 'chaos-coordinator-kill-post'], {
    cwd: ROOT, env: system.env, logFile: join(system.dir, 'cli.log'),
  });
  await waitUntil('the sweep to be committed', async () => {
    const { rows } = await system.pool.query('SELECT count(*)::int AS n FROM sweeps');
    return rows[0].n > 0 ? true : undefined;
  }, WAIT_CAP_MS, 2);
  await system.coordinator!.kill9();
  const { rows: [atKill] } = await system.pool.query(`SELECT count(*)::int AS n FROM jobs`);
  await system.startCoordinator();
  const exit = await cli.exited;
  const output = cli.logTail();
  await system.startWorker({ concurrency: 4 });

  const outcome = await system.settle(JOBS, () => ({ dataset: 'fixture', split: 'test', points: 1 }));
  const { rows: [counts] } = await system.pool.query(`SELECT (SELECT count(*)::int FROM sweeps) AS sweeps, (SELECT count(*)::int FROM job_attempts) AS attempts`);
  expectRecovered({
    fault: 'coordinator kill -9 mid-POST', started, jobs: JOBS, rows: JOBS, outcome,
    also: { sweeps: { expected: 1, found: counts.sweeps }, attempts: { expected: JOBS, found: counts.attempts }, 'CLI exit code': { expected: 0, found: exit.code ?? -1 } },
  });
  expect(atKill.n).toBe(JOBS); // killed after the commit
  expect(output).toMatch(/the connection broke \(.*\); sending the same submission again/); // ... and before its answer
  expect(output).toMatch(new RegExp(`submitted sweep chaos-coordinator-kill-post \\(.+\\): ${JOBS} ood jobs`));
});
