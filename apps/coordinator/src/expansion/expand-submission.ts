/**
 * The pure part of a submission: the job kind, the expansion of the meta-configuration (within its step budget and
 * deadline), and the checks of names and text that need no database. It runs in the expansion thread
 * (expansion-thread.ts), so a costly expansion never holds the coordinator's event loop; what it returns is plain
 * data that crosses to the coordinator by structured clone.
 */
import { DEFAULT_RUN_NAME_CHANGER, DOCUMENT_PATH, LIMIT_ISSUE_CODES, RUN_NAME_FALLBACK, deadlineIn, expandMetaConfig, inferJobKind, inferJobKindFromSource, type JobKind, type SweepInfo } from '@dgm-ood/metaconfig';
import type { SubmissionIssue } from '../errors.js';
import { MAX_NAME_LENGTH, overlongNames, unstorableOffset, unstorableText } from '../text-integrity.js';

export interface ExpansionRequest {
  source: string;
  format: 'yaml' | 'json';
  /** The uploaded file's name, if any. */
  file?: string;
  kind?: JobKind;
  name?: string;
  maxJobs?: number;
  /** dy__eval steps over every job (DGM_OOD_EXPANSION_MAX_STEPS); default: the expansion's own default. */
  maxSteps?: number;
  /** How long the expansion may run (DGM_OOD_EXPANSION_DEADLINE_MS), counted from its start; default: no deadline. */
  deadlineMs?: number;
}

/** A job as the expansion made it, without the parsed config (the coordinator parses `configJson` where it needs it). */
export interface PlainJob {
  index: number;
  name: string;
  point: Record<string, unknown>;
  configJson: string;
  configHash: string;
}

export type SubmissionExpansion =
  | { ok: true; kind: JobKind; name: string; sweep: SweepInfo; jobs: PlainJob[]; warnings: string[] }
  /** `deadline`: the expansion ran out of time (not a fault of the file as such; see SubmissionExpander). */
  | { ok: false; deadline?: true; message: string; errors: SubmissionIssue[] };

/** Where messages say a problem is: the uploaded file's name, else the request body. */
export const submissionPlace = (file: string | undefined) => file ?? 'request body';

export function sweepName(request: { name?: string; file?: string }, fromFile: string | undefined): string {
  return request.name ?? fromFile ?? request.file?.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/i, '') ?? 'sweep';
}

function describeLimit(issue: SubmissionIssue): string {
  return `${issue.message.replace(/ \[first seen in job .*\]$/, '')} (at ${issue.path}${issue.line !== undefined ? `, line ${issue.line}` : ''})`;
}

/** The source is stored as it came: a NUL (a raw byte in a YAML comment, an escape in a JSON envelope) cannot be. */
function unstorableSource(source: string, where: string): SubmissionExpansion | undefined {
  const offset = unstorableOffset(source);
  if (offset < 0) return undefined;
  const line = source.slice(0, offset).split('\n').length;
  const [problem] = unstorableText(source, where);
  const message = `line ${line}: the text ${problem!.message}`;
  return { ok: false, message: `${where}: ${message}`, errors: [{ code: 'DGM_TEXT_UNSTORABLE', path: DOCUMENT_PATH, line, file: where, message }] };
}

