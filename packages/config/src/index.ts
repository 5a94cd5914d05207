export { BACKENDS, envSchema, findWorkspaceRoot, loadConfig, redactUrl } from './env.js';
export type { AppConfig, BackendChoice, LoadConfigOptions } from './env.js';
export { ConfigInvalidError, createError, ServiceUnavailableError, isUserFacingError } from './errors.js';
export { createLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { runMain } from './main.js';
