/**
 * A single run recorded in PostgreSQL as a one-job sweep, through the same lifecycle functions a worker uses:
 * the job is created (or, for a config whose earlier run was interrupted or failed, taken up again so that its
 * attempts stay one history) and started as an attempt; the caller completes, fails or cancels it.
 */
import type { Pool } from '@dgm-ood/db';
import {
  cancelSweep, createSweep, recordCancelledAttempt, requeueJobs, resolveModelReference, startAttempt, type JobKind, type JsonValue,
  type ModelReference, type ProvenanceFields, type StartedAttempt,
} from '@dgm-ood/jobs';

export interface NewSingleRunJob {
  kind: JobKind;
  sweepName: string;
  sourceText: string;
  configJson: string;
  configHash: string;
  runName: string;
  workdirKey: string;
  /** Training jobs whose models the config references (they have succeeded). */
  dependsOn: string[];
  options: Record<string, JsonValue>;
}

export interface OpenedJob {
  sweepId: string;
  sweepName: string;
  /** Whether an earlier, unfinished run of this config was taken up again. */
  resumed: boolean;
  started: StartedAttempt;
}

/** An earlier run of the same config that did not finish: interrupted (Ctrl-C), failed, or killed mid-run. */
async function unfinishedRun(pool: Pool, job: NewSingleRunJob): Promise<{ id: string; state: string; sweepId: string; sweepName: string } | undefined> {
  const { rows } = await pool.query(
    `SELECT j.id, j.state, j.sweep_id, s.name FROM jobs j JOIN sweeps s ON s.id = j.sweep_id
     WHERE j.workdir_key = $1 AND j.config_hash = $2 AND s.kind = $3 AND s.options ? 'singleRun'
       AND j.state IN ('queued', 'running', 'failed', 'cancelled')
     ORDER BY j.updated_at DESC LIMIT 1`,
    [job.workdirKey, job.configHash, job.kind],
  );
  const row = rows[0];
  return row ? { id: row.id as string, state: row.state as string, sweepId: row.sweep_id as string, sweepName: row.name as string } : undefined;
}

export async function openSingleRunJob(pool: Pool, job: NewSingleRunJob, worker: { workerId: string; provenance: ProvenanceFields }): Promise<OpenedJob> {
  const earlier = await unfinishedRun(pool, job);
  let opened: Omit<OpenedJob, 'started'> & { jobId: string };
  if (earlier) {
    // A fresh attempt budget, as `job retry` gives one; the earlier attempts stay recorded.
    if (earlier.state === 'failed' || earlier.state === 'cancelled') await requeueJobs(pool, { jobId: earlier.id }, ['failed', 'cancelled'], 1);
    opened = { sweepId: earlier.sweepId, sweepName: earlier.sweepName, jobId: earlier.id, resumed: true };
  } else {
    const { sweepId, jobs } = await createSweep(pool, {
      name: job.sweepName,
      kind: job.kind,
      sourceText: job.sourceText,
      sourceFormat: 'yaml',
      options: job.options,
      maxAttempts: 1,
      jobs: [{ gridIndex: 0, name: job.runName, point: {}, configJson: job.configJson, configHash: job.configHash, workdirKey: job.workdirKey, dependsOn: job.dependsOn }],
    });
    opened = { sweepId, sweepName: job.sweepName, jobId: jobs[0]!.id, resumed: false };
  }
  const started = await startAttempt(pool, opened.jobId, worker);
  if (started.status === 'skipped') throw new Error(`job ${opened.jobId} of sweep ${opened.sweepName} cannot start: ${started.reason}`);
  return { sweepId: opened.sweepId, sweepName: opened.sweepName, resumed: opened.resumed, started };
}

/**
 * Ctrl-C ends a single run as a cancellation (not the worker's requeue: no worker is to pick it up); running the
 * command again takes the job up where its checkpoint left it.
 */
export async function cancelSingleRunJob(pool: Pool, sweepId: string, jobId: string, attempt: number): Promise<void> {
  await cancelSweep(pool, sweepId);
  await recordCancelledAttempt(pool, jobId, attempt);
}

/** A `{sweep, job}` reference of the config: the training job it names, which must have succeeded. */
export async function referencedModel(pool: Pool, ref: ModelReference): Promise<{ jobId: string; config: JsonValue } | { problem: string }> {
  try {
    const resolved = await resolveModelReference(pool, ref);
    if (resolved.state !== 'succeeded') return { problem: `the referenced job ${resolved.jobId} is ${resolved.state}, not succeeded: its model is not trained yet` };
    const { rows } = await pool.query('SELECT config FROM jobs WHERE id = $1', [resolved.jobId]);
    return { jobId: resolved.jobId, config: (rows[0]?.config ?? null) as JsonValue };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}
