export { largeObjectOid } from './large-objects.js';
export { existingWorkdirs, isManagedWorkdirKey } from './workdirs.js';
export {
  cleanUpAfterDeletion, deleteSweeps, planSweepDeletion, SweepActiveError, SweepHasDependentsError,
  type CleanupOutcome, type SweepDeletion, type SweepDeletionOptions, type SweepDeletionReport,
} from './sweep-deletion.js';
export { expiredSweeps, type ExpiredSweep, type RetentionPlan } from './retention.js';
export { findOrphans, removeOrphans, type OrphanRemoval, type Orphans, type OrphanSearch } from './orphans.js';
export { orphanedQueueEntries, removeQueueEntries } from './queue-orphans.js';
