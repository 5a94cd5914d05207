/** The coordinator's REST API as the dashboard uses it (same origin). */

import type { JobSummary } from '../../../coordinator/src/api-types.js';

// The answers' types come from the coordinator's own response schemas (type-only: nothing of it is bundled).
export type {
  EvaluationPlots, Evaluation, EvaluationRow, JobCounts as Counts, JobDetail, JobState, JobSummary, LogLine, MetricEstimate, MetricSeries, Page,
  SweepDetail, SweepSummary,
} from '../../../coordinator/src/api-types.js';

export { JOB_STATES } from '../../../coordinator/src/job-states.js';

/** What handlers put in a progress report (all optional; a handler may add its own fields). */
export interface Progress {
  fraction?: number;
  message?: string;
  backend?: string;
  [key: string]: unknown;
}

export const progressOf = (job: Pick<JobSummary, 'progress'>): Progress | null =>
  job.progress !== null && typeof job.progress === 'object' && !Array.isArray(job.progress) ? (job.progress as Progress) : null;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Fired when the coordinator answers 401: the app shows its sign-in form. */
export const UNAUTHORIZED_EVENT = 'dgm-ood:unauthorized';

async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, accept = 'application/json'): Promise<T> {
  const response = await fetch(path, { method, headers: { accept } });
  if (response.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  if (!response.ok) {
    let body: { code?: string; message?: string } = {};
    try {
      body = await response.json();
    } catch {
      // not JSON: the status line says enough
    }
    throw new ApiError(response.status, body.code, body.message ?? `${response.status} ${response.statusText}`);
  }
  return (accept === 'application/json' ? response.json() : response.text()) as Promise<T>;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string) => request<T>('POST', path);
export const del = <T>(path: string) => request<T>('DELETE', path);
export const getText = (path: string, accept: string) => request<string>('GET', path, accept);

/** DELETE /sweeps/:id (also its dry run): what was (or would be) deleted. */
export interface SweepDeletion {
  deleted: boolean;
  sweeps: { id: string; name: string; kind: string }[];
  jobs: number;
  results: number;
  evaluations: number;
  artifacts: { count: number; bytes: number };
  cancelled: number;
}

/** GET /auth/session: whether the coordinator requires a token, and whether this browser is signed in. */
export interface SessionState {
  auth: boolean;
  signedIn: boolean;
  token?: string;
}

export const sessionState = () => get<SessionState>('/auth/session');

/** Signs in with an API token: the coordinator sets an HttpOnly session cookie (the token is not kept here). */
export async function signIn(token: string): Promise<void> {
  const response = await fetch('/auth/session', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ token }) });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(response.status, body.code, body.message ?? `${response.status} ${response.statusText}`);
  }
}

export async function signOut(): Promise<void> {
  await fetch('/auth/session', { method: 'DELETE' });
}
