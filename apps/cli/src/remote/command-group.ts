/**
 * A command whose subcommands talk to the coordinator (`dgm-ood sweep submit …`, `dgm-ood job logs …`): one
 * Command that parses each subcommand's options, finds the coordinator (--url, DGM_OOD_URL) and turns the
 * remote failures into their exit codes, so every subcommand reports them alike.
 */
import { parseArgs, type Command } from '../command.js';
import { EXIT, EXIT_CODES, type CliIo } from '../io.js';
import { coordinatorAt, DEFAULT_URL, describeRemoteFailure, type Coordinator } from './coordinator.js';

/** How often waiting commands poll the coordinator, unless DGM_OOD_POLL_MS says otherwise. */
export const DEFAULT_POLL_MS = 1000;

export interface RemoteContext {
  io: CliIo;
  coordinator: Coordinator;
  /** The positionals, named as in the subcommand's `positionals`. */
  args: string[];
  flag(name: string): string | undefined;
  has(name: string): boolean;
  pollMs: number;
  /** `dgm-ood sweep submit`: the prefix of this subcommand's messages. */
  label: string;
}

export interface RemoteSubcommand {
  name: string;
  /** Arguments and options after the subcommand's name, e.g. `FILE [--wait]`. */
  synopsis: string;
  summary: string;
  positionals: readonly string[];
  booleans?: readonly string[];
  values?: readonly string[];
  run(ctx: RemoteContext): Promise<number>;
}

function pollMsFrom(env: NodeJS.ProcessEnv): number | { error: string } {
  const raw = env.DGM_OOD_POLL_MS;
  if (raw === undefined || raw === '') return DEFAULT_POLL_MS;
  const ms = Number(raw);
  return Number.isInteger(ms) && ms > 0 ? ms : { error: `DGM_OOD_POLL_MS must be a positive integer (milliseconds), not ${JSON.stringify(raw)}` };
}

export function remoteCommandGroup(name: string, summary: string, subcommands: readonly RemoteSubcommand[]): Command {
  const usageOf = (s: RemoteSubcommand) => `dgm-ood ${name} ${s.name} ${s.synopsis} [--url URL]`.replace(/\s+/g, ' ');
  const usage = subcommands.map(usageOf).join('\n');
  const width = Math.max(...subcommands.map((s) => s.name.length));
  const help = [
    `usage: dgm-ood ${name} <subcommand> [options]`,
    '',
    'subcommands:',
    ...subcommands.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}\n  ${' '.repeat(width)}  ${usageOf(s)}`),
    '',
    'every subcommand:',
    `  --url URL              the coordinator's base URL (default: DGM_OOD_URL, else ${DEFAULT_URL})`,
    'environment:',
    '  DGM_OOD_URL            the coordinator URL when --url is not given',
    '  DGM_OOD_API_TOKEN      sent as "Authorization: Bearer <token>" when set',
    `  DGM_OOD_POLL_MS        how often --wait and --follow poll (default ${DEFAULT_POLL_MS})`,
    '',
    'exit codes:',
    ...EXIT_CODES.map((e) => `  ${String(e.code).padEnd(3)}  ${e.meaning}`),
    '',
  ].join('\n');

  return {
    name,
    summary,
    usage,
    help,
    async run(argv: readonly string[], io: CliIo): Promise<number> {
      const [subName, ...rest] = argv;
      if (subName === 'help') {
        io.stdout(help);
        return EXIT.ok;
      }
      const sub = subcommands.find((s) => s.name === subName);
      if (sub === undefined) {
        io.stderr(`${subName === undefined ? `dgm-ood ${name}: which subcommand?` : `dgm-ood ${name}: unknown subcommand '${subName}'`}\n\n${help}`);
        return EXIT.usage;
      }
      const label = `dgm-ood ${name} ${sub.name}`;
      const parsed = parseArgs(rest, { booleans: sub.booleans ?? [], values: ['--url', ...(sub.values ?? [])] });
      if ('error' in parsed || parsed.positionals.length !== sub.positionals.length) {
        const problem = 'error' in parsed ? parsed.error : `expected ${sub.positionals.join(' ') || 'no arguments'}`;
        io.stderr(`${label}: ${problem}\nusage: ${usageOf(sub)}\n`);
        return EXIT.usage;
      }
      const flag = (n: string) => {
        const v = parsed.flags.get(n);
        return typeof v === 'string' ? v : undefined;
      };
      const coordinator = coordinatorAt(flag('--url'));
      const pollMs = pollMsFrom(process.env);
      if ('error' in coordinator || typeof pollMs !== 'number') {
        io.stderr(`${label}: ${'error' in coordinator ? coordinator.error : (pollMs as { error: string }).error}\n`);
        return EXIT.usage;
      }
      try {
        return await sub.run({ io, coordinator, args: parsed.positionals, flag, has: (n) => parsed.flags.has(n), pollMs, label });
      } catch (error) {
        const failure = describeRemoteFailure(error);
        if (failure === undefined) throw error;
        io.stderr(`${label}: ${failure.message}\n`);
        return EXIT[failure.exit];
      }
    },
  };
}
