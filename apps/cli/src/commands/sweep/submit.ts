/**
 * `dgm-ood sweep submit FILE [--kind train|ood] [--name NAME] [--max-attempts N] [--wait]`: POST /sweeps with the
 * meta-configuration (YAML, or JSON by the file's extension) in the route's JSON envelope; prints the sweep id and
 * its job count. `--wait` follows the sweep to its end and prints its summary and results.
 */
import { randomUUID } from 'node:crypto';
import { EXIT } from '../../io.js';
import { CoordinatorUnreachableError } from '../../remote/coordinator.js';
import type { Submission } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';
import { printFinishedSweep, waitForSweep } from './wait.js';

export const submitSubcommand: RemoteSubcommand = {
  name: 'submit',
  synopsis: 'FILE [--kind train|ood] [--name NAME] [--max-attempts N] [--idempotency-key KEY] [--wait]',
  summary: 'submit a meta-configuration; with --wait, show live progress and end with the evaluation table (ood) or the jobs (train)',
  positionals: ['FILE'],
  booleans: ['--wait'],
  values: ['--kind', '--name', '--max-attempts', '--idempotency-key'],
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
    // One key per submission (or the caller's): a POST whose answer was lost is sent again and cannot create a
    // second sweep; the coordinator answers with the first one.
    const headers = { 'idempotency-key': ctx.flag('--idempotency-key') ?? randomUUID() };
    const created = await postWithRetries(() => ctx.coordinator.json<Submission>('POST', '/sweeps', { body, headers }), (reason, broken) =>
      io.stderr(`${label}: ${broken ? 'the connection broke' : 'no answer'} (${reason}); sending the same submission again\n`),
    );
    const parts = [`${created.queued} queued`, `${created.waiting} waiting for their models`, ...(created.failed ? [`${created.failed} failed at submission`] : [])];
    io.stdout(`submitted sweep ${created.name} (${created.id}): ${created.jobCount} ${created.kind} job${created.jobCount === 1 ? '' : 's'} (${parts.join(', ')})\n`);
    for (const w of created.warnings ?? []) io.stdout(`warning: ${w}\n`);
    if (!ctx.has('--wait') || created.id === null) return EXIT.ok;
    const finished = await waitForSweep(ctx, created.id);
    return printFinishedSweep(ctx, finished);
  },
};

/** Connection failures after which the request may have reached the coordinator: worth sending again (same key). */
const BROKEN_MID_REQUEST = /ECONNRESET|EPIPE|UND_ERR_SOCKET|socket|closed|terminated/i;

/**
 * Sends the POST; after a broken connection, sends it again with the same key until the coordinator answers. A
 * coordinator killed mid-POST refuses connections until it has restarted, so from then on any unreachable coordinator
 * is waited for (about half a minute in all). Before any request may have arrived, an unreachable coordinator fails
 * at once.
 */
async function postWithRetries<T>(
  post: () => Promise<T>,
  /** `broken`: this failure broke a request that may have arrived; else the coordinator did not answer at all. */
  onRetry: (reason: string, broken: boolean) => void,
  delaysMs = [1000, 2000, 4000, 8000, 15_000],
): Promise<T> {
  let mayHaveArrived = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await post();
    } catch (error) {
      if (!(error instanceof CoordinatorUnreachableError)) throw error;
      const broken = BROKEN_MID_REQUEST.test(error.reason);
      mayHaveArrived ||= broken;
      if (!mayHaveArrived || attempt >= delaysMs.length) throw error;
      onRetry(error.reason, broken);
      await new Promise((r) => setTimeout(r, delaysMs[attempt]));
    }
  }
}
