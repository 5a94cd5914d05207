import { createHash } from 'node:crypto';
import type { Pool } from '@dgm-ood/db';
import type { AppConfig } from '@dgm-ood/config';
import {
  createSweep, DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS, findModelReferences, resolveModelReference, type JobKind, type NewJob,
  type JsonValue as JobJson,
} from '@dgm-ood/jobs';
import { DEFAULT_RUN_NAME_CHANGER } from '@dgm-ood/metaconfig';
import { enqueueJobs, readResources, requirementClassOf, type Queues, type ResourceRequirement } from '@dgm-ood/queue';
import { checkJobConfig } from '@dgm-ood/catalog';
import { recordRequirementClasses } from '@dgm-ood/jobs';
import { unservableWarnings, withoutResources } from './resource-requirements.js';
import { IdempotencyKeyReusedError, SubmissionRejected, type SubmissionIssue } from './errors.js';
import { expandSubmission, type ExpansionRequest } from './expansion/expand-submission.js';
import type { ExpandedSubmission } from './expansion/submission-expander.js';
import type { JobChecker } from './plugins/services.js';

export { SubmissionRejected };

/** Expands a submission (the coordinator's runs in a thread: SubmissionExpander); throws its located errors. */
export type ExpandFunction = (request: ExpansionRequest) => Promise<ExpandedSubmission>;

/** In this thread, with the default step limit and no deadline: for library callers without an expansion thread. */
const expandHere: ExpandFunction = async (request) => {
  const outcome = expandSubmission(request);
  if (!outcome.ok) throw new SubmissionRejected(outcome.message, outcome.errors);
  return outcome;
};

export interface SubmissionInput {
  source: string;
  format: 'yaml' | 'json';
  /** Shown in error messages; also the fallback sweep name. */
  file?: string;
  kind?: JobKind;
  name?: string;
  maxAttempts?: number;
  backoffMs?: number;
  maxJobs?: number;
  /** Validate and count only: nothing is stored or enqueued. */
  dryRun?: boolean;
  /** The name of the API token that submitted it (kept in the sweep's options; never the secret). */
  submittedBy?: string;
  /** The request's Idempotency-Key: a second POST with it returns the first one's sweep instead of a new one. */
  idempotencyKey?: string;
}

/** What a POST asked for, to tell a retry (same fingerprint) from another request reusing its key. */
function fingerprintOf(input: SubmissionInput): string {
  const { source, format, kind, name, maxAttempts, backoffMs, file } = input;
  return createHash('sha256').update(JSON.stringify([source, format, kind ?? null, name ?? null, maxAttempts ?? null, backoffMs ?? null, file ?? null])).digest('hex');
}

/** The sweep an earlier POST with this key created, answered again (a 200 that says it is a replay). */
async function replayed(pool: Pool, key: string, fingerprint: string): Promise<SubmissionResult | undefined> {
  const { rows } = await pool.query(
    `SELECT s.id, s.name, s.kind, s.job_count, s.options, s.idempotency_fingerprint,
            count(*) FILTER (WHERE j.state = 'waiting')::int AS waiting, count(*) FILTER (WHERE j.state = 'failed')::int AS failed
     FROM sweeps s LEFT JOIN jobs j ON j.sweep_id = s.id WHERE s.idempotency_key = $1 GROUP BY s.id`,
    [key],
  );
  const sweep = rows[0];
  if (!sweep) return undefined;
  if (sweep.idempotency_fingerprint !== fingerprint) throw new IdempotencyKeyReusedError(key, sweep.id as string);
  const warnings = ((sweep.options as { warnings?: string[] }).warnings ?? []);
  return {
    id: sweep.id, name: sweep.name, kind: sweep.kind, jobCount: sweep.job_count,
    queued: sweep.job_count - sweep.waiting - sweep.failed, waiting: sweep.waiting, failed: sweep.failed, replayed: true,
    ...(warnings.length ? { warnings } : {}),
  };
}

export interface SubmissionResult {
  /** Null for a dry run. */
  id: string | null;
  name: string;
  kind: JobKind;
  jobCount: number;
  queued: number;
  waiting: number;
  failed: number;
  dryRun?: boolean;
  /** True when an earlier POST with the same Idempotency-Key created this sweep (nothing new was stored). */
  replayed?: boolean;
  warnings?: string[];
}

/**
 * Validates and expands a meta-configuration, resolves `{sweep, job}` model references, stores the
 * sweep and its jobs in one transaction, then enqueues the runnable jobs in grid order.
 */
