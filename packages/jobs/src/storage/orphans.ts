/**
 * Garbage collection of stored bytes nothing refers to any more: large objects no artifact row names (an upload
 * whose row was never written, a deletion that failed half-way) and working directories under MODEL_DIR no job
 * uses (files a deletion could not remove, a worker that wrote on after its sweep was deleted). Anything changed
 * within the grace period is left alone: a large object is stored before the row that names it, and a job may be
 * writing its directory; a job that exists always keeps its directory, running or not.
 */
import type pg from 'pg';
import { withTransaction } from '@dgm-ood/db';
import { unlinkUnreferencedLargeObjects, unreferencedLargeObjects } from './large-objects.js';
import { listWorkdirKeys, removeUnderModelDir, treeStats, workdirPath, type RemovalOutcome } from './workdirs.js';

export interface OrphanedLargeObject {
  oid: number;
  bytes: number;
}

export interface OrphanedWorkdir {
  /** Relative to MODEL_DIR, e.g. checkpoints-<sweep id>/job-3. */
  key: string;
  path: string;
  bytes: number;
}

export interface Orphans {
  largeObjects: OrphanedLargeObject[];
  workdirs: OrphanedWorkdir[];
  /** Orphans changed within the grace period: left alone this time. */
  recent: { largeObjects: number; workdirs: number };
}

export interface OrphanSearch {
  modelDir: string;
  /** Only what has not changed for this long is an orphan (milliseconds). */
  graceMs: number;
}

/** Working-directory keys of `keys` that some job uses. */
async function keysInUse(pool: pg.Pool | pg.PoolClient, keys: readonly string[]): Promise<Set<string>> {
  const used = new Set<string>();
  for (let start = 0; start < keys.length; start += 10_000) {
    const { rows } = await pool.query(`SELECT DISTINCT workdir_key FROM jobs WHERE workdir_key = ANY($1::text[])`, [keys.slice(start, start + 10_000)]);
    for (const row of rows) used.add(row.workdir_key as string);
  }
  return used;
}

/** Lists the orphans; removes nothing. */
export async function findOrphans(pool: pg.Pool, search: OrphanSearch): Promise<Orphans> {
  const orphans: Orphans = { largeObjects: [], workdirs: [], recent: { largeObjects: 0, workdirs: 0 } };
  // Creation times of large objects are the database's clock; modification times of files are this machine's.
  const { rows: [clock] } = await pool.query(`SELECT now() AS now`);
  const objectCutoff = (clock.now as Date).getTime() - search.graceMs;
  for (const object of await unreferencedLargeObjects(pool)) {
    // An object stored before creation times were recorded is old.
    if (object.storedAt && object.storedAt.getTime() > objectCutoff) orphans.recent.largeObjects++;
    else orphans.largeObjects.push({ oid: object.oid, bytes: object.bytes });
  }
  const keys = await listWorkdirKeys(search.modelDir);
  const used = await keysInUse(pool, keys);
  const fileCutoff = Date.now() - search.graceMs;
  for (const key of keys) {
    if (used.has(key)) continue;
    const path = workdirPath(search.modelDir, key)!;
    const stats = await treeStats(path).catch(() => undefined);
    if (stats === undefined) continue; // removed meanwhile
    if (stats.newestMtimeMs > fileCutoff) orphans.recent.workdirs++;
    else orphans.workdirs.push({ key, path, bytes: stats.bytes });
  }
  return orphans;
}

export interface OrphanRemoval extends RemovalOutcome {
  largeObjects: number;
}

/**
 * Removes orphans `findOrphans` listed, checking each again first: a large object some row names now, or a
 * directory a job uses now or that changed since, stays.
 */
export async function removeOrphans(pool: pg.Pool, search: OrphanSearch, orphans: Pick<Orphans, 'largeObjects' | 'workdirs'>): Promise<OrphanRemoval> {
  const largeObjects = await withTransaction(pool, (client) => unlinkUnreferencedLargeObjects(client, orphans.largeObjects.map((o) => o.oid)));
  const used = await keysInUse(pool, orphans.workdirs.map((w) => w.key));
  const fileCutoff = Date.now() - search.graceMs;
  const stale: string[] = [];
  for (const workdir of orphans.workdirs) {
    if (used.has(workdir.key)) continue;
    const stats = await treeStats(workdir.path).catch(() => undefined);
    if (stats !== undefined && stats.newestMtimeMs <= fileCutoff) stale.push(workdir.key);
  }
  return { largeObjects, ...(await removeUnderModelDir(search.modelDir, stale)) };
}
