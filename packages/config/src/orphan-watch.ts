/**
 * Stops a long-running service whose parent went away. `pnpm coordinator` runs `pnpm → sh → node`; a SIGTERM to
 * pnpm ends pnpm and the shell but is not passed on, so node kept serving as an orphan. Re-parenting is what an
 * orphan can see: when the parent process id changes, the service gets the SIGTERM it should have had, and stops
 * the way it always does (checkpoint, requeue, close).
 */
export interface OrphanWatchOptions {
  /** How often the parent is checked (ms). */
  intervalMs?: number;
  /** Reads the parent's process id (injectable for tests). */
  parentPid?: () => number;
  /** What to do once orphaned (default: SIGTERM to this process). */
  onOrphaned?: (previousParent: number) => void;
}

/** Returns a function that stops watching. Does nothing for a process whose parent is already init (a container's PID 1). */
export function stopWhenOrphaned(options: OrphanWatchOptions = {}): () => void {
  const parentPid = options.parentPid ?? (() => process.ppid);
  const parent = parentPid();
  if (parent <= 1) return () => {};
  const onOrphaned = options.onOrphaned ?? (() => process.kill(process.pid, 'SIGTERM'));
  const timer = setInterval(() => {
    if (parentPid() === parent) return;
    clearInterval(timer);
    onOrphaned(parent);
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
