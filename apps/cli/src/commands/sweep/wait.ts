/**
 * Waiting for a sweep to finish (live progress while polling GET /sweeps/:id), then its summary: counts and
 * timing, the failed or cancelled jobs with their errors, and the results — the AUC table of an OOD sweep
 * (GET /sweeps/:id/evaluation), the jobs of a training sweep.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatEvaluationTable } from '@dgm-ood/evaluation';
import { EXIT } from '../../io.js';
import { allJobs, FINAL_SWEEP_STATUSES, sweepDetail, type Evaluation, type JobSummary, type SweepDetail } from '../../remote/api.js';
import type { RemoteContext } from '../../remote/command-group.js';
import { countsText, elapsedMs, formatDuration, textTable } from '../../remote/format.js';
import { sweepProgressDisplay } from '../../remote/sweep-progress.js';

/** Polls until the sweep has no active job, showing its progress; the finished sweep. */
export async function waitForSweep(ctx: RemoteContext, sweepId: string): Promise<SweepDetail> {
  const display = sweepProgressDisplay(ctx.io);
  try {
    for (;;) {
      const sweep = await sweepDetail(ctx.coordinator, sweepId);
      display.update(sweep);
      if (FINAL_SWEEP_STATUSES.has(sweep.status)) return sweep;
      await sleep(ctx.pollMs);
    }
  } finally {
    display.stop();
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function evaluationText(evaluation: Evaluation): string {
  const { bootstrap } = evaluation;
  const header =
    `AUC per model and method (protocol ${evaluation.protocol.name}; [${Math.round(bootstrap.level * 100)}% percentile bootstrap interval, ` +
    `${bootstrap.resamples} resamples]; ±: std over seeds):`;
  if (evaluation.rows.length === 0) {
    return `${header}\nno pairs to evaluate: a model and method need its test split (or samples) and another dataset scored, with results\n`;
  }
  return `${header}\n${formatEvaluationTable(evaluation.rows)}\n`;
}

function jobsTable(jobs: readonly JobSummary[]): string {
  const rows = jobs.map((j) => [j.name, j.state, String(j.attempts), formatDuration(elapsedMs(j.startedAt, j.finishedAt))]);
  return `${textTable(['run name', 'state', 'attempts', 'duration'], rows)}\n`;
}

/** Prints what a finished sweep did; EXIT.jobsFailed when some of its jobs failed or were cancelled. */
export async function printFinishedSweep(ctx: RemoteContext, sweep: SweepDetail): Promise<number> {
  const { io, coordinator } = ctx;
  const mean = sweep.timings.meanSucceededJobMs;
  io.stdout(
    `sweep ${sweep.name} (${sweep.id}) ${sweep.status} after ${formatDuration(sweep.timings.elapsedMs)}: ${countsText(sweep.counts)}` +
      `${mean !== null ? ` (a succeeded job took ${formatDuration(mean)} on average)` : ''}\n`,
  );
  const jobs = await allJobs(coordinator, sweep.id);
  const broken = jobs.filter((j) => j.state === 'failed' || j.state === 'cancelled');
  if (broken.length > 0) {
    io.stdout(`${plural(broken.length, 'job')} did not succeed:\n`);
    for (const j of broken) io.stdout(`  ${j.name} (job ${j.id}, ${j.state} after ${plural(j.attempts, 'attempt')})${j.error ? `: ${j.error}` : ''}\n`);
  }
  io.stdout('\n');
  if (sweep.kind === 'ood') io.stdout(evaluationText(await coordinator.json<Evaluation>('GET', `/sweeps/${sweep.id}/evaluation`)));
  else io.stdout(jobsTable(jobs));
  return broken.length > 0 ? EXIT.jobsFailed : EXIT.ok;
}
