import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type pg from 'pg';
import { stringify as toYaml } from 'yaml';
import type { ArtifactStore } from './artifacts/store.js';
import { sha256File } from './artifacts/hash.js';
import type { JsonValue } from './contract.js';
import { createSweep } from './sweeps.js';

/** Where the uploaded PyTorch file sits in an import job's working directory (and artifact store). */
export const IMPORTED_CHECKPOINT_ARTIFACT = 'imported/checkpoint.pt';

export interface NewImport {
  /** Sweep name (a `{sweep, job}` reference names it). */
  sweepName: string;
  /** Job (run) name; defaults to the file's name without extension. */
  runName?: string;
  /** A local copy of the `torch.save` file. */
  checkpointPath: string;
  /** The file's name as the user had it (shown in the job config). */
  checkpointName?: string;
  /** The run's model section (the config's `model`). */
  model: JsonValue;
  /** Where the model section came from (e.g. the run_config.json's path), for the record. */
  configSource?: string;
}

/**
 * Registers a PyTorch checkpoint as an artifact-backed "imported" training job: a one-job `train` sweep whose
 * config is `{model, imported}` and whose working directory already holds the file (as an artifact), queued for
 * a worker to convert it into our checkpoint format. Once it has succeeded, OOD sweeps reference it as
 * `{sweep, job}` like a model trained here. The caller enqueues the returned job.
 */
export async function registerImport(pool: pg.Pool, store: ArtifactStore, input: NewImport): Promise<{ sweepId: string; jobId: string; runName: string; sha256: string; bytes: number }> {
  const fileName = input.checkpointName ?? basename(input.checkpointPath);
  const runName = input.runName ?? (fileName.replace(/\.(pt|pth|ckpt|bin)$/i, '') || 'imported');
  const { sha256, bytes } = await sha256File(input.checkpointPath);
  const config = {
    model: input.model,
    imported: { checkpoint: IMPORTED_CHECKPOINT_ARTIFACT, file: fileName, sha256, bytes, ...(input.configSource ? { config: input.configSource } : {}) },
  } as JsonValue;
  const configJson = JSON.stringify(config);
  const { sweepId, jobs } = await createSweep(pool, {
    name: input.sweepName,
    kind: 'train',
    sourceText: `# dgm-ood import of ${fileName}\n${toYaml(config)}`,
    sourceFormat: 'yaml',
    options: { imported: true },
    // A conversion that fails (a checkpoint that does not fit its config) fails the same way every time.
    maxAttempts: 1,
    jobs: [{ gridIndex: 0, name: runName, point: {}, configJson, configHash: createHash('sha256').update(configJson).digest('hex') }],
  });
  const job = jobs[0]!;
  const { rows } = await pool.query(`SELECT workdir_key FROM jobs WHERE id = $1`, [job.id]);
  const stored = await store.put(`${rows[0].workdir_key as string}/${IMPORTED_CHECKPOINT_ARTIFACT}`, input.checkpointPath);
  // Recorded before any attempt (no fencing needed): the worker restores it into the working directory.
  await pool.query(`INSERT INTO artifacts (job_id, kind, name, uri, bytes, sha256) VALUES ($1, 'imported', $2, $3, $4, $5)`, [
    job.id,
    IMPORTED_CHECKPOINT_ARTIFACT,
    stored.uri,
    stored.bytes,
    stored.sha256,
  ]);
  return { sweepId, jobId: job.id, runName, sha256, bytes };
}
