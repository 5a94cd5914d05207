/**
 * `dgm-ood sweep submit FILE [--kind train|ood] [--name NAME] [--max-attempts N] [--wait]`: POST /sweeps with the
 * meta-configuration (YAML, or JSON by the file's extension) in the route's JSON envelope; prints the sweep id and
 * its job count. `--wait` follows the sweep to its end and prints its summary and results.
 */
import { EXIT } from '../../io.js';
import type { Submission } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';
import { printFinishedSweep, waitForSweep } from './wait.js';

export const submitSubcommand: RemoteSubcommand = {
  name: 'submit',
  synopsis: 'FILE [--kind train|ood] [--name NAME] [--max-attempts N] [--wait]',
  summary: 'submit a meta-configuration; with --wait, show live progress and end with the evaluation table (ood) or the jobs (train)',
  positionals: ['FILE'],
  booleans: ['--wait'],
  values: ['--kind', '--name', '--max-attempts'],
  async run(ctx: RemoteContext): Promise<number> {
    const { io, label } = ctx;
    const file = ctx.args[0]!;
    const kind = ctx.flag('--kind');
    if (kind !== undefined && kind !== 'train' && kind !== 'ood') {
      io.stderr(`${label}: --kind must be train or ood, not ${kind}\n`);
      return EXIT.usage;
    }
    const maxAttemptsFlag = ctx.flag('--max-attempts');
    const maxAttempts = maxAttemptsFlag === undefined ? undefined : Number(maxAttemptsFlag);
    if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1 && maxAttempts <= 100)) {
      io.stderr(`${label}: --max-attempts must be an integer from 1 to 100, not ${maxAttemptsFlag}\n`);
      return EXIT.usage;
    }
    let source: string;
    try {
      source = io.readFile(file);
    } catch (error) {
      io.stderr(`${label}: cannot read ${file}: ${(error as Error).message}\n`);
      return EXIT.invalidInput;
    }
    const name = ctx.flag('--name');
    const body = {
      source,
      format: /\.json$/i.test(file) ? 'json' : 'yaml',
      // The coordinator names the sweep after the file when neither the file nor --name does, and locates errors in it.
      file,
      ...(kind ? { kind } : {}),
      ...(name ? { name } : {}),
      ...(maxAttempts ? { maxAttempts } : {}),
    };
    const created = await ctx.coordinator.json<Submission>('POST', '/sweeps', { body });
    const parts = [`${created.queued} queued`, `${created.waiting} waiting for their models`, ...(created.failed ? [`${created.failed} failed at submission`] : [])];
    io.stdout(`submitted sweep ${created.name} (${created.id}): ${created.jobCount} ${created.kind} job${created.jobCount === 1 ? '' : 's'} (${parts.join(', ')})\n`);
    for (const w of created.warnings ?? []) io.stdout(`warning: ${w}\n`);
    if (!ctx.has('--wait') || created.id === null) return EXIT.ok;
    const finished = await waitForSweep(ctx, created.id);
    return printFinishedSweep(ctx, finished);
  },
};
