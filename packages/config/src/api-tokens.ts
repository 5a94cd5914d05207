/**
 * The coordinator's API tokens: DGM_OOD_API_TOKEN (comma-separated, each `secret` or `name:secret`) and
 * DGM_OOD_API_TOKEN_FILE (one `name:secret` per line, `#` comments). Errors name the variable and the
 * entry, never the secret.
 */
import { readFileSync } from 'node:fs';
import { ConfigInvalidError } from './errors.js';

export interface ApiToken {
  /** Recorded with what the token did (never the secret). */
  name: string;
  secret: string;
}

export const MIN_TOKEN_LENGTH = 16;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** `name:secret` when the part before the first colon is a name; else the whole entry is the secret. */
function splitEntry(entry: string): { name?: string; secret: string } {
  const colon = entry.indexOf(':');
  if (colon > 0 && NAME.test(entry.slice(0, colon))) return { name: entry.slice(0, colon), secret: entry.slice(colon + 1) };
  return { secret: entry };
}

/** The secret a client sends for DGM_OOD_API_TOKEN: the first entry's (so one `.env` line serves both sides). */
export function clientApiToken(value: string | undefined): string | undefined {
  const first = value?.split(',').map((entry) => entry.trim()).find(Boolean);
  return first === undefined ? undefined : splitEntry(first).secret;
}

function checkedSecret(variable: string, where: string, secret: string): string {
  if (secret.length < MIN_TOKEN_LENGTH) {
    throw new ConfigInvalidError(`${variable}: ${where} is shorter than ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`);
  }
  return secret;
}

/** Parses both sources into named tokens; unnamed ones are token-1, token-2, … in order. */
export function parseApiTokens(value: string | undefined, file: string | undefined): ApiToken[] {
  const tokens: ApiToken[] = [];
  const add = (variable: string, where: string, entry: string) => {
    const { name, secret } = splitEntry(entry);
    const tokenName = name ?? `token-${tokens.filter((t) => /^token-\d+$/.test(t.name)).length + 1}`;
    if (tokens.some((t) => t.name === tokenName)) throw new ConfigInvalidError(`${variable}: ${where} repeats the token name ${tokenName}`);
    tokens.push({ name: tokenName, secret: checkedSecret(variable, where, secret) });
  };
  (value ?? '').split(',').map((e) => e.trim()).filter(Boolean).forEach((entry, i) => add('DGM_OOD_API_TOKEN', `entry ${i + 1}`, entry));
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigInvalidError(`DGM_OOD_API_TOKEN_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    text.split(/\r?\n/).forEach((line, i) => {
      const entry = line.trim();
      if (entry && !entry.startsWith('#')) add('DGM_OOD_API_TOKEN_FILE', `line ${i + 1} of ${file}`, entry);
    });
    if (tokens.length === 0) throw new ConfigInvalidError(`DGM_OOD_API_TOKEN_FILE: ${file} holds no token (one name:secret per line)`);
  }
  return tokens;
}

/** DGM_OOD_METRICS_TOKEN, checked like the API tokens. */
export function parseMetricsToken(value: string | undefined): string | undefined {
  return value === undefined ? undefined : checkedSecret('DGM_OOD_METRICS_TOKEN', 'the token', value.trim());
}

/** Host names a request's Host header may carry (any port): DGM_OOD_ALLOWED_HOSTS, else loopback and HOST. */
export function allowedHostsOf(list: string[] | undefined, host: string): string[] {
  if (list) return list.map((h) => h.toLowerCase());
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return [...new Set(['localhost', '127.0.0.1', '[::1]', bare.includes(':') ? `[${bare}]` : bare])];
}
