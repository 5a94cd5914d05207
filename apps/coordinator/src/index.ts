export { buildApp } from './app.js';
export type { AppOptions, CoordinatorApp } from './app.js';
export { submitSweep } from './submit.js';
export type { SubmissionInput, SubmissionResult } from './submit.js';
