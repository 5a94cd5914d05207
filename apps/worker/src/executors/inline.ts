import type { JsonValue } from '@dgm-ood/jobs';
import type { HandlerRegistry } from '../registry.js';
import { buildContext } from './context.js';
import type { ExecutionHost, Executor, RunRequest } from './executor.js';

/** Runs handlers in the worker process: for light handlers (and tests); heavy ones use `process`. */
export class InlineExecutor implements Executor {
  constructor(private readonly registry: HandlerRegistry) {}

  async run(request: RunRequest, host: ExecutionHost, signal: AbortSignal): Promise<JsonValue | undefined> {
    const handler = this.registry.byName(request.handlerName);
    return (await handler.run(buildContext(request, host, signal))) ?? undefined;
  }

  async close(): Promise<void> {}
}
