/** `dgm-ood sweep cancel SWEEP`: POST /sweeps/:id/cancel — queued jobs are dropped, running ones are stopped by their workers. */
import { EXIT } from '../../io.js';
import { resolveSweepId } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';

export const cancelSubcommand: RemoteSubcommand = {
  name: 'cancel',
  synopsis: 'SWEEP',
  summary: 'cancel every unfinished job of a sweep: queued ones are dropped, running ones stopped',
  positionals: ['SWEEP'],
  async run(ctx: RemoteContext): Promise<number> {
    const id = await resolveSweepId(ctx.coordinator, ctx.args[0]!);
    const { cancelled, stopping } = await ctx.coordinator.json<{ cancelled: number; stopping: number }>('POST', `/sweeps/${id}/cancel`);
    ctx.io.stdout(
      cancelled === 0
        ? `sweep ${id} has no unfinished jobs: nothing cancelled\n`
        : `cancelled ${cancelled} job${cancelled === 1 ? '' : 's'} of sweep ${id}${stopping ? ` (${stopping} running: their workers are stopping them)` : ''}\n`,
    );
    return EXIT.ok;
  },
};
