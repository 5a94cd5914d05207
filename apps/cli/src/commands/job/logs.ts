/**
 * `dgm-ood job logs JOB [--follow]`: a job's log lines of all its attempts, oldest first, as
 * `time level [attempt N] message {data}`, read through GET /jobs/:id/logs pages (?after=). --follow keeps
 * polling (every DGM_OOD_POLL_MS, 1 s) until the job is in a final state and no new line came; it then exits
 * with the job's outcome (0 succeeded, 5 failed or cancelled).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT } from '../../io.js';
import { FINAL_JOB_STATES, isUuid, type JobDetail, type LogLine } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';

const PAGE_LINES = 500;

export function formatLogLine(line: LogLine): string {
  const hasData = line.data !== null && line.data !== undefined && !(typeof line.data === 'object' && Object.keys(line.data).length === 0);
  return `${line.createdAt} ${line.level.padEnd(5)} [attempt ${line.attempt}] ${line.message}${hasData ? ` ${JSON.stringify(line.data)}` : ''}`;
}

export const logsSubcommand: RemoteSubcommand = {
  name: 'logs',
  synopsis: 'JOB [--follow]',
  summary: "print a job's log lines (all attempts); --follow keeps printing new ones until the job has finished",
  positionals: ['JOB'],
  booleans: ['--follow'],
  async run(ctx: RemoteContext): Promise<number> {
    const { io, coordinator, label } = ctx;
    const id = ctx.args[0]!;
    if (!isUuid(id)) {
      // Run names are not unique; `dgm-ood sweep show SWEEP --json` lists the job ids.
      io.stderr(`${label}: ${id} is not a job id (a UUID; dgm-ood sweep show SWEEP --json lists them)\n`);
      return EXIT.invalidInput;
    }
    const follow = ctx.has('--follow');
    let after = 0;
    const printNewLines = async (): Promise<number> => {
      let printed = 0;
      for (;;) {
        const { items } = await coordinator.json<{ items: LogLine[] }>('GET', `/jobs/${id}/logs`, { query: { after, limit: PAGE_LINES } });
        if (items.length > 0) io.stdout(`${items.map(formatLogLine).join('\n')}\n`);
        printed += items.length;
        if (items.length > 0) after = items[items.length - 1]!.id;
        if (items.length < PAGE_LINES) return printed;
      }
    };
    for (;;) {
      // The state is read before the lines: a job writes its lines before it finishes, so once it was final
      // before a read that found nothing new, there is nothing more to come.
      const state = follow ? (await coordinator.json<JobDetail>('GET', `/jobs/${id}`)).state : undefined;
      const printed = await printNewLines();
      if (!follow) return EXIT.ok;
      if (state !== undefined && FINAL_JOB_STATES.has(state) && printed === 0) {
        io.stderr(`${label}: job ${id} ${state}\n`);
        return state === 'succeeded' ? EXIT.ok : EXIT.jobsFailed;
      }
      await sleep(ctx.pollMs);
    }
  },
};
