/** The subset of a pino logger the engine uses; pass the process's logger (`createLogger` of @dgm-ood/config). */
export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Used when no logger is given: one line per event on stderr, so a choice of backend is never silent. */
export const stderrLogger: EngineLogger = {
  info: (obj, msg) => process.stderr.write(`[engine] ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  warn: (obj, msg) => process.stderr.write(`[engine] warning: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
};

export const silentLogger: EngineLogger = { info: () => {}, warn: () => {} };
