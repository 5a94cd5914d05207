/** Request and answer shapes of the storage-lifecycle routes (DELETE /sweeps/:id, /storage/*). */
import { z } from 'zod';
import { KindSchema } from './schemas.js';

/** A yes/no query parameter: `true` or `false` (absent: false). */
export const QueryFlag = z.enum(['true', 'false']).default('false').transform((value) => value === 'true');

export const SweepDeleteQuery = z.object({
  cancel: QueryFlag.describe('cancel unfinished jobs first (without it they refuse the deletion: 409 DGM_SWEEP_ACTIVE)'),
  withDependents: QueryFlag.describe('delete the sweeps that depend on this one too (without it they refuse it: 409 DGM_SWEEP_HAS_DEPENDENTS)'),
  dryRun: QueryFlag.describe('report what would be deleted; delete nothing'),
});

export const SweepDeletionSchema = z.object({
  deleted: z.boolean(),
  sweeps: z.array(z.object({ id: z.string(), name: z.string(), kind: KindSchema })),
  jobs: z.number(),
  results: z.number(),
  evaluations: z.number(),
  artifacts: z.object({ count: z.number(), bytes: z.number() }),
  largeObjects: z.number().describe('PostgreSQL large objects unlinked with the rows'),
  workdirs: z.number().describe('working directories under MODEL_DIR removed after the commit'),
  cancelled: z.number().describe('jobs cancelled first (dry run: that would be)'),
  leftBehind: z.number().describe('files that could not be removed (logged; the garbage collection removes them later)'),
  queueEntries: z.number().describe('BullMQ entries removed'),
});

/** A POST without a body (`curl -X POST …`) arrives as null: every field takes its default. */
const optionalBody = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((body) => body ?? {}, schema);

export const RetentionBody = optionalBody(
  z.object({
    days: z.number().int().min(1).max(36_500).optional().describe('default: DGM_OOD_RETENTION_DAYS'),
    dryRun: z.boolean().default(false),
  }),
);

export const RetentionSchema = z.object({
  days: z.number(),
  dryRun: z.boolean(),
  sweeps: z.array(z.object({ id: z.string(), name: z.string(), kind: KindSchema, finishedAt: z.string() })),
  kept: z.array(z.object({ id: z.string(), name: z.string(), neededBy: z.array(z.string()) })),
  skipped: z.array(z.object({ id: z.string(), name: z.string(), reason: z.string() })),
});

export const GarbageBody = optionalBody(
  z.object({
    dryRun: z.boolean().default(false),
    graceMinutes: z.number().int().min(0).max(525_600).default(60).describe('only what has not changed for this long is removed'),
  }),
);

const sized = <T extends z.ZodTypeAny>(item: T) => z.object({ count: z.number(), bytes: z.number(), items: z.array(item) });

export const GarbageSchema = z.object({
  dryRun: z.boolean(),
  graceMinutes: z.number(),
  largeObjects: sized(z.object({ oid: z.number(), bytes: z.number() })),
  workdirs: sized(z.object({ key: z.string(), bytes: z.number() })),
  queueEntries: z.object({ count: z.number() }),
  recent: z.object({ largeObjects: z.number(), workdirs: z.number() }),
  removed: z.object({ largeObjects: z.number(), workdirs: z.number(), queueEntries: z.number() }),
  failed: z.array(z.object({ path: z.string(), error: z.string() })),
});
