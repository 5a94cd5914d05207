/**
 * `dgm-ood sweep show SWEEP [--json]`: one sweep (by id or name) — status, counts per state, progress, timings —
 * and all its jobs in grid order (read page by page): run name, grid point, state, attempts, progress or error.
 */
import { EXIT } from '../../io.js';
import { allJobs, JOB_STATES, resolveSweepId, sweepDetail } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';
import { etaMs, formatDuration, formatTime, fractionText, pointText, progressText, textTable } from '../../remote/format.js';

export const showSubcommand: RemoteSubcommand = {
  name: 'show',
  synopsis: 'SWEEP [--json]',
  summary: "a sweep's counts, progress and timings, and its jobs: run name, grid point, state, attempts, progress",
  positionals: ['SWEEP'],
  booleans: ['--json'],
  async run(ctx: RemoteContext): Promise<number> {
    const { io, coordinator } = ctx;
    const id = await resolveSweepId(coordinator, ctx.args[0]!);
    const sweep = await sweepDetail(coordinator, id);
    const jobs = await allJobs(coordinator, id);
    if (ctx.has('--json')) {
      io.stdout(`${JSON.stringify({ ...sweep, jobs }, null, 2)}\n`);
      return EXIT.ok;
    }
    const { finished, total } = sweep.progress;
    const eta = sweep.finishedAt ? '' : `, ETA ${formatDuration(etaMs(sweep.timings.elapsedMs, finished, total))}`;
    const mean = sweep.timings.meanSucceededJobMs;
    const lines = [
      `sweep ${sweep.name}`,
      `  id        ${sweep.id}`,
      `  kind      ${sweep.kind}`,
      `  status    ${sweep.status}`,
      `  progress  ${fractionText(finished, total)} finished`,
      `  jobs      ${JOB_STATES.map((s) => `${s} ${sweep.counts[s]}`).join(', ')}`,
      `  created   ${formatTime(sweep.createdAt)}`,
      `  started   ${formatTime(sweep.startedAt)}`,
      `  finished  ${formatTime(sweep.finishedAt)}`,
      `  elapsed   ${formatDuration(sweep.timings.elapsedMs)}${eta}${mean !== null ? ` (a succeeded job took ${formatDuration(mean)} on average)` : ''}`,
      // Queued jobs whose resources no live worker has: said where one looks, or they would seem merely slow.
      ...(sweep.unservable ?? []).map((u) => `  unservable ${u.queued} queued ${u.kind} job(s) of requirement class ${u.requirementClass}: ${u.message}`),
      '',
      textTable(
        ['index', 'run name', 'point', 'state', 'attempts', 'progress / error'],
        jobs.map((j) => [String(j.gridIndex), j.name, pointText(j.point), j.state, String(j.attempts), j.error ?? progressText(j.progress)]),
      ),
    ];
    io.stdout(`${lines.join('\n')}\n`);
    return EXIT.ok;
  },
};
