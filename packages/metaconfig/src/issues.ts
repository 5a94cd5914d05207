/** Issue collection and YAML-path formatting. Errors are collected, never thrown one at a time. */
import type { MetaConfigIssue } from './types.js';

export const IDX_PREFIX = '__IDX__';

/** `a.b` for keys, `a[3]` for list positions (also for dysweep's internal `__IDX__3` keys). */
export function joinPath(base: string, seg: string | number): string {
  if (typeof seg === 'number') return `${base}[${seg}]`;
  if (seg.startsWith(IDX_PREFIX)) {
    const n = seg.slice(IDX_PREFIX.length);
    if (/^\d+$/.test(n)) return `${base}[${n}]`;
  }
  // An empty key would vanish from the path (an issue at '' names nothing): it is written as "".
  const key = seg === '' ? '""' : seg;
  return base === '' ? key : `${base}.${key}`;
}

/** Shown as the path of problems that concern the whole document (syntax errors, empty file). */
export const DOCUMENT_PATH = '<document>';

export class IssueList {
  readonly items: MetaConfigIssue[] = [];
  private readonly seen = new Set<string>();

  add(issue: MetaConfigIssue): void {
    const key = `${issue.code}\u0000${issue.path}\u0000${issue.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push(issue);
  }

  get size(): number {
    return this.items.length;
  }
}

/** Thrown inside a single job's materialisation; converted to an issue by the caller. */
export class IssueError extends Error {
  constructor(
    readonly issue: MetaConfigIssue,
    /** Line inside a Python snippet, when the problem is there (mapped to a file line later). */
    readonly snippetLine?: number,
  ) {
    super(issue.message);
  }
}

export function issue(code: string, path: string, message: string, quirk?: string): MetaConfigIssue {
  return quirk === undefined ? { code, path, message } : { code, path, message, quirk };
}
