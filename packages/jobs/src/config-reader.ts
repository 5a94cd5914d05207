import type { JsonValue } from './contract.js';
import { DeterministicJobError } from './errors.js';

type Dict = { [key: string]: JsonValue };

export const isDict = (v: JsonValue | undefined): v is Dict => v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);

/** The value at a dotted path of a config (undefined when any step is missing). */
export function valueAt(root: JsonValue | undefined, path: string): JsonValue | undefined {
  let v: JsonValue | undefined = root;
  for (const key of path.split('.')) v = isDict(v) ? v[key] : undefined;
  return v;
}

/** JSON with object keys sorted at every level (one implementation for the whole project, in config). */
export { sortedJson } from '@dgm-ood/config/sorted-json';

/** A config problem located by the `config <dotted path>:` prefix ConfigReader (and plan readers) put on it. */
export interface ConfigProblem {
  path: string;
  message: string;
}

export function configProblemOf(error: unknown): ConfigProblem {
  const message = (error as Error).message ?? String(error);
  return { path: /^config ([^\s:]+): /.exec(message)?.[1] ?? '', message };
}

export const positiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;

/**
 * Reads a job's concrete config for the plan readers of trainers and OOD methods: every problem is a
 * deterministic job error whose message starts with `config <dotted path>:` so the submission check and the
 * worker report it at the same place. `None` (the reference's YAML null) counts as absent.
 */
export class ConfigReader {
  constructor(
    readonly root: JsonValue,
    /** Prefix of every path (e.g. `ood.method_args`); '' reads from the root. */
    readonly base = '',
  ) {}

  path(key: string): string {
    return this.base ? `${this.base}.${key}` : key;
  }

  /** A reader of a sub-section. */
  at(key: string): ConfigReader {
    return new ConfigReader(this.root, this.path(key));
  }

  get(key: string): JsonValue | undefined {
    const v = valueAt(this.root, this.path(key));
    return v === null || v === 'None' ? undefined : v;
  }

  fail(key: string, message: string): never {
    throw new DeterministicJobError(`config ${this.path(key)}: ${message}`);
  }

  number(key: string, fallback: number, check?: (n: number) => boolean, what?: string): number;
  number(key: string, fallback: null, check?: (n: number) => boolean, what?: string): number | null;
  number(key: string, fallback: number | null, check: (n: number) => boolean = Number.isFinite, what = 'a number'): number | null {
    const v = this.get(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !check(v)) this.fail(key, `must be ${what} (got ${JSON.stringify(v)})`);
    return v;
  }

  /** A number that must be present. */
  requiredNumber(key: string, check: (n: number) => boolean, what: string): number {
    const v = this.number(key, null, check, what);
    if (v === null) this.fail(key, `missing (${what})`);
    return v;
  }

  string(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.fail(key, `must be a string (got ${JSON.stringify(v)})`);
    return v;
  }

  requiredString(key: string, example: string): string {
    const v = this.string(key);
    if (v === undefined) this.fail(key, `missing (e.g. ${example})`);
    return v;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const v = this.get(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) this.fail(key, `must be one of ${choices.join(', ')} (got ${JSON.stringify(v)})`);
    return v as T;
  }
}
