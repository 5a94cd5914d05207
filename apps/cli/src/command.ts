/** The shape every CLI command has; add a command by adding one to `commands/index.ts`. */
import type { CliIo } from './io.js';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Printed for `dgm-ood <command> --help` instead of the usage line (commands with subcommands). */
  help?: string;
  run(args: readonly string[], io: CliIo): Promise<number> | number;
}

/** Minimal flag parser: `--flag`, `--opt value`, `--opt=value`, positionals. Unknown flags are errors. */
export function parseArgs(
  args: readonly string[],
  spec: { booleans: readonly string[]; values: readonly string[] },
): { flags: Map<string, string | true>; positionals: string[] } | { error: string } {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (spec.booleans.includes(name)) {
      if (inline !== undefined) return { error: `${name} takes no value` };
      flags.set(name, true);
    } else if (spec.values.includes(name)) {
      const v = inline ?? args[++i];
      if (v === undefined) return { error: `${name} needs a value` };
      flags.set(name, v);
    } else {
      return { error: `unknown option ${name}` };
    }
  }
  return { flags, positionals };
}
