import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** Force JSON (production) or pretty output; default: pretty when stderr is a terminal. */
  pretty?: boolean;
}

/**
 * One logger per process. JSON lines in production or when piped; human-readable in a terminal.
 * Logs go to stderr so that commands can print results on stdout.
 */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const usePretty =
    options.pretty ?? (process.stderr.isTTY === true && process.env.NODE_ENV !== 'production');
  if (usePretty) {
    return pino({ name, level }, pretty({ destination: 2, sync: true, ignore: 'pid,hostname' }));
  }
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}