export function expandSubmission(request: ExpansionRequest): SubmissionExpansion {
  const where = submissionPlace(request.file);
  const unstorable = unstorableSource(request.source, where);
  if (unstorable !== undefined) return unstorable;
  // One deadline for the whole submission, a second pass included (when the kind is known only from the jobs).
  const deadline = request.deadlineMs === undefined ? undefined : deadlineIn(request.deadlineMs);
  let kind = request.kind ?? inferJobKindFromSource(request.source, request.format);
  const warnings: string[] = [];
  const expand = (k: JobKind | undefined) => {
    // The kind's name changer is only a default (the file did not ask for it): jobs it cannot name get
    // generic names from the expansion, which says so in one warning that the sweep keeps.
    const result = expandMetaConfig(request.source, {
      file: where,
      format: request.format,
      ...(request.maxSteps !== undefined ? { maxSteps: request.maxSteps } : {}),
      ...(deadline !== undefined ? { deadline } : {}),
      ...(request.maxJobs ? { maxJobs: request.maxJobs } : {}),
      ...(k ? { defaultRunNameChanger: DEFAULT_RUN_NAME_CHANGER[k] } : {}),
    });
    for (const w of result.warnings ?? []) if (w.code === RUN_NAME_FALLBACK) warnings.push(`run names: ${w.message}`);
    return result;
  };
  const refused = (errors: SubmissionIssue[], what: string): SubmissionExpansion => {
    const limit = errors.find((e) => e.code !== undefined && LIMIT_ISSUE_CODES.has(e.code));
    if (limit === undefined) return { ok: false, message: `${where}: ${what} (${errors.length} problem(s))`, errors };
    const timedOut = limit.code !== 'eval.step_limit';
    return {
      ok: false,
      ...(timedOut ? { deadline: true as const } : {}),
      message: `${where}: ${describeLimit(limit)}; ${timedOut ? 'DGM_OOD_EXPANSION_DEADLINE_MS' : 'DGM_OOD_EXPANSION_MAX_STEPS'} sets the limit`,
      errors,
    };
  };
  let expansion = expand(kind);
  if (!expansion.ok) return refused(expansion.errors, 'the meta-configuration is invalid');
  if (!kind) {
    kind = inferJobKind(expansion.jobs[0]?.config ?? null);
    warnings.length = 0;
    if (!kind) {
      return {
        ok: false,
        message: `${where}: cannot tell whether these are train or ood jobs`,
        errors: [{ path: 'base_config', message: 'no model/trainer (train) or base_model/ood (ood) section: pass kind=train or kind=ood' }],
      };
    }
    expansion = expand(kind);
    if (!expansion.ok) return refused(expansion.errors, 'the meta-configuration is invalid');
  }

  // NUL characters and lone surrogates (from escapes such as "\0" or "\ud800") cannot be stored: refused, located.
  const name = sweepName(request, expansion.sweep.sweepName);
  const jobs = expansion.jobs;
  const problems = [
    ...overlongNames([
      { path: 'name', value: name, max: MAX_NAME_LENGTH.sweep },
      { path: 'file', value: request.file ?? '', max: MAX_NAME_LENGTH.file },
      ...jobs.map((job) => ({ path: `jobs[${job.index}].name`, value: job.name, max: MAX_NAME_LENGTH.job })),
    ]).map((p) => ({ ...p, code: 'DGM_NAME_TOO_LONG' })),
    ...unstorableText(request.name ?? expansion.sweep.sweepName ?? '', 'name'),
    ...unstorableText(request.file ?? '', 'file'),
    // What the sweep keeps of the file besides its jobs.
    ...unstorableText(expansion.sweep.project ?? '', 'project'),
    ...unstorableText(expansion.sweep.runNameChanger ?? '', 'run_name_changer'),
    ...unstorableText(expansion.sweep.parameters, 'sweep_configuration (its parameters)'),
    ...unstorableText(warnings, 'warnings'),
    ...jobs.flatMap((job) => [
      ...unstorableText(job.name, `jobs[${job.index}].name`),
      ...unstorableText(job.point, `jobs[${job.index}].point`),
      ...unstorableText(job.config, `jobs[${job.index}].config`),
    ]),
  ];
  if (problems.length > 0) {
    return {
      ok: false,
      message: `${where}: names too long or text that cannot be stored (${problems.length} problem(s))`,
      errors: problems.slice(0, 20).map((p) => ({ code: 'DGM_TEXT_UNSTORABLE', ...p })),
    };
  }
  return {
    ok: true,
    kind,
    name,
    sweep: expansion.sweep,
    // Not the jobs themselves: their `config` getter would be cloned too (every config twice, once parsed).
    jobs: jobs.map(({ index, name: jobName, point, configJson, configHash }) => ({ index, name: jobName, point, configJson, configHash })),
    warnings,
  };
}
