/**
 * Requirement classes in PostgreSQL (the truth): which exist, which class a stored job belongs to (its config's
 * `resources`), and what live workers advertise. Workers read the classes to find the queues they can serve; the
 * coordinator reads both to report jobs that no live worker can run.
 */
import type pg from 'pg';
import type { JobKind } from './contract.js';
import {
  describeCapacity, describeRequirement, meetsRequirement, readResources, requirementClassOf, requirementOfClass,
  type EnqueueItem, type ResourceRequirement, type WorkerCapacity,
} from '@dgm-ood/queue';

/** Records classes (idempotent); call before enqueueing their jobs so that workers can discover the queues. */
export async function recordRequirementClasses(pool: pg.Pool | pg.PoolClient, requirements: readonly ResourceRequirement[]): Promise<void> {
  const unique = new Map(requirements.map((r) => [requirementClassOf(r), r]));
  if (unique.size === 0) return;
  const rows = [...unique].map(([name, r]) => ({ name, device: r.device, memory: r.memoryGib ?? null }));
  await pool.query(
    `INSERT INTO requirement_classes (name, device, memory_gib)
     SELECT * FROM unnest($1::text[], $2::text[], $3::double precision[]) ON CONFLICT (name) DO NOTHING`,
    [rows.map((r) => r.name), rows.map((r) => r.device), rows.map((r) => r.memory)],
  );
}

/** Every recorded class with its requirement. */
export async function listRequirementClasses(pool: pg.Pool): Promise<Map<string, ResourceRequirement>> {
  const { rows } = await pool.query('SELECT name FROM requirement_classes ORDER BY name');
  const classes = new Map<string, ResourceRequirement>();
  for (const row of rows) {
    const requirement = requirementOfClass(row.name as string);
    if (requirement) classes.set(row.name as string, requirement);
  }
  return classes;
}

/** The requirement class of a stored job config (undefined: none, the default queue). Stored configs were checked at submission. */
export function requirementClassOfConfig(config: unknown): string | undefined {
  const { requirement } = readResources(config);
  return requirement ? requirementClassOf(requirement) : undefined;
}

/** Fills in each item's requirement class from its job's stored config: every enqueue of a stored job goes through here. */
export async function withRequirementClasses(pool: pg.Pool | pg.PoolClient, items: readonly EnqueueItem[]): Promise<EnqueueItem[]> {
  if (items.length === 0) return [];
  const { rows } = await pool.query(
    `SELECT id, config->'resources' AS resources FROM jobs WHERE id = ANY($1::uuid[]) AND config ? 'resources'`,
    [items.map((item) => item.jobId)],
  );
  const classes = new Map<string, string>();
  for (const row of rows) {
    const requirementClass = requirementClassOfConfig({ resources: row.resources });
    if (requirementClass !== undefined) classes.set(row.id as string, requirementClass);
  }
  return items.map((item) => {
    const requirementClass = classes.get(item.jobId);
    return requirementClass === undefined ? item : { ...item, requirementClass };
  });
}

export interface WorkerHeartbeat extends WorkerCapacity {
  workerId: string;
  hostname: string;
  backend: string;
  kinds: string[];
  classes: string[];
}

/** Rows of workers unseen this long are deleted (killed workers leave theirs; ids change with every start). */
const HEARTBEAT_RETENTION = '1 day';

export async function recordHeartbeat(pool: pg.Pool, heartbeat: WorkerHeartbeat): Promise<void> {
  await pool.query(`DELETE FROM worker_heartbeats WHERE seen_at < now() - interval '${HEARTBEAT_RETENTION}'`);
  await pool.query(
    `INSERT INTO worker_heartbeats (worker_id, hostname, device, memory_gib, backend, kinds, classes)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
     ON CONFLICT (worker_id) DO UPDATE SET hostname = $2, device = $3, memory_gib = $4, backend = $5, kinds = $6::jsonb,
       classes = $7::jsonb, seen_at = now()`,
    [heartbeat.workerId, heartbeat.hostname, heartbeat.device, heartbeat.memoryGib, heartbeat.backend, JSON.stringify(heartbeat.kinds), JSON.stringify(heartbeat.classes)],
  );
}

/** A worker that stops cleanly says so at once (no wait for its heartbeat to go stale). */
export async function removeHeartbeat(pool: pg.Pool, workerId: string): Promise<void> {
  await pool.query('DELETE FROM worker_heartbeats WHERE worker_id = $1', [workerId]);
}

/** Workers seen within `freshMs`. */
export async function liveWorkers(pool: pg.Pool, freshMs: number): Promise<WorkerHeartbeat[]> {
  const { rows } = await pool.query(
    `SELECT worker_id, hostname, device, memory_gib, backend, kinds, classes FROM worker_heartbeats
     WHERE seen_at > now() - make_interval(secs => $1::double precision / 1000) ORDER BY worker_id`,
    [freshMs],
  );
  return rows.map((row) => ({
    workerId: row.worker_id, hostname: row.hostname, device: row.device, memoryGib: row.memory_gib, backend: row.backend,
    kinds: row.kinds, classes: row.classes,
  }));
}

export interface UnservableJobs {
  requirementClass: string;
  kind: JobKind;
  /** Queued jobs of the class that no live worker can take. */
  queued: number;
  message: string;
}

/** Says why no live worker can take jobs of a kind and class, or undefined when one can. */
export function unservableReason(kind: string, requirement: ResourceRequirement, workers: readonly WorkerHeartbeat[]): string | undefined {
  const serving = workers.filter((w) => w.kinds.includes(kind));
  if (serving.some((w) => meetsRequirement(w, requirement))) return undefined;
  const have = serving.length === 0 ? `no live worker serves ${kind} jobs` : `live ${kind} workers have: ${serving.map((w) => `${w.workerId} ${describeCapacity(w)}`).join('; ')}`;
  return `needs ${describeRequirement(requirement)}; ${have}. The jobs stay queued until a worker that meets it starts (they are not failed).`;
}

/**
 * Queued jobs (of one sweep, one job, or all) whose requirement class no live worker meets, per kind and class. Jobs
 * without requirements are not judged: the default queues are served by every worker of their kind.
 */
export async function findUnservableJobs(pool: pg.Pool, where: { sweepId: string } | { jobId: string } | 'everywhere', freshMs: number): Promise<UnservableJobs[]> {
  const [filter, values] =
    where === 'everywhere' ? ['TRUE', []] : 'sweepId' in where ? ['j.sweep_id = $1', [where.sweepId]] : ['j.id = $1', [where.jobId]];
  const { rows } = await pool.query(
    `SELECT s.kind, j.config->'resources' AS resources, count(*)::int AS queued FROM jobs j JOIN sweeps s ON s.id = j.sweep_id
     WHERE ${filter} AND j.state = 'queued' AND j.config ? 'resources' GROUP BY s.kind, j.config->'resources'`,
    values,
  );
  if (rows.length === 0) return [];
  const workers = await liveWorkers(pool, freshMs);
  const byClass = new Map<string, UnservableJobs>();
  for (const row of rows) {
    const { requirement } = readResources({ resources: row.resources });
    if (!requirement) continue;
    const requirementClass = requirementClassOf(requirement);
    const message = unservableReason(row.kind as string, requirement, workers);
    if (message === undefined) continue;
    const key = `${row.kind}/${requirementClass}`;
    const entry = byClass.get(key) ?? { requirementClass, kind: row.kind as JobKind, queued: 0, message };
    entry.queued += row.queued as number;
    byClass.set(key, entry);
  }
  return [...byClass.values()];
}
