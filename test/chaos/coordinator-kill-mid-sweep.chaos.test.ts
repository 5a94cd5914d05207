import { expect, test } from 'vitest';
import { paradoxOodSweep } from '../../apps/coordinator/src/testing/fixture-sweeps.js';
import { expectRecovered } from './chaos-report.js';
import { fixtureSweep, WAIT_CAP_MS, type ExpectedRows } from './chaos-system.js';
import { waitUntil } from './processes.js';
import { useChaosSystem } from './use-chaos-system.js';

const chaos = useChaosSystem();
const TRAIN_JOBS = 4;
const STEPS = 10;
const POINTS = 5000;

/** The counter fixture writes one row per step; the score fixture `points` rows of the dataset it scores. */
function expectedRows(config: Record<string, unknown>): ExpectedRows {
  if (config.fixture === 'counter') return { dataset: 'fixture', split: 'test', points: STEPS };
  const ood = (config.data as { out_of_distribution: { dataloader_args: { dataset: string }; pick_loader?: string } }).out_of_distribution;
  return { dataset: ood.dataloader_args.dataset, split: ood.pick_loader ?? 'test', points: POINTS };
}

test('coordinator kill -9 mid-sweep: workers go on without it (one started meanwhile); restarted, it evaluates the OOD sweep that finished without it, once', async () => {
  const { system } = chaos;
  const started = Date.now();
  const train = await system.submit(fixtureSweep('counter', TRAIN_JOBS, { steps: STEPS, stepMs: 150 }), { kind: 'train', name: 'chaos-coordinator-kill-train' });
  const ood = await system.submit(paradoxOodSweep(POINTS, 'chaos'), { kind: 'ood', name: 'chaos-coordinator-kill-ood' });
  await system.startWorker({ queues: 'train' });
  await system.whenRunning({ step: 2 });
  await system.coordinator!.kill9();
  // The OOD sweep runs and ends entirely while there is no coordinator: only the restarted one can evaluate it.
  await system.startWorker({ queues: 'ood' });
  const jobs = TRAIN_JOBS + ood.jobCount;
  await system.settle(jobs, expectedRows);
  const { rows: [whileDown] } = await system.pool.query(`SELECT count(*)::int AS n FROM evaluations`);
  await system.startCoordinator();

  const evaluation = await waitUntil('the OOD sweep\'s evaluation', async () => {
    const response = await system.api(`/sweeps/${ood.id}/evaluation`);
    const body = (await response.json()) as { complete?: boolean; rows?: unknown[] };
    return response.status === 200 && body.complete === true ? body : undefined;
  }, WAIT_CAP_MS, 200);
  const outcome = await system.settle(jobs, expectedRows);
  const { rows: [stored] } = await system.pool.query(
    `SELECT (SELECT count(*)::int FROM sweeps WHERE id = ANY($1::uuid[]) AND status = 'succeeded') AS sweeps,
            (SELECT count(*)::int FROM evaluations WHERE sweep_id = $2) AS evaluations`,
    [[train.id, ood.id], ood.id],
  );
  expectRecovered({
    fault: 'coordinator kill -9 mid-sweep', started, jobs, rows: TRAIN_JOBS * STEPS + ood.jobCount * POINTS, outcome,
    also: {
      'sweeps succeeded': { expected: 2, found: stored.sweeps },
      'evaluation rows stored while down': { expected: 0, found: whileDown.n },
      // The two rows' four metrics, stored once.
      'evaluation rows stored': { expected: 8, found: stored.evaluations },
    },
  });
  expect(evaluation.rows).toHaveLength(2); // test vs MNIST and generated vs MNIST
});
