/**
 * What one expansion may spend on `dy__eval` snippets, over all of its jobs together: a number of evaluation
 * steps (deterministic: the same file always stops at the same step) and a wall-clock deadline (a guard for the
 * service, so a slow machine refuses instead of hanging). Each snippet call also keeps its own smaller step
 * budget (python/interpreter.ts); this one stops a grid of many jobs, each within its own budget, from adding
 * up to hours of work.
 */
import type { CallContext } from './value.js';

/** Steps for one expansion: 100,000 jobs at 2,000 steps each (a changer and a few snippets per job). */
export const DEFAULT_EXPANSION_STEPS = 200_000_000;

/** The clock is read once per this many steps: cheap, and a step is well under a microsecond. */
const CLOCK_EVERY_STEPS = 4096;

/** A moment on this thread's `performance.now()` clock, and the duration it was set from (for messages). */
export interface Deadline {
  at: number;
  ms: number;
}

export function deadlineIn(ms: number): Deadline {
  return { at: performance.now() + ms, ms };
}

/** The expansion ran out of its steps or its time. Not a Python error: a snippet cannot catch or survive it. */
export class ExpansionLimitError extends Error {
  constructor(
    readonly limit: 'steps' | 'deadline',
    message: string,
  ) {
    super(message);
  }
}

export class ExpansionBudget implements CallContext {
  steps = 0;
  private nextClockCheck = CLOCK_EVERY_STEPS;

  constructor(
    readonly maxSteps: number = DEFAULT_EXPANSION_STEPS,
    readonly deadline?: Deadline,
  ) {}

  charge(n: number): void {
    this.steps += n;
    if (this.steps > this.maxSteps) {
      throw new ExpansionLimitError('steps', `the expansion exceeded its budget of ${this.maxSteps} evaluation steps (counted over every snippet call of every job)`);
    }
    if (this.deadline !== undefined && this.steps >= this.nextClockCheck) {
      this.nextClockCheck = this.steps + CLOCK_EVERY_STEPS;
      this.checkDeadline();
    }
  }

  /** Throws once the deadline has passed (also called between jobs, where no snippet runs). */
  checkDeadline(): void {
    if (this.deadline !== undefined && performance.now() > this.deadline.at) {
      throw new ExpansionLimitError('deadline', `the expansion ran past its deadline of ${this.deadline.ms} ms`);
    }
  }
}
