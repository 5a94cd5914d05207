/**
 * A job's states in lifecycle order, and those that end it. Its own module, free of dependencies, so that
 * clients (the CLI, the dashboard's bundle) import the same list the coordinator's schemas validate against.
 */
export const JOB_STATES = ['pending', 'waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);
