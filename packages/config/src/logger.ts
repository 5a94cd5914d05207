import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { loadSetting } from './env.js';

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
  // Unless the entry point passed them from loadConfig: LOG_LEVEL and NODE_ENV validated the same way.
  const level = options.level ?? loadSetting('LOG_LEVEL');
  const usePretty = options.pretty ?? (process.stderr.isTTY === true && loadSetting('NODE_ENV') !== 'production');
  if (usePretty) {
    return pino({ name, level }, pretty({ destination: 2, sync: true, ignore: 'pid,hostname' }));
  }
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}
