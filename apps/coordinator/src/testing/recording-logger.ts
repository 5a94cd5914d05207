import type { Logger } from '@dgm-ood/config';

/** A logger that keeps what is logged at info and warn (Fastify's request loggers are its children), for audit tests. */
export function recordingLogger(lines: Record<string, unknown>[]): Logger {
  const record = (data: unknown, msg?: string) => lines.push({ ...(typeof data === 'object' ? data : { data }), msg });
  const logger = {
    level: 'info',
    info: record,
    warn: record,
    error() {}, debug() {}, trace() {}, fatal() {}, silent() {},
    child: (bindings: Record<string, unknown>) => ({ ...logger, info: (data: unknown, msg?: string) => record({ ...bindings, ...(typeof data === 'object' ? data : { data }) }, msg) }),
  };
  return logger as unknown as Logger;
}
