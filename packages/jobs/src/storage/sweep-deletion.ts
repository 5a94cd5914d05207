/**
 * Deleting sweeps: their jobs and every row that hangs off them (attempts, logs, metrics, results, artifacts,
 * evaluations, dependency edges; shared-cache entries keep their value and lose the job) go in one transaction,
 * with the large objects only they name. Working directories and files are removed after the commit, since a
 * file system cannot roll back: what a failure leaves behind is an orphan for the garbage collection.
 */
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { createError } from '@dgm-ood/config';
import { withRetriedTransaction, withTransaction } from '@dgm-ood/db';
import { removeQueuedJobs, type Queues, type Redis } from '@dgm-ood/queue';
import type { JobKind } from '../contract.js';
import { largeObjectOid, unlinkUnreferencedLargeObjects } from './large-objects.js';
import { removeUnderModelDir, type RemovalOutcome } from './workdirs.js';

const ACTIVE_STATES = ['pending', 'waiting', 'queued', 'running'] as const;

export const SweepActiveError = createError<[string, number, string]>(
  'DGM_SWEEP_ACTIVE',
  'sweep %s has %d unfinished jobs (%s): cancel it first, or delete it with ?cancel=true (dgm-ood sweep delete --cancel)',
  409,
);
export const SweepHasDependentsError = createError<[string, string]>(
  'DGM_SWEEP_HAS_DEPENDENTS',
  'sweep %s is needed by %s (their jobs depend on its jobs): delete those first, or together with it with ?withDependents=true (dgm-ood sweep delete --with-dependents)',
  409,
);

export interface SweepDeletionReport {
  sweeps: { id: string; name: string; kind: JobKind }[];
  jobs: number;
  results: number;
  evaluations: number;
  artifacts: { count: number; bytes: number };
  /** Large objects only these sweeps' artifacts name: unlinked with the rows. */
  largeObjects: number;
}

export interface SweepDeletion extends SweepDeletionReport {
  /** What the committed deletion leaves to remove outside PostgreSQL. */
  cleanup: { workdirKeys: string[]; files: string[]; jobIds: Record<JobKind, string[]> };
}

export interface SweepDeletionOptions {
  /** Delete the sweeps whose jobs depend on these sweeps' jobs too (transitively); otherwise they refuse. */
  withDependents?: boolean;
}

type Client = pg.PoolClient;
interface SweepRow {
  id: string;
  name: string;
  kind: JobKind;
}

const label = (sweeps: readonly SweepRow[]) => sweeps.map((s) => `${s.name} (${s.id})`).join(', ');

async function sweepRows(client: Client, ids: readonly string[], lock = false): Promise<SweepRow[]> {
  const { rows } = await client.query(`SELECT id, name, kind FROM sweeps WHERE id = ANY($1::uuid[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`, [ids]);
  return rows as SweepRow[];
}

/** Sweeps outside `ids` with a job that depends on a job of `ids`. */
async function dependentSweeps(client: Client, ids: readonly string[]): Promise<SweepRow[]> {
  const { rows } = await client.query(
    `SELECT DISTINCT s.id, s.name, s.kind FROM jobs p
     JOIN job_dependencies d ON d.depends_on_id = p.id
     JOIN jobs j ON j.id = d.job_id
     JOIN sweeps s ON s.id = j.sweep_id
     WHERE p.sweep_id = ANY($1::uuid[]) AND NOT (j.sweep_id = ANY($1::uuid[]))
     ORDER BY s.id`,
    [ids],
  );
  return rows as SweepRow[];
}

/**
 * The requested sweeps and, with `withDependents`, every sweep that depends on them; without it, a sweep
 * another one depends on is refused. With `lock`, each sweep's jobs are locked as they join (jobs before
 * sweeps, the order every worker writes in): a submission that would add a dependent waits for the commit.
 */
