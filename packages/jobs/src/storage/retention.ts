/** Retention: which finished sweeps are old enough to delete (DGM_OOD_RETENTION_DAYS). */
import type pg from 'pg';
import type { JobKind } from '../contract.js';

export interface ExpiredSweep {
  id: string;
  name: string;
  kind: JobKind;
  finishedAt: Date;
}

export interface RetentionPlan {
  /** Finished sweeps whose last job ended before the cutoff, each listed after every sweep that depends on it. */
  expired: ExpiredSweep[];
  /** Expired sweeps kept because a sweep that is not expired depends on them (their models are still in use). */
  kept: (ExpiredSweep & { neededBy: string[] })[];
}

/**
 * Sweeps finished (every job terminal) more than `days` days ago. A sweep another sweep depends on is only
 * listed when that sweep is listed too, and after it, so deleting them in order never breaks a dependency.
 */
export async function expiredSweeps(pool: pg.Pool, days: number): Promise<RetentionPlan> {
  const { rows } = await pool.query(
    `SELECT s.id, s.name, s.kind, s.finished_at FROM sweeps s
     WHERE s.finished_at < now() - make_interval(days => $1) AND s.status IN ('succeeded', 'failed', 'cancelled')
       AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.sweep_id = s.id AND j.state IN ('pending', 'waiting', 'queued', 'running'))
     ORDER BY s.finished_at, s.id`,
    [days],
  );
  const candidates = new Map<string, ExpiredSweep>(
    rows.map((r) => [r.id as string, { id: r.id as string, name: r.name as string, kind: r.kind as JobKind, finishedAt: r.finished_at as Date }]),
  );
  const { rows: edges } = await pool.query(
    `SELECT DISTINCT p.sweep_id AS prerequisite, j.sweep_id AS dependent FROM job_dependencies d
     JOIN jobs p ON p.id = d.depends_on_id JOIN jobs j ON j.id = d.job_id
     WHERE p.sweep_id = ANY($1::uuid[]) AND j.sweep_id <> p.sweep_id`,
    [[...candidates.keys()]],
  );
  const dependentsOf = new Map<string, Set<string>>();
  for (const edge of edges) {
    const set = dependentsOf.get(edge.prerequisite as string) ?? new Set<string>();
    set.add(edge.dependent as string);
    dependentsOf.set(edge.prerequisite as string, set);
  }
  // Keeping one sweep can keep its prerequisites: repeat until nothing changes.
  const kept: RetentionPlan['kept'] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (const sweep of candidates.values()) {
      const outside = [...(dependentsOf.get(sweep.id) ?? [])].filter((id) => !candidates.has(id));
      if (outside.length > 0) {
        candidates.delete(sweep.id);
        kept.push({ ...sweep, neededBy: outside });
        changed = true;
      }
    }
  }
  // Dependents first: a sweep is listed once none of its dependents is left to list.
  const expired: ExpiredSweep[] = [];
  const left = new Set(candidates.keys());
  while (left.size > 0) {
    const ready = [...left].filter((id) => ![...(dependentsOf.get(id) ?? [])].some((d) => left.has(d)));
    for (const id of ready.length > 0 ? ready : [...left]) {
      expired.push(candidates.get(id)!);
      left.delete(id);
    }
  }
  return { expired, kept };
}
