// Entry point of a handler process: loads the handler modules once, then runs jobs one at a time,
// reaching the database and artifact store only through its parent worker.
import type { JsonValue, MetricPoint, ProgressReport, ProvenanceFields, ResultRow } from '@dgm-ood/jobs';
import { HandlerRegistry } from '../registry.js';
import { buildContext } from './context.js';
import { deserializeError, serializeError, type ExecutionHost } from './executor.js';
import type { HostMethod, ToChild, ToParent } from './protocol.js';

// A send that finds the worker gone ends this process: an orphaned handler must not keep training into the
// working directory that another attempt now owns.
const send = (message: ToParent) => {
  if (!process.connected) process.exit(0);
  process.send!(message, undefined, undefined, (error) => {
    if (error) process.exit(0);
  });
};
const modules = JSON.parse(process.env.DGM_OOD_CHILD_HANDLERS ?? '[]') as string[];
const registry = await HandlerRegistry.load(modules);

const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
const aborts = new Map<number, AbortController>();
let nextCallId = 1;

function call<T>(runId: number, method: HostMethod, ...args: unknown[]): Promise<T> {
  const callId = nextCallId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(callId, { resolve: resolve as (value: unknown) => void, reject });
    send({ t: 'call', runId, callId, method, args });
  });
}

async function run(runId: number, message: Extract<ToChild, { t: 'run' }>): Promise<void> {
  const controller = new AbortController();
  aborts.set(runId, controller);
  const host: ExecutionHost = {
    progress: (report: ProgressReport) => call(runId, 'progress', report),
    provenance: (fields: ProvenanceFields) => call(runId, 'provenance', fields),
    metrics: (points: readonly MetricPoint[]) => call(runId, 'metrics', points),
    cacheGet: (key: string) => call(runId, 'cacheGet', key),
    cachePut: (key: string, value: JsonValue) => call(runId, 'cachePut', key, value),
    writeResults: (rows: readonly ResultRow[]) => call(runId, 'writeResults', rows),
    saveArtifact: (name, kind) => call(runId, 'saveArtifact', name, kind),
    removeArtifact: (name) => call(runId, 'removeArtifact', name),
    listArtifacts: () => call(runId, 'listArtifacts'),
    log: (line) => send({ t: 'log', runId, line }),
  };
  try {
    const handler = registry.byName(message.request.handlerName);
    const value = await handler.run(buildContext(message.request, host, controller.signal));
    send({ t: 'done', runId, value: (value ?? null) as JsonValue | null });
  } catch (error) {
    send({ t: 'failed', runId, error: serializeError(error) });
  } finally {
    aborts.delete(runId);
  }
}

process.on('message', (message: ToChild) => {
  if (message.t === 'run') void run(message.runId, message);
  else if (message.t === 'abort') aborts.get(message.runId)?.abort(message.reason);
  else if (message.t === 'reply') {
    const waiter = pending.get(message.callId);
    pending.delete(message.callId);
    if (message.ok) waiter?.resolve(message.value);
    else waiter?.reject(deserializeError(message.error));
  }
});
// The worker is gone (killed): nothing may keep running on its behalf.
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' });
