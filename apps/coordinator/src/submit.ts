import type { Pool } from '@dgm-ood/db';
import {
  createSweep, findModelReferences, resolveModelReference, type JobKind, type NewJob, type JsonValue as JobJson,
} from '@dgm-ood/jobs';
import { DEFAULT_RUN_NAME_CHANGER, RUN_NAME_FALLBACK, expandMetaConfig, inferJobKind, inferJobKindFromSource } from '@dgm-ood/metaconfig';
import { enqueueJobs, type Queues } from '@dgm-ood/queue';
import { SweepInvalidError, type SubmissionIssue } from './errors.js';

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
}

export interface SubmissionResult {
  id: string;
  name: string;
  kind: JobKind;
  jobCount: number;
  queued: number;
  waiting: number;
  failed: number;
}

/** A rejected submission: the message plus every located issue (YAML paths, job indices). */
export class SubmissionRejected extends SweepInvalidError {
  constructor(message: string, readonly errors: SubmissionIssue[]) {
    super(message);
  }
}

/**
 * Validates and expands a meta-configuration, resolves `{sweep, job}` model references, stores the
 * sweep and its jobs in one transaction, then enqueues the runnable jobs in grid order.
 */
export async function submitSweep(
  services: { pool: Pool; queues: Queues },
  input: SubmissionInput,
): Promise<SubmissionResult> {
  const where = input.file ?? 'request body';
  let kind = input.kind ?? inferJobKindFromSource(input.source, input.format);
  const warnings: string[] = [];
  const expand = (k: JobKind | undefined) => {
    // The kind's name changer is only a default (the file did not ask for it): jobs it cannot name get
    // generic names from the expansion, which says so in one warning that the sweep keeps.
    const result = expandMetaConfig(input.source, {
      file: where,
      format: input.format,
      ...(input.maxJobs ? { maxJobs: input.maxJobs } : {}),
      ...(k ? { defaultRunNameChanger: DEFAULT_RUN_NAME_CHANGER[k] } : {}),
    });
    for (const w of result.warnings ?? []) if (w.code === RUN_NAME_FALLBACK) warnings.push(`run names: ${w.message}`);
    return result;
  };
  let expansion = expand(kind);
  if (!expansion.ok) {
    throw new SubmissionRejected(`${where}: the meta-configuration is invalid (${expansion.errors.length} problem(s))`, expansion.errors);
  }
  if (!kind) {
    kind = inferJobKind(expansion.jobs[0]?.config ?? null);
    warnings.length = 0;
    if (!kind) {
      throw new SubmissionRejected(`${where}: cannot tell whether these are train or ood jobs`, [
        { path: 'base_config', message: 'no model/trainer (train) or base_model/ood (ood) section: pass kind=train or kind=ood' },
      ]);
    }
    expansion = expand(kind);
    if (!expansion.ok) throw new SubmissionRejected(`${where}: the meta-configuration is invalid`, expansion.errors);
  }

  // Model references: resolved once per distinct reference, errors collected per job and path.
  const issues: SubmissionIssue[] = [];
  const resolved = new Map<string, string>();
  const jobs: NewJob[] = [];
  for (const job of expansion.jobs) {
    const dependsOn: string[] = [];
    for (const ref of findModelReferences(job.config as JobJson)) {
      const key = JSON.stringify([ref.sweep, ref.job]);
      try {
        if (!resolved.has(key)) resolved.set(key, (await resolveModelReference(services.pool, ref)).jobId);
        dependsOn.push(resolved.get(key)!);
      } catch (error) {
        issues.push({ path: `jobs[${job.index}].${ref.path}`, message: (error as Error).message, code: (error as { code?: string }).code });
      }
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
  if (issues.length > 0) throw new SubmissionRejected(`${where}: ${issues.length} model reference(s) cannot be resolved`, issues);

  const maxAttempts = input.maxAttempts ?? 3;
  const backoffMs = input.backoffMs ?? 5000;
  const name = input.name ?? expansion.sweep.sweepName ?? input.file?.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/i, '') ?? 'sweep';
  const { sweepId, jobs: created } = await createSweep(services.pool, {
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
    },
    maxAttempts,
    jobs,
  });
  const queued = created.filter((j) => j.state === 'queued');
  await enqueueJobs(
    services.queues,
    queued.map((j) => ({ jobId: j.id, sweepId, kind: kind!, retry: { attempts: maxAttempts, backoffMs } })),
  );
  return {
    id: sweepId,
    name,
    kind,
    jobCount: created.length,
    queued: queued.length,
    waiting: created.filter((j) => j.state === 'waiting').length,
    failed: created.filter((j) => j.state === 'failed').length,
  };
}
