import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { ArtifactRecord } from '../contract.js';
import { StaleAttemptError } from '../errors.js';
import { sha256File } from './hash.js';
import type { ArtifactStore } from './store.js';

/** Stores `<workdir>/<name>` and records it for the job (fenced by the attempt number). */
export async function saveArtifact(
  pool: pg.Pool,
  store: ArtifactStore,
  job: { id: string; attempt: number; workdir: string; workdirKey: string },
  name: string,
  kind = 'other',
): Promise<ArtifactRecord> {
  if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`artifact name must stay inside the working directory: ${name}`);
  const { rows: previous } = await pool.query(`SELECT uri FROM artifacts WHERE job_id = $1 AND name = $2`, [job.id, name]);
  const stored = await store.put(`${job.workdirKey}/${name}`, join(job.workdir, name));
  const { rows } = await pool.query(
    `INSERT INTO artifacts (job_id, kind, name, uri, bytes, sha256)
     SELECT $1, $3, $4, $5, $6, $7 FROM jobs WHERE id = $1 AND attempts = $2 AND state = 'running'
     ON CONFLICT (job_id, name) DO UPDATE SET kind = EXCLUDED.kind, uri = EXCLUDED.uri, bytes = EXCLUDED.bytes,
       sha256 = EXCLUDED.sha256, updated_at = now()
     RETURNING id`,
    [job.id, job.attempt, kind, name, stored.uri, stored.bytes, stored.sha256],
  );
  if (rows.length === 0) {
    if (stored.uri !== previous[0]?.uri) await store.discard(stored.uri);
    const { rows: current } = await pool.query(`SELECT attempts FROM jobs WHERE id = $1`, [job.id]);
    throw new StaleAttemptError(job.id, job.attempt, (current[0]?.attempts as number) ?? -1);
  }
  const previousUri = previous[0]?.uri as string | undefined;
  if (previousUri && previousUri !== stored.uri) await store.discard(previousUri);
  return { name, kind, ...stored };
}

/** Deletes the record of `<workdir>/<name>` (fenced by the attempt) and frees its stored object. */
export async function removeArtifact(pool: pg.Pool, store: ArtifactStore, job: { id: string; attempt: number }, name: string): Promise<void> {
  const { rows } = await pool.query(
    `DELETE FROM artifacts a USING jobs j
     WHERE a.job_id = $1 AND a.name = $3 AND j.id = a.job_id AND j.attempts = $2 AND j.state = 'running'
     RETURNING a.uri`,
    [job.id, job.attempt, name],
  );
  if (rows[0]) await store.discard(rows[0].uri as string);
}

export async function listArtifacts(pool: pg.Pool, jobId: string): Promise<ArtifactRecord[]> {
  const { rows } = await pool.query(
    `SELECT name, kind, uri, bytes, sha256 FROM artifacts WHERE job_id = $1 ORDER BY name`,
    [jobId],
  );
  return rows.map((r) => ({ name: r.name, kind: r.kind, uri: r.uri, bytes: Number(r.bytes), sha256: r.sha256 }));
}

/**
 * Makes the working directory hold every recorded artifact of the job (an attempt on a machine with
 * another, possibly empty, MODEL_DIR resumes from the same checkpoint). Returns the names fetched.
 */
export async function restoreWorkdir(pool: pg.Pool, store: ArtifactStore, jobId: string, workdir: string): Promise<string[]> {
  const fetched: string[] = [];
  for (const artifact of await listArtifacts(pool, jobId)) {
    const path = join(workdir, artifact.name);
    if (existsSync(path) && (await sha256File(path)).sha256 === artifact.sha256) continue;
    await store.fetch(artifact, path);
    fetched.push(artifact.name);
  }
  return fetched;
}
