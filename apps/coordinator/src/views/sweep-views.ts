/** How sweeps and jobs are shown over REST and server-sent events: one mapping, so both always agree. */
import type { Pool, PrismaClient } from '@dgm-ood/db';
import { iso, jobStates, type JobState } from '../schemas.js';

type SweepRow = { id: string; name: string; kind: 'train' | 'ood'; status: string; jobCount: number; createdAt: Date; startedAt: Date | null; finishedAt: Date | null };
type JobRow = {
  id: string; gridIndex: number; name: string; state: JobState; attempts: number; progress: unknown; error: string | null;
  point: unknown; backend: string | null; startedAt: Date | null; finishedAt: Date | null;
};

export const sweepSummary = (s: SweepRow) => ({
  id: s.id, name: s.name, kind: s.kind, status: s.status, jobCount: s.jobCount,
  createdAt: s.createdAt.toISOString(), startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt),
});

export const jobSummary = (j: JobRow) => ({
  id: j.id, gridIndex: j.gridIndex, name: j.name, state: j.state, attempts: j.attempts, progress: j.progress as never, error: j.error,
  point: (j.point ?? null) as never, backend: j.backend, startedAt: iso(j.startedAt), finishedAt: iso(j.finishedAt),
});


/** Job counts per state, every state present (0 when none). */
export function jobCounts(rows: readonly { state: string; n: number }[]): Record<JobState, number> {
  const counts = Object.fromEntries(jobStates.map((s) => [s, 0])) as Record<JobState, number>;
  for (const row of rows) counts[row.state as JobState] = row.n;
  return counts;
}

/** Job counts per state of several sweeps, in one query. */
export async function jobCountsOf(pool: Pool, sweepIds: readonly string[]): Promise<Map<string, Record<JobState, number>>> {
  const { rows } = await pool.query(
    `SELECT sweep_id, state, count(*)::int AS n FROM jobs WHERE sweep_id = ANY($1::uuid[]) GROUP BY sweep_id, state`,
    [sweepIds],
  );
  const bySweep = new Map<string, { state: string; n: number }[]>();
  for (const r of rows) bySweep.set(r.sweep_id, [...(bySweep.get(r.sweep_id) ?? []), { state: r.state, n: r.n }]);
  return new Map([...bySweep].map(([id, list]) => [id, jobCounts(list)]));
}

/** A sweep with its job counts per state, progress and timings; undefined when there is no such sweep. */
export async function sweepDetail(prisma: PrismaClient, pool: Pool, id: string) {
  const sweep = await prisma.sweep.findUnique({ where: { id } });
  if (!sweep) return undefined;
  const { rows } = await pool.query(
    `SELECT state, count(*)::int AS n,
            avg(extract(epoch FROM finished_at - started_at) * 1000) FILTER (WHERE state = 'succeeded') AS mean_ms,
            sum(CASE WHEN jsonb_typeof(progress->'fraction') = 'number' THEN least(1, greatest(0, (progress->>'fraction')::float8)) ELSE 0 END)
              FILTER (WHERE state = 'running') AS running_fraction
     FROM jobs WHERE sweep_id = $1 GROUP BY state`,
    [sweep.id],
  );
  const counts = jobCounts(rows);
  const succeeded = rows.find((r) => r.state === 'succeeded' && r.mean_ms !== null);
  const meanSucceededJobMs: number | null = succeeded ? Number(succeeded.mean_ms) : null;
  const finished = counts.succeeded + counts.failed + counts.cancelled;
  const running = rows.find((r) => r.state === 'running');
  // Finished jobs plus the fractions running jobs report: what an ETA can be projected from.
  const partial = finished + (running?.running_fraction === null || running === undefined ? 0 : Number(running.running_fraction));
  const end = sweep.finishedAt ?? new Date();
  return {
    ...sweepSummary(sweep),
    options: sweep.options,
    counts,
    progress: { finished, total: sweep.jobCount, fraction: sweep.jobCount ? finished / sweep.jobCount : 1, workDone: sweep.jobCount ? Math.min(1, partial / sweep.jobCount) : 1 },
    timings: { elapsedMs: sweep.startedAt ? end.getTime() - sweep.startedAt.getTime() : null, meanSucceededJobMs },
  };
}

