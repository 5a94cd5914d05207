/** `dgm-ood sweep retry-failed SWEEP`: POST /sweeps/:id/retry-failed — the failed jobs run again, with a fresh attempt budget. */
import { EXIT } from '../../io.js';
import { resolveSweepId } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';

export const retryFailedSubcommand: RemoteSubcommand = {
  name: 'retry-failed',
  synopsis: 'SWEEP',
  summary: 'run the failed jobs of a sweep again (only those), with a fresh attempt budget',
  positionals: ['SWEEP'],
  async run(ctx: RemoteContext): Promise<number> {
    const id = await resolveSweepId(ctx.coordinator, ctx.args[0]!);
    const { requeued } = await ctx.coordinator.json<{ requeued: number }>('POST', `/sweeps/${id}/retry-failed`);
    ctx.io.stdout(requeued === 0 ? `sweep ${id} has no failed jobs: nothing requeued\n` : `requeued ${requeued} failed job${requeued === 1 ? '' : 's'} of sweep ${id}\n`);
    return EXIT.ok;
  },
};