async function closure(client: Client, requested: SweepRow[], options: SweepDeletionOptions, lock: boolean): Promise<{ ids: string[]; states: Map<string, number> }> {
  const ids = requested.map((s) => s.id);
  const states = new Map<string, number>();
  let joining = ids;
  for (;;) {
    const { rows } = await client.query(
      `SELECT state, count(*) AS n FROM (SELECT state FROM jobs WHERE sweep_id = ANY($1::uuid[])${lock ? ' ORDER BY id FOR UPDATE' : ''}) j GROUP BY state`,
      [joining],
    );
    for (const row of rows) states.set(row.state as string, (states.get(row.state as string) ?? 0) + Number(row.n));
    const dependents = await dependentSweeps(client, ids);
    if (dependents.length === 0) return { ids, states };
    if (!options.withDependents) throw new SweepHasDependentsError(label(requested), label(dependents));
    joining = dependents.map((s) => s.id);
    ids.push(...joining);
  }
}

function refuseActive(requested: SweepRow[], states: Map<string, number>): void {
  const active = ACTIVE_STATES.filter((state) => (states.get(state) ?? 0) > 0);
  if (active.length === 0) return;
  const count = active.reduce((sum, state) => sum + states.get(state)!, 0);
  throw new SweepActiveError(label(requested), count, active.map((state) => `${states.get(state)} ${state}`).join(', '));
}

/** What deleting sweeps `ids` removes, read in the caller's transaction (after the locks, for a deletion). */
async function contents(client: Client, ids: readonly string[]) {
  const { rows: [counts] } = await client.query(
    `WITH j AS (SELECT id FROM jobs WHERE sweep_id = ANY($1::uuid[]))
     SELECT (SELECT count(*) FROM j) AS jobs,
       (SELECT count(*) FROM point_results WHERE job_id IN (SELECT id FROM j)) AS results,
       (SELECT count(*) FROM evaluations WHERE sweep_id = ANY($1::uuid[])
          OR positive_job_id IN (SELECT id FROM j) OR negative_job_id IN (SELECT id FROM j)) AS evaluations,
       (SELECT count(*) FROM artifacts WHERE job_id IN (SELECT id FROM j)) AS artifacts,
       (SELECT coalesce(sum(bytes), 0) FROM artifacts WHERE job_id IN (SELECT id FROM j)) AS artifact_bytes`,
    [ids],
  );
  // Stored objects and working directories that no job outside these sweeps names (single runs of one config share theirs).
  const { rows: stored } = await client.query(
    `SELECT DISTINCT a.uri FROM artifacts a JOIN jobs j ON j.id = a.job_id
     WHERE j.sweep_id = ANY($1::uuid[]) AND NOT EXISTS (
       SELECT 1 FROM artifacts o JOIN jobs oj ON oj.id = o.job_id WHERE o.uri = a.uri AND NOT (oj.sweep_id = ANY($1::uuid[])))`,
    [ids],
  );
  const { rows: workdirs } = await client.query(
    `SELECT DISTINCT j.workdir_key FROM jobs j WHERE j.sweep_id = ANY($1::uuid[])
       AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.workdir_key = j.workdir_key AND NOT (o.sweep_id = ANY($1::uuid[])))`,
    [ids],
  );
  const uris = stored.map((row) => row.uri as string);
  const oids = uris.flatMap((uri) => largeObjectOid(uri) ?? []);
  const { rows: [objects] } = await client.query(`SELECT count(*) AS n FROM pg_largeobject_metadata WHERE oid = ANY($1::oid[])`, [oids]);
  return {
    jobs: Number(counts.jobs),
    results: Number(counts.results),
    evaluations: Number(counts.evaluations),
    artifacts: { count: Number(counts.artifacts), bytes: Number(counts.artifact_bytes) },
    largeObjects: Number(objects.n),
    oids,
    files: uris.filter((uri) => uri.startsWith('file:')).map((uri) => fileURLToPath(uri)),
    workdirKeys: workdirs.map((row) => row.workdir_key as string),
  };
}

async function requestedSweeps(client: Client, ids: readonly string[]): Promise<SweepRow[] | undefined> {
  const requested = await sweepRows(client, ids);
  return requested.length === new Set(ids).size ? requested : undefined;
}

