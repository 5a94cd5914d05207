import type { Pool } from '@dgm-ood/db';
import { findUnservableJobs, liveWorkers, unservableReason, type UnservableJobs } from '@dgm-ood/jobs';
import { requirementClassOf, type ResourceRequirement } from '@dgm-ood/queue';

export { withoutResources } from '@dgm-ood/queue';

/** The default heartbeat interval (DGM_OOD_WORKER_HEARTBEAT_MS) for callers without a configuration. */
const DEFAULT_HEARTBEAT_MS = 15_000;

/** A worker unseen for three heartbeat intervals is gone: one late beat (a busy event loop, a slow database) is not. */
export function workerFreshMs(heartbeatMs: number = DEFAULT_HEARTBEAT_MS): number {
  return 3 * heartbeatMs;
}

/** One warning per requirement class of a submission that no live worker meets. */
export async function unservableWarnings(pool: Pool, kind: string, requirements: readonly ResourceRequirement[], heartbeatMs?: number): Promise<string[]> {
  const unique = new Map(requirements.map((r) => [requirementClassOf(r), r]));
  if (unique.size === 0) return [];
  const workers = await liveWorkers(pool, workerFreshMs(heartbeatMs));
  const warnings: string[] = [];
  for (const [requirementClass, requirement] of unique) {
    const reason = unservableReason(kind, requirement, workers);
    if (reason !== undefined) warnings.push(`jobs of requirement class ${requirementClass} ${reason}`);
  }
  return warnings;
}

/**
 * A sweep's detail as clients see it (GET /sweeps/:id and every live `sweep` event): with `unservable` when some of
 * its queued jobs need what no live worker has. One function for both, so a live update never drops the notice.
 */
export async function withUnservable<T extends object>(pool: Pool, sweepId: string, detail: T, heartbeatMs?: number): Promise<T & { unservable?: UnservableJobs[] }> {
  const unservable = await findUnservableJobs(pool, { sweepId }, workerFreshMs(heartbeatMs));
  return unservable.length > 0 ? { ...detail, unservable } : detail;
}
