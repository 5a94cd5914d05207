import { isDeterministic } from '@dgm-ood/config';
import type {
  ArtifactRecord, JobInfo, JsonValue, LogLine, MetricPoint, ProgressReport, ProvenanceFields, ResolvedModelDir, ResultRow,
} from '@dgm-ood/jobs';

/** What the worker (which owns the database, Redis and the lease) offers a running handler. */
export interface ExecutionHost {
  progress(report: ProgressReport): Promise<void>;
  provenance(fields: ProvenanceFields): Promise<void>;
  metrics(points: readonly MetricPoint[]): Promise<void>;
  cacheGet(key: string): Promise<JsonValue | null>;
  cachePut(key: string, value: JsonValue): Promise<JsonValue>;
  writeResults(rows: readonly ResultRow[]): Promise<number>;
  saveArtifact(name: string, kind?: string): Promise<ArtifactRecord>;
  removeArtifact(name: string): Promise<void>;
  listArtifacts(): Promise<ArtifactRecord[]>;
  log(line: LogLine): void;
}

export interface RunRequest {
  handlerName: string;
  job: JobInfo;
  workdir: string;
  models: Record<string, ResolvedModelDir>;
  /** This machine's MODEL_DIR (absolute). */
  modelDir: string;
}

/** Runs handlers: in this process, or in child processes so heavy compute never blocks lease renewal. */
export interface Executor {
  run(request: RunRequest, host: ExecutionHost, signal: AbortSignal): Promise<JsonValue | undefined>;
  close(): Promise<void>;
}

/**
 * Errors cross process boundaries as plain data: `code` identifies them, and `deterministic` survives
 * so that a failure a retry cannot fix stays so.
 */
export interface SerializedError {
  message: string;
  code?: string;
  deterministic?: true;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(isDeterministic(error) ? { deterministic: true as const } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { message: String(error) };
}

export function deserializeError(data: SerializedError): Error {
  return Object.assign(
    new Error(data.message),
    data.code ? { code: data.code } : {},
    data.deterministic ? { deterministic: true } : {},
    data.stack ? { stack: data.stack } : {},
  );
}
