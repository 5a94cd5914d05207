/** Command dispatch of the `dgm-ood` workspace CLI. */
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, EXIT_CODES, type CliIo } from './io.js';

export function helpText(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const indent = `  ${' '.repeat(width)}  `;
  return [
    'usage: dgm-ood <command> [options]',
    '',
    'commands:',
    // A command with subcommands has a usage line per subcommand.
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n${indent}${c.usage.split('\n').join(`\n${indent}`)}`),
    '',
    'exit codes:',
    ...EXIT_CODES.map((e) => `  ${String(e.code).padEnd(3)}  ${e.meaning}`),
    '',
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(helpText(commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr(`dgm-ood: unknown command '${name}'\n\n${helpText(commands)}`);
    return EXIT.usage;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout(command.help ?? `usage: ${command.usage}\n`);
    return EXIT.ok;
  }
  return command.run(rest, io);
}
