/**
 * Expansions off the event loop: each submission's meta-configuration is expanded in one of two threads
 * (expansion-thread.ts through threads/task-threads.ts), so `/healthz` and every other route keep answering while
 * a costly but permitted expansion runs. The expansion checks its own deadline (DGM_OOD_EXPANSION_DEADLINE_MS)
 * between jobs and inside snippets and says where it stopped; a thread still busy a second after the deadline
 * (stuck where nothing checks the clock) is terminated and replaced.
 *
 * A deadline is answered 422 DGM_EXPANSION_DEADLINE, not 5xx: the deadline counts only the expansion's own time in
 * its thread (never its wait in the queue), so this request alone asked for more work than this coordinator allows
 * one request, and the same request would fail the same way again. A 5xx would call it a server fault, page an
 * operator and invite automatic retries that each burn another deadline's worth of CPU.
 */
import { createError, ServiceUnavailableError } from '@dgm-ood/config';
import { DOCUMENT_PATH } from '@dgm-ood/metaconfig';
import { SubmissionRejected, type SubmissionIssue } from '../errors.js';
import { TaskThreads } from '../threads/task-threads.js';
import { submissionPlace, type ExpansionRequest, type PlainJob, type SubmissionExpansion } from './expand-submission.js';

export const ExpansionDeadlineError = createError<[string]>('DGM_EXPANSION_DEADLINE', '%s', 422);
const ExpansionFailedError = createError<[string]>('DGM_EXPANSION_FAILED', 'the expansion thread failed: %s', 500);

/** Time the thread has after its deadline to stop by itself (and say at which snippet) before it is terminated. */
export const DEADLINE_GRACE_MS = 1000;
/** Expansions at once: a second one runs while one costly expansion holds its thread. */
const THREADS = 2;

export type ExpandedSubmission = Extract<SubmissionExpansion, { ok: true }>;
export type { ExpansionRequest, PlainJob };

export class SubmissionExpander {
  readonly threads: TaskThreads<ExpansionRequest, SubmissionExpansion>;

  constructor(
    private readonly limits: { maxSteps: number; deadlineMs: number },
    module = new URL('./expansion-thread.ts', import.meta.url),
  ) {
    this.threads = new TaskThreads({
      module,
      threads: THREADS,
      failure: (reason) => new ExpansionFailedError(reason),
      closing: () => new ServiceUnavailableError('the coordinator is shutting down: submit again once it is back'),
    });
  }

  /** The expanded jobs; throws SubmissionRejected (400) or ExpansionDeadlineError (422), each with located `errors`. */
  async expand(submission: Omit<ExpansionRequest, 'maxSteps' | 'deadlineMs'>): Promise<ExpandedSubmission> {
    const request: ExpansionRequest = { ...submission, ...this.limits };
    const where = submissionPlace(request.file);
    const outcome = await this.threads.run(request, {
      deadlineMs: this.limits.deadlineMs + DEADLINE_GRACE_MS,
      onDeadline: () => {
        const issue: SubmissionIssue = {
          code: 'expand.deadline',
          path: DOCUMENT_PATH,
          file: where,
          message: `the expansion ran past its deadline of ${this.limits.deadlineMs} ms and was stopped`,
        };
        return Object.assign(new ExpansionDeadlineError(`${where}: ${issue.message}; DGM_OOD_EXPANSION_DEADLINE_MS sets the limit`), { errors: [issue] });
      },
    });
    if (outcome.ok) return outcome;
    if (outcome.deadline) throw Object.assign(new ExpansionDeadlineError(outcome.message), { errors: outcome.errors });
    throw new SubmissionRejected(outcome.message, outcome.errors);
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}