/**
 * What deleting the sweeps would remove, without removing anything (no locks: a deletion right after may find
 * more, or refuse). Undefined when a sweep does not exist; throws what the deletion would throw.
 */
export async function planSweepDeletion(
  pool: pg.Pool,
  ids: readonly string[],
  options: SweepDeletionOptions & { /** Plan as if unfinished jobs were cancelled first. */ allowActive?: boolean } = {},
): Promise<(SweepDeletionReport & { unfinished: number; /** Working directories only these sweeps' jobs use. */ workdirKeys: string[] }) | undefined> {
  return withTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION READ ONLY');
    const requested = await requestedSweeps(client, ids);
    if (!requested) return undefined;
    const scope = await closure(client, requested, options, false);
    if (!options.allowActive) refuseActive(requested, scope.states);
    const unfinished = ACTIVE_STATES.reduce((sum, state) => sum + (scope.states.get(state) ?? 0), 0);
    const { oids: _oids, files: _files, ...report } = await contents(client, scope.ids);
    return { sweeps: await sweepRows(client, scope.ids), ...report, unfinished };
  });
}

/**
 * Deletes the sweeps in one transaction; refuses (SweepActiveError) while any of their jobs is unfinished and
 * (SweepHasDependentsError) while another sweep depends on them. Undefined when a sweep does not exist. The
 * caller runs `cleanUpAfterDeletion` with the result once this has returned (committed).
 */
export async function deleteSweeps(pool: pg.Pool, ids: readonly string[], options: SweepDeletionOptions = {}): Promise<SweepDeletion | undefined> {
  // Retried as a deadlock victim: the cascade into job_attempts takes its locks after the jobs', while a worker
  // recording a just-cancelled attempt takes them the other way round.
  return withRetriedTransaction(pool, async (client) => {
    const requested = await requestedSweeps(client, ids);
    if (!requested) return undefined;
    const scope = await closure(client, requested, options, true);
    refuseActive(requested, scope.states);
    const sweeps = await sweepRows(client, scope.ids, true);
    if (sweeps.length < scope.ids.length) return undefined; // deleted by another request while this one waited for its locks
    const { oids, files, workdirKeys, ...report } = await contents(client, scope.ids);
    const { rows: jobs } = await client.query(
      `SELECT j.id, s.kind FROM jobs j JOIN sweeps s ON s.id = j.sweep_id WHERE j.sweep_id = ANY($1::uuid[])`,
      [scope.ids],
    );
    await client.query(`DELETE FROM sweeps WHERE id = ANY($1::uuid[])`, [scope.ids]); // cascades to every row of their jobs
    await unlinkUnreferencedLargeObjects(client, oids);
    // Dashboards following these sweeps hear of it (the channel of the change-notification triggers, which fire on writes only).
    await client.query(`SELECT pg_notify('dgm_ood_sweep_changed', id::text) FROM unnest($1::uuid[]) AS id`, [scope.ids]);
    const jobIds: Record<JobKind, string[]> = { train: [], ood: [] };
    for (const job of jobs) jobIds[job.kind as JobKind].push(job.id as string);
    return { sweeps, ...report, cleanup: { workdirKeys, files, jobIds } };
  });
}

export interface CleanupOutcome extends RemovalOutcome {
  queueEntries: number;
}

/** After a committed deletion: the working directories and files under `modelDir`, and the jobs' BullMQ entries. */
export async function cleanUpAfterDeletion(
  deletion: Pick<SweepDeletion, 'cleanup'>,
  services: { modelDir: string; queues: Queues; redis: Redis },
): Promise<CleanupOutcome> {
  const { workdirKeys, files, jobIds } = deletion.cleanup;
  const outcome = await removeUnderModelDir(services.modelDir, workdirKeys, files);
  let queueEntries = 0;
  for (const kind of Object.keys(jobIds) as JobKind[]) queueEntries += await removeQueuedJobs(services.queues, kind, jobIds[kind], services.redis);
  return { ...outcome, queueEntries };
}
