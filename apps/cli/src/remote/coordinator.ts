/**
 * The coordinator's REST API as the remote commands use it: its base URL (`--url`, else DGM_OOD_URL, else the
 * default), the bearer token DGM_OOD_API_TOKEN when set, and two failures told apart: the service cannot be
 * reached (no answer at that URL), and the service answered with an error (its `{code, message, errors?}` body).
 */

import { clientApiToken } from '@dgm-ood/config';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Where the URL came from, so an unreachable-service message says what to change. */
export type UrlSource = '--url' | 'DGM_OOD_URL' | 'default';

/** No HTTP answer at all: connection refused, unknown host, reset. */
export class CoordinatorUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly source: UrlSource,
    readonly reason: string,
  ) {
    super(`cannot reach the coordinator at ${url} (${reason})`);
  }
}

/** One located problem of a rejected request (a submitted file's path, line, code). */
export interface ServiceIssue {
  path: string;
  message: string;
  code?: string;
  line?: number;
  file?: string;
}

/** The coordinator answered with an HTTP error status. */
export class CoordinatorServiceError extends Error {
  constructor(
    readonly status: number,
    readonly request: string,
    readonly code: string,
    readonly detail: string,
    readonly issues: readonly ServiceIssue[],
  ) {
    super(`the coordinator answered ${status} to ${request}: ${code}: ${detail}`);
  }
}

/** A problem with what the user asked for, found before or between requests (an unknown sweep name, …). */
export class RemoteInputError extends Error {}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  accept?: string;
  headers?: Record<string, string>;
}

export interface Coordinator {
  readonly url: string;
  readonly source: UrlSource;
  /** A request whose answer is JSON. */
  json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options?: RequestOptions): Promise<T>;
  /** A GET whose answer is streamed (CSV): its body's chunks. */
  stream(path: string, options?: RequestOptions): Promise<AsyncIterable<Uint8Array>>;
}

/** Network failures of Node's fetch: a TypeError whose cause carries the system error code. */
function unreachableReason(error: unknown): string | undefined {
  if (!(error instanceof TypeError)) return undefined;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause === undefined) return undefined;
  return cause.code ?? cause.message ?? error.message;
}

async function serviceError(response: Response, request: string): Promise<CoordinatorServiceError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown; errors?: unknown };
    if (typeof body.code === 'string' && typeof body.message === 'string') {
      return new CoordinatorServiceError(response.status, request, body.code, body.message, Array.isArray(body.errors) ? (body.errors as ServiceIssue[]) : []);
    }
  } catch {
    // Not the coordinator's error shape (a proxy's page, say): shown as text below.
  }
  const detail = text.trim().slice(0, 500) || response.statusText || 'no message';
  return new CoordinatorServiceError(response.status, request, `HTTP_${response.status}`, detail, []);
}

/**
 * The coordinator named by `--url` (when given), else DGM_OOD_URL, else the default; an error message when
 * the URL is not an http(s) URL.
 */
export function coordinatorAt(urlFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): Coordinator | { error: string } {
  const source: UrlSource = urlFlag !== undefined ? '--url' : env.DGM_OOD_URL ? 'DGM_OOD_URL' : 'default';
  const raw = urlFlag ?? (env.DGM_OOD_URL || DEFAULT_URL);
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    return { error: `${source}: ${JSON.stringify(raw)} is not a URL (e.g. ${DEFAULT_URL})` };
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return { error: `${source}: ${raw} is not an http(s) URL` };
  const url = base.href.replace(/\/+$/, '');
  // The first entry's secret, so the coordinator's own `name:secret,…` value works here too.
  const token = clientApiToken(env.DGM_OOD_API_TOKEN);

  const send = async (method: 'GET' | 'POST' | 'DELETE', path: string, options: RequestOptions): Promise<Response> => {
    const target = new URL(`${url}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) target.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...options.headers, accept: options.accept ?? 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const request = `${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(target, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    } catch (error) {
      const reason = unreachableReason(error);
      if (reason !== undefined) throw new CoordinatorUnreachableError(url, source, reason);
      throw error;
    }
    if (!response.ok) throw await serviceError(response, request);
    return response;
  };

  return {
    url,
    source,
    async json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
      const response = await send(method, path, options);
      return (await response.json()) as T;
    },
    async stream(path: string, options: RequestOptions = {}): Promise<AsyncIterable<Uint8Array>> {
      const response = await send('GET', path, options);
      if (response.body === null) return (async function* () {})();
      return response.body as unknown as AsyncIterable<Uint8Array>;
    },
  };
}

const HOW_TO_SET = 'set the coordinator URL with --url URL or the DGM_OOD_URL environment variable';

/** The message for a failure of a remote command, and its exit code's name; undefined for other errors. */
export function describeRemoteFailure(error: unknown): { message: string; exit: 'unreachable' | 'serviceError' | 'invalidInput' } | undefined {
  if (error instanceof CoordinatorUnreachableError) {
    const from = error.source === 'default' ? `the default URL; ${HOW_TO_SET}` : `from ${error.source}; is it running there? Or ${HOW_TO_SET}`;
    return { message: `cannot reach the coordinator at ${error.url} (${error.reason}): ${from}`, exit: 'unreachable' };
  }
  if (error instanceof CoordinatorServiceError) {
    const issues = error.issues.map((i) => {
      const where = `${i.file ? `${i.file}:` : ''}${i.line !== undefined ? `${i.line}: ` : ''}`;
      return `\n  ${where}${i.path}: ${i.message}${i.code ? ` [${i.code}]` : ''}`;
    });
    return { message: `the coordinator answered ${error.status} to ${error.request}: ${error.detail} [${error.code}]${issues.join('')}`, exit: 'serviceError' };
  }
  if (error instanceof RemoteInputError) return { message: error.message, exit: 'invalidInput' };
  return undefined;
}
