export { BACKENDS, envSchema, findWorkspaceRoot, loadConfig, loadSetting, redactUrl } from './env.js';
export type { AppConfig, BackendChoice, EnvSettings, LoadConfigOptions, RateLimitSettings } from './env.js';
export { clientApiToken, MIN_TOKEN_LENGTH, parseApiTokens } from './api-tokens.js';
export type { ApiToken } from './api-tokens.js';
export {
  CodedError, ConfigInvalidError, createError, deterministicError, isDeterministic, isUserFacingError, ServiceUnavailableError,
} from './errors.js';
export type { DeterministicFailure } from './errors.js';
export { createLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { runMain } from './main.js';
export { stopWhenOrphaned } from './orphan-watch.js';
export type { OrphanWatchOptions } from './orphan-watch.js';
