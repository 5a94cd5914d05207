/**
 * The handler contract: what a model/method package implements to run as a `train` or `ood` job.
 * Defined once here; the worker provides the context, whatever machine or process it runs on.
 */
import type { PointResultRow } from '@dgm-ood/db';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JobKind = 'train' | 'ood';

export interface JobInfo {
  id: string;
  sweepId: string;
  sweepName: string;
  kind: JobKind;
  /** Run name (not unique: never key anything on it). */
  name: string;
  gridIndex: number;
  /** 1 for the first attempt; a resumed or retried attempt has a higher number. */
  attempt: number;
  config: JsonValue;
  configHash: string;
}

export interface ArtifactRecord {
  /** Path inside the working directory, e.g. `checkpoints/latest.json`. */
  name: string;
  kind: string;
  uri: string;
  bytes: number;
  sha256: string;
}

export interface JobArtifacts {
  /**
   * Stores `<workdir>/<name>` in the artifact store and records it, so that an attempt on any machine
   * restores it into its working directory before the handler starts.
   */
  save(name: string, kind?: string): Promise<ArtifactRecord>;
  /** Forgets an artifact (its file was replaced, e.g. an old checkpoint blob); later attempts will not restore it. */
  remove(name: string): Promise<void>;
  list(): Promise<ArtifactRecord[]>;
}

/** One scored point: the database's row without the job id, which the writer adds. */
export type ResultRow = Omit<PointResultRow, 'jobId'>;

export interface ResultWriter {
  /**
   * Upserts rows for this job (idempotent on dataset/split/point index). Rows of earlier attempts were
   * removed when this attempt started, so the final rows are exactly the successful attempt's.
   * Throws StaleAttemptError when another attempt has taken the job over.
   */
  write(rows: readonly ResultRow[]): Promise<number>;
}

export interface ProgressReport {
  /** The execution backend the handler runs on (e.g. wasm, webgpu): recorded with the job and attempt. */
  backend?: string;
  /** Fraction done in [0, 1], if known. */
  fraction?: number;
  message?: string;
  [key: string]: JsonValue | undefined;
}

/** One value of a logged metric: per optimizer step (`scope: 'step'`, `step` global) or per epoch (`step` = epoch). */
export interface MetricPoint {
  name: string;
  scope: 'step' | 'epoch';
  step: number;
  epoch: number | null;
  /** Null for a value that was not finite. */
  value: number | null;
}

export interface SharedCache {
  get(key: string): Promise<JsonValue | null>;
  put(key: string, value: JsonValue): Promise<JsonValue>;
}

/** Top-level provenance keys and their JSON values; a key written again replaces the earlier value. */
export type ProvenanceFields = { [key: string]: JsonValue };

export interface JobLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** A model another job trained, referenced in this job's config as `{sweep, job}`. */
export interface ResolvedModelDir {
  /** The training job. */
  jobId: string;
  /** Its working directory on this machine, restored from the artifact store (checkpoints etc.). */
  workdir: string;
}

export interface JobContext {
  job: JobInfo;
  /**
   * Models referenced by the config, keyed by the reference's path in the config (e.g. `base_model`,
   * `data.out_of_distribution.dataloader_args.dgm_args.model_loading_config`).
   */
  models: Record<string, ResolvedModelDir>;
  /** Absolute path, the same for every attempt of this job; restored from the artifact store. */
  workdir: string;
  /**
   * This machine's MODEL_DIR (absolute): where a user's existing reference checkpoints are found
   * (`base_model.checkpoint_dir` is relative to it, as in the reference project).
   */
  modelDir: string;
  artifacts: JobArtifacts;
  progress(report: ProgressReport): Promise<void>;
  /**
   * Records where this attempt's result came from (seeds, datasets with origin and content hash, device, …):
   * shallow-merges `fields` into the attempt's and the job's provenance, over the base record the worker
   * wrote when the attempt started (codeVersion, dirty, host, workerId, node; backend once reported).
   * Throws StaleAttemptError when another attempt has taken the job over.
   */
  provenance(fields: ProvenanceFields): Promise<void>;
  /**
   * Appends metric values to the job's series (served by GET /jobs/:id/metrics). A point written again (a
   * resumed attempt redoing a step) replaces the earlier value. Throws StaleAttemptError like every write.
   */
  metrics(points: readonly MetricPoint[]): Promise<void>;
  /**
   * A cache shared by every job on every machine, keyed by content (e.g. a calibration of one model): `get`
   * returns what any job stored under the key, `put` stores a value (the first writer wins; returns the value
   * kept, so concurrent jobs agree).
   */
  cache: SharedCache;
  results: ResultWriter;
  log: JobLogger;
  /**
   * Aborted when the job is cancelled (reason 'cancelled') or the worker shuts down (reason
   * 'shutdown': checkpoint, then throw). Check it between steps.
   */
  signal: AbortSignal;
}

export interface JobHandler {
  /** Unique name, e.g. `flows.train`. */
  name: string;
  kind: JobKind;
  /** Whether this handler runs this config; the first matching handler of the job's kind wins. */
  matches(config: JsonValue): boolean;
  /** Returns a JSON summary stored with the job. Heavy modules should be imported lazily in here. */
  run(context: JobContext): Promise<JsonValue | void>;
}

/** A module listed in the worker's `--handlers` exports `handlers: JobHandler[]`. */
export interface HandlerModule {
  handlers: JobHandler[];
}

/** The pino-style `(object, message)` logger the engine and data packages take, writing to a job's log. */
export interface ObjectLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
}

export function objectLogger(log: JobLogger, fallbackMessage: string): ObjectLogger {
  return {
    info: (fields, message) => log.info(message ?? fallbackMessage, fields as Record<string, unknown>),
    warn: (fields, message) => log.warn(message ?? fallbackMessage, fields as Record<string, unknown>),
  };
}
