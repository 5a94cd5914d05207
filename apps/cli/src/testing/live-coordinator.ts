/**
 * A coordinator listening on a free port over a throw-away database (apps/coordinator/src/testing/harness.ts),
 * optionally with a fixture worker running its jobs: what the remote commands' tests talk to over HTTP.
 */
import type { AppConfig } from '@dgm-ood/config';
import {
  createCoordinatorHarness, startFixtureWorker, waitForSweep, type CoordinatorHarness,
} from '../../../coordinator/src/testing/harness.js';

export interface LiveCoordinator {
  harness: CoordinatorHarness;
  url: string;
  /** Polls the sweep until `done` holds (the harness's own loop, no CLI involved). */
  waitFor(sweepId: string, done: (sweep: { status: string; counts: Record<string, number> }) => boolean): Promise<unknown>;
  close(): Promise<void>;
}

/** Polling as fast as a test wants it; restored by close(). */
const TEST_POLL_MS = '100';

/** `config`: coordinator settings over the harness's (e.g. a temporary `modelDir` for commands that touch it). */
export async function startLiveCoordinator(options: { worker?: boolean; config?: Partial<AppConfig> } = {}): Promise<LiveCoordinator> {
  const harness = await createCoordinatorHarness(options.config);
  const url = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const worker = options.worker === false ? undefined : await startFixtureWorker(harness);
  const savedPoll = process.env.DGM_OOD_POLL_MS;
  process.env.DGM_OOD_POLL_MS = TEST_POLL_MS;
  return {
    harness,
    url,
    waitFor: (sweepId, done) => waitForSweep(harness, sweepId, done),
    async close() {
      if (savedPoll === undefined) delete process.env.DGM_OOD_POLL_MS;
      else process.env.DGM_OOD_POLL_MS = savedPoll;
      await worker?.close();
      await harness.close();
    },
  };
}
