/** The coordinator's answers the remote commands read (apps/coordinator/src/schemas.ts), and the lookups they share. */
import type { JobSummary, Page, SweepDetail, SweepSummary } from '@dgm-ood/coordinator/api-types';
import { RemoteInputError, type Coordinator } from './coordinator.js';

export type {
  Evaluation, GarbageCollection, JobCounts, JobDetail, JobState, JobSummary, LogLine, Page, RetentionRun, SweepDeletion, SweepDetail, SweepSummary,
} from '@dgm-ood/coordinator/api-types';

export { FINAL_JOB_STATES, JOB_STATES } from '@dgm-ood/coordinator/job-states';
/** A sweep is finished once no job is active; its status is then one of these. */
export const FINAL_SWEEP_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

export interface Submission {
  id: string | null;
  name: string;
  kind: 'train' | 'ood';
  jobCount: number;
  queued: number;
  waiting: number;
  failed: number;
  warnings?: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** Pages of GET /sweeps and GET /sweeps/:id/jobs hold at most this many items. */
const MAX_PAGE = 1000;

/** A sweep named on the command line: its id as is, else the one sweep of that name. */
export async function resolveSweepId(coordinator: Coordinator, ref: string): Promise<string> {
  if (isUuid(ref)) return ref;
  const matches: SweepSummary[] = [];
  for (let page = 1; ; page++) {
    const listed = await coordinator.json<Page<SweepSummary>>('GET', '/sweeps', { query: { page, pageSize: MAX_PAGE } });
    matches.push(...listed.items.filter((s) => s.name === ref));
    if (page * listed.pageSize >= listed.total || listed.items.length === 0) break;
  }
  if (matches.length === 0) throw new RemoteInputError(`no sweep named ${ref} at ${coordinator.url} (give a sweep id or name; dgm-ood sweep list shows them)`);
  if (matches.length > 1) throw new RemoteInputError(`${matches.length} sweeps are named ${ref}; use an id: ${matches.map((s) => s.id).join(', ')}`);
  return matches[0]!.id;
}

/** Every job of a sweep in grid order, through GET /sweeps/:id/jobs pages. */
export async function allJobs(coordinator: Coordinator, sweepId: string): Promise<JobSummary[]> {
  const jobs: JobSummary[] = [];
  for (let page = 1; ; page++) {
    const listed = await coordinator.json<Page<JobSummary>>('GET', `/sweeps/${sweepId}/jobs`, { query: { page, pageSize: MAX_PAGE } });
    jobs.push(...listed.items);
    if (jobs.length >= listed.total || listed.items.length === 0) return jobs;
  }
}

export const sweepDetail = (coordinator: Coordinator, sweepId: string) => coordinator.json<SweepDetail>('GET', `/sweeps/${sweepId}`);
