import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { DataError } from './errors.js';

/** One file a dataset needs, with the names it may have (e.g. gzipped or not), tried in order. */
export interface FileSpec {
  label: string;
  names: string[];
}

export interface LocatedFiles {
  dir: string;
  /** label → absolute path */
  files: Map<string, string>;
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `DATA_DIR`-relative candidates → absolute paths, without duplicates, in order. */
export function candidateDirs(dataDir: string, relatives: readonly string[]): string[] {
  const out: string[] = [];
  for (const rel of relatives) {
    const abs = isAbsolute(rel) ? rel : resolve(dataDir, rel);
    if (!out.includes(abs)) out.push(abs);
  }
  return out;
}

/**
 * The first directory of `dirs` that holds every spec'd file (under one of its names). Undefined when
 * none does; `partial` then says, per directory that had some of them, what was missing.
 */
export function locateFiles(dirs: readonly string[], specs: readonly FileSpec[]): { found?: LocatedFiles; partial: string[] } {
  const partial: string[] = [];
  for (const dir of dirs) {
    if (!isDirectory(dir)) continue;
    const files = new Map<string, string>();
    const missing: string[] = [];
    for (const spec of specs) {
      const hit = spec.names.map((name) => join(dir, name)).find(isFile);
      if (hit) files.set(spec.label, hit);
      else missing.push(spec.names.join(' or '));
    }
    if (missing.length === 0) return { found: { dir, files }, partial };
    if (files.size > 0) partial.push(`${dir} lacks ${missing.join(', ')}`);
  }
  return { partial };
}

export function describeSpecs(specs: readonly FileSpec[]): string[] {
  return specs.map((s) => s.names.join(' | '));
}

export function notFoundError(dataset: string, what: string, expected: string[], searched: string[], partial: string[] = [], hint?: string): DataError {
  const detail = partial.length ? ` (${partial.join('; ')})` : '';
  return new DataError('DGM_DATA_NOT_FOUND', `dataset "${dataset}": ${what} not found${detail}${hint ? `. ${hint}` : ''}`, {
    dataset,
    expected,
    searched,
  });
}

/** Files directly in `dir` whose names match `pattern`, sorted by name (code-unit order, locale-free). */
export function listFiles(dir: string, pattern: RegExp): string[] {
  if (!isDirectory(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && pattern.test(e.name))
    .map((e) => e.name)
    .sort(compareNames)
    .map((name) => join(dir, name));
}

/** Sub-directories of `dir`, sorted by name. */
export function listDirs(dir: string): string[] {
  if (!isDirectory(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDirectory(join(dir, e.name))))
    .map((e) => e.name)
    .sort(compareNames)
    .map((name) => join(dir, name));
}

/** Plain code-unit comparison (Python's sorted() on str), independent of locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
