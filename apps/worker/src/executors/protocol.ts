import type { ArtifactRecord, JsonValue, LogLine } from '@dgm-ood/jobs';
import type { RunRequest, SerializedError } from './executor.js';

/** Messages between the worker and its handler processes (Node IPC, structured clone). */
export type HostMethod = 'progress' | 'provenance' | 'metrics' | 'cacheGet' | 'cachePut' | 'writeResults' | 'saveArtifact' | 'removeArtifact' | 'listArtifacts';

export type ToChild =
  | { t: 'run'; runId: number; request: RunRequest }
  | { t: 'abort'; runId: number; reason: string }
  | { t: 'reply'; callId: number; ok: true; value: JsonValue | number | ArtifactRecord | ArtifactRecord[] | null }
  | { t: 'reply'; callId: number; ok: false; error: SerializedError };

export type ToParent =
  | { t: 'ready' }
  | { t: 'call'; runId: number; callId: number; method: HostMethod; args: unknown[] }
  | { t: 'log'; runId: number; line: LogLine }
  | { t: 'done'; runId: number; value: JsonValue | null }
  | { t: 'failed'; runId: number; error: SerializedError };
