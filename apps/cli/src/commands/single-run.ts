/**
 * `dgm-ood train|ood --config FILE [--set PATH=VALUE]… [--name NAME] [--out DIR] [--local] [--handlers M1,M2]`: runs
 * one concrete config (the reference's `configurations/**.yaml`) in this process with the handlers a worker would
 * use, a progress bar, and no Redis; recorded in PostgreSQL as a one-job sweep when it is reachable, and written to
 * a local results directory. Ctrl-C checkpoints and stops; the same command again resumes. See docs/single-runs.md.
 */
import { isAbsolute, resolve } from 'node:path';
import type { JobKind } from '@dgm-ood/jobs';
import { loadSetting } from '@dgm-ood/config';
import { DEFAULT_HANDLER_MODULES } from '@dgm-ood/worker';
import { parseArgs, type Command } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { parseOverride, type Override } from '../single-run/config-file.js';
import { runSingle } from '../single-run/run-single.js';

const usage = (kind: JobKind) =>
  `dgm-ood ${kind} --config FILE [--set PATH=VALUE]... [--name NAME] [--out DIR] [--local] [--handlers M1,M2]`;

/** `--set` repeats, which parseArgs (one value per flag) does not do: taken out first. */
function takeOverrides(args: readonly string[]): { rest: string[]; sets: string[] } | { error: string } {
  const rest: string[] = [];
  const sets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a === '--set') {
      const value = args[++i];
      if (value === undefined) return { error: '--set needs PATH=VALUE' };
      sets.push(value);
    } else if (a.startsWith('--set=')) sets.push(a.slice('--set='.length));
    else rest.push(a);
  }
  return { rest, sets };
}

/** Relative module paths are relative to where the user typed the command; package names stay as they are. */
function handlerModules(flag: string | undefined, invokingDir: string): string[] {
  const named = flag?.split(',').map((m) => m.trim()).filter(Boolean) ?? loadSetting('DGM_OOD_HANDLERS', { cwd: invokingDir }) ?? DEFAULT_HANDLER_MODULES;
  return named.map((m) => (m.startsWith('.') || isAbsolute(m) ? resolve(invokingDir, m) : m));
}

function singleRunCommand(kind: JobKind): Command {
  const USAGE = usage(kind);
  return {
    name: kind,
    summary:
      kind === 'train'
        ? 'train one model from a concrete config (reference configurations/training/**.yaml) here, with a progress bar; no Redis'
        : 'run one OOD detection config (reference configurations/ood/**.yaml) here, with a progress bar; no Redis',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const fail = (message: string) => {
        io.stderr(`dgm-ood ${kind}: ${message}\nusage: ${USAGE}\n`);
        return EXIT.usage;
      };
      const taken = takeOverrides(args);
      if ('error' in taken) return fail(taken.error);
      const parsed = parseArgs(taken.rest, { booleans: ['--local'], values: ['--config', '--name', '--out', '--handlers'] });
      if ('error' in parsed) return fail(parsed.error);
      const flag = (name: string) => {
        const v = parsed.flags.get(name);
        return typeof v === 'string' ? v : undefined;
      };
      const configFile = flag('--config') ?? parsed.positionals[0];
      if (configFile === undefined || parsed.positionals.length > (flag('--config') ? 0 : 1)) return fail('one config file is needed: --config FILE');
      const overrides: Override[] = [];
      for (const text of taken.sets) {
        const o = parseOverride(text);
        if ('error' in o) return fail(o.error);
        overrides.push(o);
      }
      if (flag('--name') === '') return fail('--name must not be empty');
      // pnpm runs scripts from the workspace root; INIT_CWD is where the user typed the command.
      const invokingDir = process.env.INIT_CWD ?? process.cwd();
      let modules: string[];
      try {
        modules = handlerModules(flag('--handlers'), invokingDir);
      } catch (error) {
        return fail((error as Error).message);
      }
      if (modules.length === 0) return fail('--handlers must name at least one module');

      // Ctrl-C: the handler is told to checkpoint and stop ('shutdown', as a worker's SIGTERM); a second one exits at once.
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(EXIT.interrupted);
        io.stderr(`\ndgm-ood ${kind}: stopping — the handler saves its checkpoint (Ctrl-C again to quit at once)\n`);
        controller.abort('shutdown');
      };
      process.on('SIGINT', onSigint);
      try {
        return await runSingle(io, {
          kind,
          configFile,
          overrides,
          overrideTexts: taken.sets,
          ...(flag('--name') !== undefined ? { name: flag('--name')! } : {}),
          local: parsed.flags.has('--local'),
          ...(flag('--out') !== undefined ? { out: flag('--out')! } : {}),
          handlerModules: modules,
          invokingDir,
          signal: controller.signal,
        });
      } finally {
        process.off('SIGINT', onSigint);
      }
    },
  };
}

export const trainCommand = singleRunCommand('train');
export const oodCommand = singleRunCommand('ood');
