/** `dgm-ood storage gc`: POST /storage/gc — orphaned large objects, working directories and queue entries, listed with their bytes or removed. */
import { EXIT } from '../../io.js';
import type { GarbageCollection } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';
import { bytesText, plural, textTable } from '../../remote/format.js';
import { confirmation, graceMinutes } from '../../remote/confirmation.js';

export function garbageText(gc: GarbageCollection): string {
  const rows = [
    ...gc.largeObjects.items.map((o) => ['large object', String(o.oid), bytesText(o.bytes)]),
    ...gc.workdirs.items.map((w) => ['directory', w.key, bytesText(w.bytes)]),
  ];
  const total = gc.largeObjects.bytes + gc.workdirs.bytes;
  const objects = (n: number) => plural(n, 'large object');
  const directories = (n: number) => plural(n, 'working directory', 'working directories');
  const found = `${objects(gc.largeObjects.count)} and ${directories(gc.workdirs.count)} (${bytesText(total)}), ${plural(gc.queueEntries.count, 'queue entry', 'queue entries')}`;
  const lines = [
    rows.length > 0 ? textTable(['orphan', 'what', 'size'], rows).trimEnd() : undefined,
    gc.largeObjects.count + gc.workdirs.count > rows.length ? `(${gc.largeObjects.count + gc.workdirs.count - rows.length} more not listed)` : undefined,
    gc.dryRun
      ? `would remove ${found}`
      : `removed ${objects(gc.removed.largeObjects)}, ${directories(gc.removed.workdirs)} and ${plural(gc.removed.queueEntries, 'queue entry', 'queue entries')} (found ${found})`,
    gc.recent.largeObjects + gc.recent.workdirs > 0
      ? `left alone: ${objects(gc.recent.largeObjects)} and ${directories(gc.recent.workdirs)} changed within the last ${gc.graceMinutes} minutes (--grace)`
      : undefined,
    ...gc.failed.map((f) => `could not remove ${f.path}: ${f.error}`),
  ];
  return `${lines.filter((line) => line !== undefined).join('\n')}\n`;
}

export const gcSubcommand: RemoteSubcommand = {
  name: 'gc',
  synopsis: '[--grace MINUTES] [--dry-run | --yes]',
  summary: 'remove orphaned artifacts (large objects no artifact names, directories no job uses); without --yes, only lists them',
  positionals: [],
  booleans: ['--dry-run', '--yes'],
  values: ['--grace'],
  async run(ctx: RemoteContext): Promise<number> {
    const grace = graceMinutes(ctx);
    if (typeof grace !== 'number') {
      ctx.io.stderr(`${ctx.label}: ${grace.error}\n`);
      return EXIT.usage;
    }
    const confirm = confirmation(ctx);
    const result = await ctx.coordinator.json<GarbageCollection>('POST', '/storage/gc', { body: { dryRun: !confirm.confirmed, graceMinutes: grace } });
    ctx.io.stdout(garbageText(result));
    return confirm.finish(result.largeObjects.count + result.workdirs.count + result.queueEntries.count > 0);
  },
};
