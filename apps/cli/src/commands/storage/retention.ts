/** `dgm-ood storage retention`: POST /storage/retention — delete the sweeps finished more than N days ago, now. */
import { EXIT } from '../../io.js';
import type { RetentionRun } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';
import { formatTime, textTable } from '../../remote/format.js';
import { confirmation } from '../../remote/confirmation.js';

export function retentionText(run: RetentionRun): string {
  const lines = [
    run.sweeps.length > 0 ? textTable(['sweep', 'id', 'finished'], run.sweeps.map((s) => [s.name, s.id, formatTime(s.finishedAt)])).trimEnd() : undefined,
    `${run.dryRun ? 'would delete' : 'deleted'} ${run.sweeps.length} sweep${run.sweeps.length === 1 ? '' : 's'} finished more than ${run.days} days ago`,
    ...run.kept.map((k) => `kept ${k.name} (${k.id}): sweeps that are not expired depend on it (${k.neededBy.join(', ')})`),
    ...run.skipped.map((s) => `skipped ${s.name} (${s.id}): ${s.reason}`),
  ];
  return `${lines.filter((line) => line !== undefined).join('\n')}\n`;
}

export const retentionSubcommand: RemoteSubcommand = {
  name: 'retention',
  synopsis: '[--days N] [--dry-run | --yes]',
  summary: 'delete the sweeps finished more than N days ago (default: the coordinator\'s DGM_OOD_RETENTION_DAYS); without --yes, only lists them',
  positionals: [],
  booleans: ['--dry-run', '--yes'],
  values: ['--days'],
  async run(ctx: RemoteContext): Promise<number> {
    const raw = ctx.flag('--days');
    if (raw !== undefined && !(/^\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 36_500)) {
      ctx.io.stderr(`${ctx.label}: --days must be a whole number from 1 to 36500, not ${JSON.stringify(raw)}\n`);
      return EXIT.usage;
    }
    const confirm = confirmation(ctx, 'delete');
    const body = { dryRun: !confirm.confirmed, ...(raw !== undefined ? { days: Number(raw) } : {}) };
    const result = await ctx.coordinator.json<RetentionRun>('POST', '/storage/retention', { body });
    ctx.io.stdout(retentionText(result));
    return confirm.finish(result.sweeps.length > 0);
  },
};
