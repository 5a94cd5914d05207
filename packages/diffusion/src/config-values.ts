/**
 * Readers of single config values for the diffusion spec readers (reference sections, presets, specs read
 * back from checkpoints): each throws a DiffusionConfigError naming the value's dotted path. Plain JS only:
 * the coordinator validates submissions with these and loads no tensor library.
 */
import { DiffusionConfigError } from './errors.js';

export type Obj = Record<string, unknown>;

/** A value as it appears in an error message (JSON, shortened). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

/** Binds the file name (if any) so that each reader call only names the path. */
export class ValueReader {
  constructor(readonly source?: string) {}

  error(message: string, path: string, code?: 'DIFFUSION_UNKNOWN_CLASS'): DiffusionConfigError {
    return new DiffusionConfigError(message, path, this.source, code);
  }

  mapping(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.error(`must be a mapping, got ${describeValue(v)}`, path);
    return v as Obj;
  }

  /** Refuses keys outside `allowed`, naming the first such key's path and the supported keys. */
  onlyKeys(o: Obj, allowed: readonly string[], path: string, what: string): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) throw this.error(`unsupported ${what} "${k}" (supported: ${allowed.join(', ')})`, `${path}.${k}`);
    }
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') throw this.error(`must be a boolean, got ${describeValue(v)}`, path);
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') throw this.error(`must be a string, got ${describeValue(v)}`, path);
    return v;
  }

  finite(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.error(`must be a finite number, got ${describeValue(v)}`, path);
    return v;
  }

  positive(v: unknown, path: string): number {
    const n = this.finite(v, path);
    if (!(n > 0)) throw this.error(`must be a positive number, got ${describeValue(v)}`, path);
    return n;
  }

  nonNegative(v: unknown, path: string): number {
    const n = this.finite(v, path);
    if (!(n >= 0)) throw this.error(`must be non-negative, got ${describeValue(v)}`, path);
    return n;
  }

  integer(v: unknown, path: string): number {
    if (!Number.isSafeInteger(v)) throw this.error(`must be an integer, got ${describeValue(v)}`, path);
    return v as number;
  }

  positiveInt(v: unknown, path: string): number {
    if (!Number.isSafeInteger(v) || (v as number) < 1) throw this.error(`must be a positive integer, got ${describeValue(v)}`, path);
    return v as number;
  }

  /** A probability p with 0 ≤ p < 1 (dropout). */
  probability(v: unknown, path: string): number {
    const n = this.finite(v, path);
    if (!(n >= 0 && n < 1)) throw this.error(`must lie in [0, 1), got ${describeValue(v)}`, path);
    return n;
  }

  /** [C, H, W] of positive integers. */
  shape3(v: unknown, path: string): [number, number, number] {
    if (!Array.isArray(v) || v.length !== 3) throw this.error(`must be an image shape [C, H, W], got ${describeValue(v)}`, path);
    return [this.positiveInt(v[0], `${path}[0]`), this.positiveInt(v[1], `${path}[1]`), this.positiveInt(v[2], `${path}[2]`)];
  }

  /** A non-empty list of positive integers. */
  positiveInts(v: unknown, path: string): number[] {
    if (!Array.isArray(v) || v.length === 0) throw this.error(`must be a non-empty list of positive integers, got ${describeValue(v)}`, path);
    return v.map((x, i) => this.positiveInt(x, `${path}[${i}]`));
  }

  /** A non-empty list whose entries are each one of `allowed` (block types); unknown entries are unknown classes. */
  oneOfEach<T extends string>(v: unknown, allowed: readonly T[], path: string, what: string): T[] {
    if (!Array.isArray(v) || v.length === 0) throw this.error(`must be a non-empty list of ${what}s, got ${describeValue(v)}`, path);
    return v.map((x, i) => {
      if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) {
        throw this.error(`unsupported ${what} ${describeValue(x)} (supported: ${allowed.join(', ')})`, `${path}[${i}]`, 'DIFFUSION_UNKNOWN_CLASS');
      }
      return x as T;
    });
  }
}
