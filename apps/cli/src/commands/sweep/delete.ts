/**
 * `dgm-ood sweep delete SWEEP`: DELETE /sweeps/:id — the sweep with its jobs, results, evaluations and artifacts.
 * Irreversible, so without --yes it only says what would go (as --dry-run does) and exits 1.
 */
import { resolveSweepId, type SweepDeletion } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';
import { confirmation } from '../../remote/confirmation.js';
import { bytesText, plural } from '../../remote/format.js';

/** What a deletion removes (or would), in one paragraph. */
export function deletionText(d: SweepDeletion): string {
  const sweeps = d.sweeps.map((s) => `${s.name} (${s.id})`).join(', ');
  const what = [
    plural(d.jobs, 'job'), plural(d.results, 'result row'), plural(d.evaluations, 'evaluation'),
    `${plural(d.artifacts.count, 'artifact')} (${bytesText(d.artifacts.bytes)}: ${plural(d.largeObjects, 'large object')}, ${plural(d.workdirs, 'working directory', 'working directories')})`,
  ].join(', ');
  const cancel = d.cancelled > 0 ? `${d.deleted ? 'cancelled' : 'would cancel'} ${plural(d.cancelled, 'unfinished job')} first; ` : '';
  return `${d.deleted ? 'deleted' : 'would delete'} ${d.sweeps.length === 1 ? 'sweep' : 'sweeps'} ${sweeps}: ${cancel}${what}\n`;
}

export const deleteSubcommand: RemoteSubcommand = {
  name: 'delete',
  synopsis: 'SWEEP [--cancel] [--with-dependents] [--dry-run | --yes]',
  summary: 'delete a sweep and everything it stored (irreversible: without --yes, only shows what would go)',
  positionals: ['SWEEP'],
  booleans: ['--cancel', '--with-dependents', '--dry-run', '--yes'],
  async run(ctx: RemoteContext): Promise<number> {
    const id = await resolveSweepId(ctx.coordinator, ctx.args[0]!);
    const confirm = confirmation(ctx, 'delete');
    const query = { cancel: ctx.has('--cancel'), withDependents: ctx.has('--with-dependents'), dryRun: !confirm.confirmed };
    const result = await ctx.coordinator.json<SweepDeletion>('DELETE', `/sweeps/${id}`, { query });
    ctx.io.stdout(deletionText(result));
    if (result.leftBehind > 0) {
      ctx.io.stderr(`${ctx.label}: ${plural(result.leftBehind, 'file')} could not be removed (see the coordinator's log); dgm-ood storage gc removes them later\n`);
    }
    return confirm.finish(true);
  },
};
