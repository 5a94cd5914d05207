import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HandlerModule, JobHandler, JobKind, JsonValue } from '@dgm-ood/jobs';
import { NoHandlerError } from '@dgm-ood/jobs';

/** A module specifier: a package name, or a path (relative paths resolve against the cwd). */
function toImportable(specifier: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolve(specifier)).href;
  return specifier;
}

export class HandlerRegistry {
  private constructor(readonly handlers: readonly JobHandler[]) {}

  static async load(modules: readonly string[]): Promise<HandlerRegistry> {
    const handlers: JobHandler[] = [];
    for (const specifier of modules) {
      const loaded = (await import(toImportable(specifier))) as Partial<HandlerModule>;
      if (!Array.isArray(loaded.handlers)) throw new Error(`handler module ${specifier} does not export 'handlers: JobHandler[]'`);
      handlers.push(...loaded.handlers);
    }
    const names = new Set<string>();
    for (const handler of handlers) {
      if (names.has(handler.name)) throw new Error(`two handlers are named ${handler.name}`);
      names.add(handler.name);
    }
    return new HandlerRegistry(handlers);
  }

  /** The first handler of this kind whose `matches` accepts the config. */
  resolve(kind: JobKind, config: JsonValue, jobId: string): JobHandler {
    const handler = this.handlers.find((h) => h.kind === kind && h.matches(config));
    if (!handler) throw new NoHandlerError(kind, `${jobId} (handlers: ${this.handlers.map((h) => h.name).join(', ') || 'none'})`);
    return handler;
  }

  byName(name: string): JobHandler {
    const handler = this.handlers.find((h) => h.name === name);
    if (!handler) throw new Error(`no handler named ${name}`);
    return handler;
  }
}
