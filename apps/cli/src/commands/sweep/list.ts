/**
 * `dgm-ood sweep list [--page N] [--page-size N] [--json]`: the coordinator's sweeps, newest first — id, name,
 * kind, status, job counts per state, progress, start time and elapsed time.
 */
import { EXIT } from '../../io.js';
import type { Page, SweepSummary } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';
import { countsText, elapsedMs, formatDuration, formatTime, fractionText, textTable } from '../../remote/format.js';

const positiveInt = (v: string | undefined, fallback: number): number | undefined => {
  if (v === undefined) return fallback;
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
};

export const listSubcommand: RemoteSubcommand = {
  name: 'list',
  synopsis: '[--page N] [--page-size N] [--json]',
  summary: 'list sweeps, newest first: id, name, kind, status, job counts per state, progress, started, elapsed',
  positionals: [],
  booleans: ['--json'],
  values: ['--page', '--page-size'],
  async run(ctx: RemoteContext): Promise<number> {
    const { io, coordinator, label } = ctx;
    const page = positiveInt(ctx.flag('--page'), 1);
    const pageSize = positiveInt(ctx.flag('--page-size'), 20);
    if (page === undefined || pageSize === undefined || pageSize > 1000) {
      io.stderr(`${label}: --page must be a positive integer and --page-size one from 1 to 1000\n`);
      return EXIT.usage;
    }
    const listed = await coordinator.json<Page<SweepSummary>>('GET', '/sweeps', { query: { page, pageSize } });
    const rows = listed.items.map((s) => {
      const finished = s.counts.succeeded + s.counts.failed + s.counts.cancelled;
      return { ...s, progress: { finished, total: s.jobCount, fraction: s.jobCount ? finished / s.jobCount : 1 }, elapsedMs: elapsedMs(s.startedAt, s.finishedAt) };
    });
    if (ctx.has('--json')) {
      io.stdout(`${JSON.stringify({ items: rows, total: listed.total, page: listed.page, pageSize: listed.pageSize }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (rows.length === 0) {
      io.stdout(listed.total === 0 ? `no sweeps at ${coordinator.url}\n` : `no sweeps on page ${page} (${listed.total} in all)\n`);
      return EXIT.ok;
    }
    const table = textTable(
      ['id', 'name', 'kind', 'status', 'jobs', 'progress', 'started', 'elapsed'],
      rows.map((s) => [s.id, s.name, s.kind, s.status, countsText(s.counts), fractionText(s.progress.finished, s.progress.total), formatTime(s.startedAt), formatDuration(s.elapsedMs)]),
    );
    const first = (listed.page - 1) * listed.pageSize + 1;
    const last = first + rows.length - 1;
    const more = last < listed.total ? `; --page ${listed.page + 1} for more` : '';
    io.stdout(`${table}\nsweeps ${first}–${last} of ${listed.total}${more}\n`);
    return EXIT.ok;
  },
};
