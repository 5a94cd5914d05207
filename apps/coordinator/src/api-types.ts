/**
 * The types of the coordinator's JSON answers, inferred from the schemas its routes validate them with: what
 * clients (the CLI, the dashboard) read, from one source. Type-only: importing it costs a client nothing.
 */
import type { z } from 'zod';
import type {
  CountsSchema, EvaluationPlotsSchema, EvaluationRowSchema, EvaluationSchema, JobDetailSchema, JobSummarySchema, LogLineSchema,
  MetricEstimateSchema, MetricSeriesSchema, PointResultSchema, SweepDetailSchema, SweepListItemSchema,
} from './schemas.js';
import type { GarbageSchema, RetentionSchema, SweepDeletionSchema } from './storage-schemas.js';

export type { JobState } from './schemas.js';
export type JobCounts = z.infer<typeof CountsSchema>;
/** An item of GET /sweeps. */
export type SweepSummary = z.infer<typeof SweepListItemSchema>;
export type SweepDetail = z.infer<typeof SweepDetailSchema>;
export type JobSummary = z.infer<typeof JobSummarySchema>;
export type JobDetail = z.infer<typeof JobDetailSchema>;
export type LogLine = z.infer<typeof LogLineSchema>;
export type MetricSeries = z.infer<typeof MetricSeriesSchema>;
export type MetricEstimate = z.infer<typeof MetricEstimateSchema>;
export type EvaluationRow = z.infer<typeof EvaluationRowSchema>;
export type Evaluation = z.infer<typeof EvaluationSchema>;
export type EvaluationPlots = z.infer<typeof EvaluationPlotsSchema>;
export type PointResult = z.infer<typeof PointResultSchema>;
/** DELETE /sweeps/:id, POST /storage/retention, POST /storage/gc. */
export type SweepDeletion = z.infer<typeof SweepDeletionSchema>;
export type RetentionRun = z.infer<typeof RetentionSchema>;
export type GarbageCollection = z.infer<typeof GarbageSchema>;

/** A page of a listing (GET /sweeps, GET /sweeps/:id/jobs). */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
