/**
 * Jobs' working directories under MODEL_DIR (the directory artifact store's root): which paths this project
 * creates there, and removing them. MODEL_DIR also holds what users put there (base models a config names by
 * path), so nothing outside these shapes is ever touched.
 */
import { existsSync } from 'node:fs';
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** `checkpoints-<sweep id>/job-<grid index>` (workdirKeyFor). */
const SWEEP_DIR = /^checkpoints-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JOB_DIR = /^job-\d+$/;
/** `single-runs/<kind>-<16 hex digits of the config hash>` (the CLI's single runs, keyed by their config). */
const SINGLE_RUNS = 'single-runs';
const SINGLE_RUN_DIR = /^(train|ood)-[0-9a-f]{16}$/;

/** Whether `key` has the shape of a working directory this project creates. */
export function isManagedWorkdirKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length !== 2) return false;
  const [top, leaf] = parts as [string, string];
  return (SWEEP_DIR.test(top) && JOB_DIR.test(leaf)) || (top === SINGLE_RUNS && SINGLE_RUN_DIR.test(leaf));
}

/** The absolute path of a working directory, or undefined when `key` is not one of ours or leaves `modelDir`. */
export function workdirPath(modelDir: string, key: string): string | undefined {
  if (!isManagedWorkdirKey(key)) return undefined;
  const root = resolve(modelDir);
  const path = resolve(root, key);
  return path.startsWith(root + sep) ? path : undefined;
}

/** Whether `path` lies strictly inside `modelDir`. */
export function insideModelDir(modelDir: string, path: string): boolean {
  const rel = relative(resolve(modelDir), resolve(path));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Keys of every working directory of ours that exists under `modelDir`. */
export async function listWorkdirKeys(modelDir: string): Promise<string[]> {
  const keys: string[] = [];
  for (const top of await entries(modelDir)) {
    if (!top.isDirectory()) continue;
    if (SWEEP_DIR.test(top.name)) {
      for (const leaf of await entries(join(modelDir, top.name))) if (leaf.isDirectory() && JOB_DIR.test(leaf.name)) keys.push(`${top.name}/${leaf.name}`);
    } else if (top.name === SINGLE_RUNS) {
      for (const leaf of await entries(join(modelDir, top.name))) if (leaf.isDirectory() && SINGLE_RUN_DIR.test(leaf.name)) keys.push(`${SINGLE_RUNS}/${leaf.name}`);
    }
  }
  return keys.sort();
}

async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Which of the working directories exist under `modelDir`, by their top directory (`checkpoints-<sweep id>`,
 * `single-runs`): one listing per top directory, not one look-up per key (a sweep may have 100,000 jobs).
 */
async function presentWorkdirs(modelDir: string, keys: readonly string[]): Promise<Map<string, { present: string[]; entries: number }>> {
  const wanted = new Map<string, Set<string>>();
  for (const key of keys) {
    if (workdirPath(modelDir, key) === undefined) continue;
    const [top, leaf] = key.split('/') as [string, string];
    wanted.set(top, (wanted.get(top) ?? new Set()).add(leaf));
  }
  const found = new Map<string, { present: string[]; entries: number }>();
  for (const [top, leaves] of wanted) {
    const listed = await entries(join(modelDir, top));
    const present = listed.filter((entry) => entry.isDirectory() && leaves.has(entry.name)).map((entry) => entry.name);
    if (present.length > 0) found.set(top, { present, entries: listed.length });
  }
  return found;
}

/** How many of the working directories exist under `modelDir` (on this machine). */
export async function existingWorkdirs(modelDir: string, keys: readonly string[]): Promise<number> {
  let count = 0;
  for (const { present } of (await presentWorkdirs(modelDir, keys)).values()) count += present.length;
  return count;
}

export interface TreeStats {
  bytes: number;
  /** The latest modification time of anything in the tree (the directory itself included). */
  newestMtimeMs: number;
}

/** Bytes and latest modification of a directory tree (symbolic links are counted, never followed). */
export async function treeStats(path: string): Promise<TreeStats> {
  const stats = await lstat(path);
  let bytes = stats.isFile() ? stats.size : 0;
  let newestMtimeMs = stats.mtimeMs;
  if (stats.isDirectory()) {
    for (const entry of await entries(path)) {
      const child = await treeStats(join(path, entry.name));
      bytes += child.bytes;
      newestMtimeMs = Math.max(newestMtimeMs, child.newestMtimeMs);
    }
  }
  return { bytes, newestMtimeMs };
}

export interface RemovalOutcome {
  removed: string[];
  failed: { path: string; error: string }[];
  /** Working directories that existed and were removed. */
  workdirs: number;
}

/**
 * Removes working directories (and then their sweep's directory, once empty) and single files, all under
 * `modelDir`. A failure is reported, not thrown: what is left is an orphan the garbage collection removes later.
 */
export async function removeUnderModelDir(modelDir: string, workdirKeys: readonly string[], files: readonly string[] = []): Promise<RemovalOutcome> {
  const outcome: RemovalOutcome = { removed: [], failed: [], workdirs: 0 };
  const remove = async (path: string) => {
    try {
      await rm(path, { recursive: true, force: true });
      outcome.removed.push(path);
      return true;
    } catch (error) {
      outcome.failed.push({ path, error: (error as Error).message });
      return false;
    }
  };
  for (const file of files) if (insideModelDir(modelDir, file) && existsSync(file)) await remove(file);
  for (const [top, { present, entries: count }] of await presentWorkdirs(modelDir, workdirKeys)) {
    const dir = join(modelDir, top);
    // A sweep's directory holding only working directories that go, goes whole (one call, not one per job).
    if (SWEEP_DIR.test(top) && present.length === count) {
      if (await remove(dir)) outcome.workdirs += present.length;
      continue;
    }
    for (const leaf of present) if (await remove(join(dir, leaf))) outcome.workdirs++;
    if (SWEEP_DIR.test(top)) await rmdir(dir).catch(() => {}); // only once empty
  }
  return outcome;
}
