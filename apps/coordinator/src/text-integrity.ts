/**
 * Text PostgreSQL cannot store: a NUL character (text and jsonb refuse U+0000) or a lone UTF-16 surrogate
 * (not encodable as UTF-8). Found before anything is stored, so the answer is a located 400 and not a
 * database error code leaking out as a 500.
 */

export interface TextProblem {
  /** Where: `name`, `jobs[3].config.data.dataset`, `jobs[0].config.<key "a\u0000">` … */
  path: string;
  message: string;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where `text` first holds a character that cannot be stored (a NUL or a lone surrogate); -1: nowhere. */
export function unstorableOffset(text: string): number {
  const nul = text.indexOf('\u0000');
  const lone = LONE_SURROGATE.exec(text)?.index ?? -1;
  return nul < 0 ? lone : lone < 0 ? nul : Math.min(nul, lone);
}

function problemOf(text: string): string | undefined {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `contains a NUL character (U+0000) at offset ${nul}, which cannot be stored`;
  const lone = LONE_SURROGATE.exec(text);
  if (lone) return `contains a lone UTF-16 surrogate (U+${lone[0].charCodeAt(0).toString(16).toUpperCase()}) at offset ${lone.index}, not valid Unicode, which cannot be stored`;
  return undefined;
}

/** Every string and object key in a JSON-like value, in order; at most `limit` problems. */
export function unstorableText(value: unknown, path: string, limit = 20): TextProblem[] {
  const problems: TextProblem[] = [];
  const visit = (v: unknown, at: string) => {
    if (problems.length >= limit) return;
    if (typeof v === 'string') {
      const message = problemOf(v);
      if (message) problems.push({ path: at, message });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${at}[${i}]`));
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        const keyProblem = problemOf(key);
        if (keyProblem) problems.push({ path: `${at}.<key ${JSON.stringify(key)}>`, message: `a key ${keyProblem}` });
        visit(child, `${at}.${key}`);
      }
    }
  };
  visit(value, path);
  return problems;
}

/** Names are labels in tables, logs, file names and URLs: a sweep's and a job's at most this long. */
export const MAX_NAME_LENGTH = { sweep: 200, job: 300, file: 500 } as const;

/** Each name longer than its bound, located (`name`, `file`, `jobs[i].name`); at most `limit`. */
export function overlongNames(names: readonly { path: string; value: string; max: number }[], limit = 20): TextProblem[] {
  return names
    .filter((n) => [...n.value].length > n.max)
    .slice(0, limit)
    .map((n) => ({ path: n.path, message: `is ${[...n.value].length} characters long, more than ${n.max}: ${JSON.stringify([...n.value].slice(0, 40).join(''))}…` }));
}