export async function submitSweep(
  services: { pool: Pool; queues: Queues; checkJob?: JobChecker; expand?: ExpandFunction; config?: Pick<AppConfig, 'workerHeartbeatMs'> },
  input: SubmissionInput,
): Promise<SubmissionResult> {
  const where = input.file ?? 'request body';
  const idempotency = input.idempotencyKey && !input.dryRun ? { key: input.idempotencyKey, fingerprint: fingerprintOf(input) } : undefined;
  if (idempotency) {
    const earlier = await replayed(services.pool, idempotency.key, idempotency.fingerprint);
    if (earlier) return earlier;
  }
  const expansion = await (services.expand ?? expandHere)({
    source: input.source,
    format: input.format,
    ...(input.file !== undefined ? { file: input.file } : {}),
    ...(input.kind ? { kind: input.kind } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.maxJobs ? { maxJobs: input.maxJobs } : {}),
  });
  const { kind, warnings } = expansion;

  // Model references: resolved once per distinct reference, errors collected per job and path.
  const issues: SubmissionIssue[] = [];
  const resolved = new Map<string, string>();
  const trainingConfigs = new Map<string, JobJson>();
  const jobs: NewJob[] = [];
  // Requirement class of each job with `resources`, by grid index: its jobs wait in that class's queue.
  const requirements = new Map<number, ResourceRequirement>();
  let jobsWithProblems = 0;
  for (const job of expansion.jobs) {
    const dependsOn: string[] = [];
    const referenced = new Map<string, string>();
    const config = JSON.parse(job.configJson) as JobJson;
    const resources = readResources(config);
    if (resources.requirement) requirements.set(job.index, resources.requirement);
    for (const ref of findModelReferences(config)) {
      const key = JSON.stringify([ref.sweep, ref.job]);
      try {
        if (!resolved.has(key)) resolved.set(key, (await resolveModelReference(services.pool, ref)).jobId);
        dependsOn.push(resolved.get(key)!);
        referenced.set(ref.path, resolved.get(key)!);
      } catch (error) {
        issues.push({ path: `jobs[${job.index}].${ref.path}`, message: (error as Error).message, code: (error as { code?: string }).code });
      }
    }
    // The same plan readers the worker runs, with this deployment's families and methods: a job that would
    // fail on a worker hours later fails here, located.
    for (const jobId of referenced.values()) {
      if (!trainingConfigs.has(jobId)) {
        const { rows } = await services.pool.query('SELECT config FROM jobs WHERE id = $1', [jobId]);
        trainingConfigs.set(jobId, (rows[0]?.config ?? null) as JobJson);
      }
    }
    // `resources` is for scheduling: the plan readers never see it.
    const check = (services.checkJob ?? checkJobConfig)(kind, withoutResources(config), (path) => {
      const jobId = referenced.get(path);
      return jobId === undefined ? undefined : trainingConfigs.get(jobId);
    });
    const problems = [...resources.problems, ...check.problems];
    if (problems.length > 0) jobsWithProblems++;
    for (const problem of problems) {
      issues.push({ path: `jobs[${job.index}]${problem.path ? `.${problem.path}` : ''}`, message: `job ${job.index} (${job.name}): ${problem.message}`, code: 'DGM_JOB_CONFIG_INVALID' });
    }
    jobs.push({
      gridIndex: job.index,
      name: job.name,
      point: job.point as Record<string, JobJson>,
      configJson: job.configJson,
      configHash: job.configHash,
      ...(dependsOn.length ? { dependsOn } : {}),
    });
  }
  if (issues.length > 0) {
    throw new SubmissionRejected(
      `${where}: ${jobsWithProblems > 0 ? `${jobsWithProblems} of ${jobs.length} job(s) cannot run` : `${issues.length} model reference(s) cannot be resolved`} (${issues.length} problem(s))`,
      issues,
    );
  }
  if (input.dryRun) {
    return { id: null, name: expansion.name, kind, jobCount: jobs.length, queued: 0, waiting: 0, failed: 0, dryRun: true, warnings };
  }

  const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoffMs = input.backoffMs ?? DEFAULT_BACKOFF_MS;
  const name = expansion.name;
  // Before the sweep: workers discover class queues from this table, and a class row without jobs is harmless.
  await recordRequirementClasses(services.pool, [...requirements.values()]);
  let createdSweep: Awaited<ReturnType<typeof createSweep>>;
  try {
    createdSweep = await createSweep(services.pool, {
    name,
    kind,
    sourceText: input.source,
    sourceFormat: input.format,
    options: {
      project: expansion.sweep.project ?? null,
      runNameChanger: expansion.sweep.runNameChanger ?? (warnings.length ? null : DEFAULT_RUN_NAME_CHANGER[kind]),
      warnings,
      maxAttempts,
      backoffMs,
      parameters: expansion.sweep.parameters as unknown as JobJson,
      ...(input.file ? { file: input.file } : {}),
      ...(input.submittedBy ? { submittedBy: input.submittedBy } : {}),
    },
    maxAttempts,
    jobs,
    ...(idempotency ? { idempotency } : {}),
  });
  } catch (error) {
    // Two POSTs with one key at once: the unique index let one commit; the other answers with its sweep.
    if (idempotency && (error as { code?: string; constraint?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'sweeps_idempotency_key_key') {
      const earlier = await replayed(services.pool, idempotency.key, idempotency.fingerprint);
      if (earlier) return earlier;
    }
    throw error;
  }
  const { sweepId, jobs: created } = createdSweep;
  const queued = created.filter((j) => j.state === 'queued');
  await enqueueJobs(
    services.queues,
    queued.map((j) => {
      const requirement = requirements.get(j.gridIndex);
      return { jobId: j.id, sweepId, kind, retry: { attempts: maxAttempts, backoffMs }, ...(requirement ? { requirementClass: requirementClassOf(requirement) } : {}) };
    }),
  );
  // Said now, not stored: whether a worker can serve them changes as workers come and go (GET /sweeps/:id says it live).
  const resourceWarnings = await unservableWarnings(services.pool, kind, [...requirements.values()], services.config?.workerHeartbeatMs);
  const allWarnings = [...warnings, ...resourceWarnings];
  return {
    id: sweepId,
    name,
    kind,
    jobCount: created.length,
    queued: queued.length,
    waiting: created.filter((j) => j.state === 'waiting').length,
    failed: created.filter((j) => j.state === 'failed').length,
    ...(allWarnings.length ? { warnings: allWarnings } : {}),
  };
}
