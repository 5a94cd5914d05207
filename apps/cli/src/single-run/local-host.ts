/**
 * The ExecutionHost of a single run without PostgreSQL: what the handler reports goes to the run's record (the
 * results directory), artifacts are the files in the working directory (hashed, listed in summary.json), and
 * the shared cache is a JSON file, so the single runs of one MODEL_DIR share calibrations as jobs share them
 * through the database.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sha256File, type ArtifactRecord, type JsonValue } from '@dgm-ood/jobs';
import type { ExecutionHost } from '@dgm-ood/worker';
import type { RunRecord } from './run-record.js';

/** A JSON file of key → value; the first value stored under a key wins, as in the database's shared cache. */
export class JsonFileCache {
  constructor(readonly file: string) {}

  private read(): Record<string, JsonValue> {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, JsonValue>;
    } catch (error) {
      throw new Error(`the shared cache ${this.file} is not JSON (${(error as Error).message}); delete it to start a new one`);
    }
  }

  async get(key: string): Promise<JsonValue | null> {
    return this.read()[key] ?? null;
  }

  async put(key: string, value: JsonValue): Promise<JsonValue> {
    const entries = this.read();
    if (key in entries) return entries[key]!;
    entries[key] = value;
    mkdirSync(dirname(this.file), { recursive: true });
    // Another run may read it meanwhile: it sees the old file or the new one, never half of one.
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(entries));
    renameSync(temp, this.file);
    return value;
  }
}

export async function localArtifact(workdir: string, name: string, kind = 'other'): Promise<ArtifactRecord> {
  if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`artifact name must stay inside the working directory: ${name}`);
  const path = join(workdir, name);
  const { sha256, bytes } = await sha256File(path);
  return { name, kind, uri: pathToFileURL(path).href, bytes, sha256 };
}

export function createLocalHost(record: RunRecord, workdir: string, cache: JsonFileCache): ExecutionHost {
  return {
    progress: async (report) => record.progress(report),
    provenance: async (fields) => record.provenance(fields),
    metrics: async (points) => record.metric(points),
    cacheGet: (key) => cache.get(key),
    cachePut: (key, value) => cache.put(key, value),
    writeResults: async (rows) => record.result(rows),
    async saveArtifact(name, kind) {
      const artifact = await localArtifact(workdir, name, kind);
      record.artifact(artifact);
      return artifact;
    },
    removeArtifact: async (name) => record.forgetArtifact(name),
    listArtifacts: async () => record.artifactList(),
    log: (line) => record.log(line),
  };
}

/**
 * The database host with the run's record beside it: every write goes to PostgreSQL first (fenced by the
 * attempt, so a refused write is not recorded locally either), then into the results directory.
 */
export function recordingHost(database: ExecutionHost, record: RunRecord): ExecutionHost {
  return {
    ...database,
    async progress(report) {
      record.progress(report);
      await database.progress(report);
    },
    async provenance(fields) {
      await database.provenance(fields);
      record.provenance(fields);
    },
    async metrics(points) {
      await database.metrics(points);
      record.metric(points);
    },
    async writeResults(rows) {
      const written = await database.writeResults(rows);
      record.result(rows);
      return written;
    },
    async saveArtifact(name, kind) {
      const artifact = await database.saveArtifact(name, kind);
      record.artifact(artifact);
      return artifact;
    },
    async removeArtifact(name) {
      await database.removeArtifact(name);
      record.forgetArtifact(name);
    },
    log(line) {
      database.log(line);
      record.log(line);
    },
  };
}
