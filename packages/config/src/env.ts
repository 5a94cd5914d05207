import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { allowedHostsOf, parseApiTokens, parseMetricsToken, type ApiToken } from './api-tokens.js';
import { ConfigInvalidError } from './errors.js';

export const BACKENDS = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function urlWithProtocols(variable: string, protocols: string[]) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `${variable} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL` },
  );
}

/** An integer in [min, max] written in decimal digits (e.g. `8080`; not `8e3`, `0x10` or `1.5`). */
function integer(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .trim()
    .regex(/^\d+$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
}

/** A comma-separated list of non-empty entries (blanks around commas ignored). */
function list() {
  return z
    .string()
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
    .refine((entries) => entries.length > 0, 'must name at least one entry (comma-separated)');
}

export const envSchema = z.object({
  DATABASE_URL: urlWithProtocols('DATABASE_URL', ['postgresql:', 'postgres:']).default(
    'postgresql://root@127.0.0.1:5432/root',
  ),
  REDIS_URL: urlWithProtocols('REDIS_URL', ['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  DATA_DIR: z.string().min(1).default('./data'),
  MODEL_DIR: z.string().min(1).default('./runs'),
  DGM_OOD_BACKEND: z.enum(BACKENDS).default('auto'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  DGM_OOD_ARTIFACT_STORE: z.enum(['directory', 'postgres']).default('directory'),
  DGM_OOD_QUEUE_PREFIX: z.string().regex(/^[\w-]+$/, 'DGM_OOD_QUEUE_PREFIX must be letters, digits, _ or -').default('dgm-ood'),
  /** The code version a worker records as provenance (e.g. `git describe --always --dirty` at deploy time). */
  DGM_OOD_CODE_VERSION: z.string().trim().min(1).optional(),
  PORT: integer(0, 65535).default(8080),
  /** Worker: serve Prometheus metrics on this port (`--metrics-port` wins); unset: none. */
  WORKER_METRICS_PORT: integer(0, 65535).optional(),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DGM_OOD_RECONCILE_MS: integer(100, 86_400_000).default(15_000),
  DGM_OOD_RECONCILE_GRACE_MS: integer(0, 86_400_000).default(30_000),
  DGM_OOD_RECONCILE_LOST_AFTER_MS: integer(1000, 86_400_000).default(60_000),
  DGM_OOD_HANDLERS: list().optional(),
  DGM_OOD_JACOBIAN_CHUNK: integer(1, 1_000_000).default(196),
  DGM_OOD_WASM_THREADS: integer(1, 64).optional(),
  /** Coordinator: the largest PyTorch checkpoint POST /models/import accepts, in bytes (default 8 GiB). */
  DGM_OOD_IMPORT_MAX_BYTES: integer(1, Number.MAX_SAFE_INTEGER).default(8 * 1024 ** 3),
  /** Coordinator: API tokens, checked (and never echoed) by api-tokens.ts. */
  DGM_OOD_API_TOKEN: z.string().optional(),
  DGM_OOD_API_TOKEN_FILE: z.string().trim().min(1).optional(),
  DGM_OOD_METRICS_TOKEN: z.string().optional(),
  DGM_OOD_ALLOWED_HOSTS: list().optional(),
  /** Coordinator: delete sweeps finished more than this many days ago (hourly); unset: keep everything. */
  DGM_OOD_RETENTION_DAYS: integer(1, 36_500).optional(),
  /** Coordinator: what one meta-configuration's expansion may spend: dy__eval steps (all jobs together), and time. */
  DGM_OOD_EXPANSION_MAX_STEPS: integer(1, Number.MAX_SAFE_INTEGER).default(200_000_000),
  DGM_OOD_EXPANSION_DEADLINE_MS: integer(1, 3_600_000).default(30_000),
  /** Coordinator: requests per token (per client IP without auth) and window; `0` turns rate limiting off. */
  DGM_OOD_RATE_LIMIT_MAX: integer(0, 1_000_000).default(1200),
  DGM_OOD_RATE_LIMIT_SUBMIT_MAX: integer(1, 1_000_000).default(30),
  DGM_OOD_RATE_LIMIT_WINDOW_MS: integer(1000, 86_400_000).default(60_000),
  /** Worker: how often it refreshes its heartbeat row; coordinator: a worker unseen for 3 intervals is gone. */
  DGM_OOD_WORKER_HEARTBEAT_MS: integer(100, 3_600_000).default(15_000),
  /** Engine: the engine's own WebGPU kernels on the webgpu backend (`off`: stock tfjs-webgpu, e.g. to compare). */
  DGM_OOD_OWN_WEBGPU_KERNELS: z.enum(['on', 'off']).default('on'),
  /** Engine: the GEMM behind matMul and conv2d on webgpu: auto, stock (tfjs's programs) or one of the engine's tilings. */
  DGM_OOD_WEBGPU_GEMM: z
    .enum(['auto', 'stock', 'large', 'wide', 'tall', 'small', 'large-prefetch', 'wide-prefetch', 'tall-prefetch', 'small-prefetch'])
    .default('auto'),
  /** Worker: the device class it advertises, overriding the one its backend gives (gpu, cpu). */
  DGM_OOD_WORKER_DEVICE: z.enum(['gpu', 'cpu']).optional(),
  /** Worker: the memory it advertises in GiB (device memory for gpu, host memory for cpu), overriding what it detects. */
  DGM_OOD_WORKER_MEMORY_GIB: z
    .string()
    .trim()
    .regex(/^\d+(\.\d{1,2})?$/, 'must be a number of GiB with at most two decimals (e.g. 16 or 7.5)')
    .transform(Number)
    .refine((n) => n > 0 && n <= 4096, 'must be greater than 0 and at most 4096 GiB')
    .optional(),
  NODE_ENV: z.string().optional(),
});

/** The validated value of every variable (defaults applied), by variable name. */
export type EnvSettings = z.output<typeof envSchema>;

export interface AppConfig {
  databaseUrl: string;
  redisUrl: string;
  /** Absolute path; a relative DATA_DIR is resolved against the workspace root (or the cwd outside one). */
  dataDir: string;
  modelDir: string;
  backend: BackendChoice;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Where job artifacts live: `directory` (MODEL_DIR; one machine or a shared filesystem) or `postgres`. */
  artifactStore: 'directory' | 'postgres';
  /** BullMQ key prefix (separates deployments sharing one Redis). */
  queuePrefix: string;
  production: boolean;
  /**
   * The code version to record with every job (DGM_OOD_CODE_VERSION); unset: the worker asks git.
   * A value ending in `-dirty` (git describe --dirty) marks a modified tree.
   */
  codeVersion?: string;
  /** Coordinator: the port (PORT) and interface (HOST) it listens on. */
  port: number;
  host: string;
  /** Worker: the port of its Prometheus metrics (WORKER_METRICS_PORT; `--metrics-port` wins); unset: none. */
  workerMetricsPort?: number;
  /** Coordinator: how often it reconciles Postgres with the queues and evaluates finished sweeps. */
  reconcileMs: number;
  /** Coordinator: a queued job Redis does not hold is enqueued again once untouched this long (a fresh submission is not raced). */
  reconcileGraceMs: number;
  /** Coordinator: a running job that no worker and no queue holds is requeued once untouched this long (its worker died while Redis lost it). */
  reconcileLostAfterMs: number;
  /** Worker: the handler modules it loads (DGM_OOD_HANDLERS; `--handlers` wins); unset: the built-in list. */
  handlerModules?: string[];
  /** Rows (copies of a point) per reverse pass of the autodiff decoder Jacobian: memory vs. per-pass overhead. */
  jacobianChunkRows: number;
  /** Threads of the wasm backend's large convolutions (DGM_OOD_WASM_THREADS); unset: the engine's default. */
  wasmThreads?: number;
  /** Coordinator: the size limit of a PyTorch checkpoint upload (DGM_OOD_IMPORT_MAX_BYTES). */
  importMaxBytes: number;
  /** Coordinator: the tokens a request may carry (DGM_OOD_API_TOKEN, DGM_OOD_API_TOKEN_FILE); none: auth off, loopback only. */
  apiTokens: ApiToken[];
  /** Coordinator: the token GET /metrics requires (DGM_OOD_METRICS_TOKEN); unset: /metrics is open. */
  metricsToken?: string;
  /** Coordinator: host names its Host header may carry (DGM_OOD_ALLOWED_HOSTS; `*`: any). */
  allowedHosts: string[];
  /** Coordinator: sweeps finished more than this many days ago are deleted, hourly (DGM_OOD_RETENTION_DAYS); unset: never. */
  retentionDays?: number;
  /** Coordinator: dy__eval steps one expansion may run, over all its jobs (DGM_OOD_EXPANSION_MAX_STEPS). */
  expansionMaxSteps: number;
  /** Coordinator: how long one expansion may run in its thread (DGM_OOD_EXPANSION_DEADLINE_MS). */
  expansionDeadlineMs: number;
  /** Coordinator: requests per token and window (DGM_OOD_RATE_LIMIT_*); unset: no rate limits. */
  rateLimit?: RateLimitSettings;
  /** Worker: its heartbeat interval; coordinator: workers unseen for 3 intervals count as gone (DGM_OOD_WORKER_HEARTBEAT_MS). */
  workerHeartbeatMs: number;
  /** Worker: advertised device class and memory in GiB, overriding detection (DGM_OOD_WORKER_DEVICE, DGM_OOD_WORKER_MEMORY_GIB). */
  workerDevice?: 'gpu' | 'cpu';
  workerMemoryGib?: number;
  /** The .env file that contributed values, if any. */
  envFile?: string;
}

export interface RateLimitSettings {
  /** Requests per window, any route but /healthz and /metrics. */
  max: number;
  /** POST /sweeps per window (each may expand and store up to 100,000 jobs). */
  submitMax: number;
  windowMs: number;
}

/** The nearest ancestor of `from` holding pnpm-workspace.yaml, else undefined. */
export function findWorkspaceRoot(from: string = process.cwd()): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Explicit .env path; default: `.env` in the cwd, else in the workspace root. */
  envFile?: string | false;
}

function locateEnvFile(cwd: string, root: string | undefined): string | undefined {
  for (const dir of [cwd, root]) {
    if (dir && existsSync(join(dir, '.env'))) return join(dir, '.env');
  }
  return undefined;
}

interface Environment {
  values: Record<string, string | undefined>;
  envFile: string | undefined;
  /** Relative directories resolve against this: the workspace root, else the cwd. */
  base: string;
}

/** The process environment over the .env file (as with dotenv); an empty variable counts as unset. */
function readEnvironment(options: LoadConfigOptions): Environment {
  const cwd = options.cwd ?? process.cwd();
  const root = findWorkspaceRoot(cwd);
  const envFile =
    options.envFile === false ? undefined : (options.envFile ?? locateEnvFile(cwd, root));
  let fileValues: Record<string, string> = {};
  if (envFile) {
    try {
      fileValues = parseEnv(readFileSync(envFile, 'utf8')) as Record<string, string>;
    } catch (error) {
      throw new ConfigInvalidError(`cannot read ${envFile}: ${(error as Error).message}`);
    }
  }
  const values: Record<string, string | undefined> = { ...fileValues };
  for (const [key, value] of Object.entries(options.env ?? process.env)) {
    // An empty variable counts as unset, so `DATABASE_URL= pnpm …` falls back to the default.
    if (value !== undefined && value !== '') values[key] = value;
  }
  return { values, envFile, base: root ?? cwd };
}

/**
 * Parses with `schema`, or throws one ConfigInvalidError naming every offending variable and its value;
 * the error's `variables` lists them (as data, for callers that report a variable in their own terms).
 */
function parseOrThrow<T extends z.ZodType>(schema: T, env: Environment): z.output<T> {
  const parsed = schema.safeParse(env.values);
  if (parsed.success) return parsed.data;
  const variables = parsed.error.issues.map((issue) => issue.path.join('.'));
  const problems = parsed.error.issues.map((issue, i) => {
    const got = env.values[variables[i]!];
    return `${variables[i]}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redactUrl(got))})`}`;
  });
  const error = new ConfigInvalidError(`${problems.join('; ')}${env.envFile ? ` [.env: ${env.envFile}]` : ''}`);
  throw Object.assign(error, { variables });
}

/** Directory variables come back absolute, resolved against the workspace root (else the cwd). */
const DIRECTORY_VARIABLES = new Set<keyof EnvSettings>(['DATA_DIR', 'MODEL_DIR']);

/**
 * Reads the environment (process env wins over the .env file, as with dotenv) and validates it.
 * Throws one ConfigInvalidError naming every offending variable.
 */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const source = readEnvironment(options);
  const env = parseOrThrow(envSchema, source);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(source.base, p));
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    dataDir: abs(env.DATA_DIR),
    modelDir: abs(env.MODEL_DIR),
    backend: env.DGM_OOD_BACKEND,
    logLevel: env.LOG_LEVEL,
    artifactStore: env.DGM_OOD_ARTIFACT_STORE,
    queuePrefix: env.DGM_OOD_QUEUE_PREFIX,
    production: env.NODE_ENV === 'production',
    ...(env.DGM_OOD_CODE_VERSION ? { codeVersion: env.DGM_OOD_CODE_VERSION } : {}),
    port: env.PORT,
    host: env.HOST,
    reconcileMs: env.DGM_OOD_RECONCILE_MS,
    reconcileGraceMs: env.DGM_OOD_RECONCILE_GRACE_MS,
    reconcileLostAfterMs: env.DGM_OOD_RECONCILE_LOST_AFTER_MS,
    ...(env.WORKER_METRICS_PORT !== undefined ? { workerMetricsPort: env.WORKER_METRICS_PORT } : {}),
    ...(env.DGM_OOD_HANDLERS ? { handlerModules: env.DGM_OOD_HANDLERS } : {}),
    jacobianChunkRows: env.DGM_OOD_JACOBIAN_CHUNK,
    importMaxBytes: env.DGM_OOD_IMPORT_MAX_BYTES,
    apiTokens: parseApiTokens(env.DGM_OOD_API_TOKEN, env.DGM_OOD_API_TOKEN_FILE && abs(env.DGM_OOD_API_TOKEN_FILE)),
    ...(env.DGM_OOD_METRICS_TOKEN !== undefined ? { metricsToken: parseMetricsToken(env.DGM_OOD_METRICS_TOKEN)! } : {}),
    allowedHosts: allowedHostsOf(env.DGM_OOD_ALLOWED_HOSTS, env.HOST),
    ...(env.DGM_OOD_WASM_THREADS !== undefined ? { wasmThreads: env.DGM_OOD_WASM_THREADS } : {}),
    ...(env.DGM_OOD_RETENTION_DAYS !== undefined ? { retentionDays: env.DGM_OOD_RETENTION_DAYS } : {}),
    expansionMaxSteps: env.DGM_OOD_EXPANSION_MAX_STEPS,
    expansionDeadlineMs: env.DGM_OOD_EXPANSION_DEADLINE_MS,
    ...(env.DGM_OOD_RATE_LIMIT_MAX > 0
      ? { rateLimit: { max: env.DGM_OOD_RATE_LIMIT_MAX, submitMax: env.DGM_OOD_RATE_LIMIT_SUBMIT_MAX, windowMs: env.DGM_OOD_RATE_LIMIT_WINDOW_MS } }
      : {}),
    workerHeartbeatMs: env.DGM_OOD_WORKER_HEARTBEAT_MS,
    ...(env.DGM_OOD_WORKER_DEVICE !== undefined ? { workerDevice: env.DGM_OOD_WORKER_DEVICE } : {}),
    ...(env.DGM_OOD_WORKER_MEMORY_GIB !== undefined ? { workerMemoryGib: env.DGM_OOD_WORKER_MEMORY_GIB } : {}),
    ...(source.envFile ? { envFile: source.envFile } : {}),
  };
}

/**
 * One variable, read and validated exactly as loadConfig does (same sources, rule, default and error),
 * without judging the others: for a library's default where no entry point passed the value in.
 * DATA_DIR and MODEL_DIR come back absolute.
 */
export function loadSetting<K extends keyof EnvSettings>(name: K, options: LoadConfigOptions = {}): EnvSettings[K] {
  const source = readEnvironment(options);
  const schema = z.object({ [name]: envSchema.shape[name] } as Record<string, z.ZodType>);
  const value = (parseOrThrow(schema, source) as Record<string, unknown>)[name] as EnvSettings[K];
  if (DIRECTORY_VARIABLES.has(name) && typeof value === 'string' && !isAbsolute(value)) {
    return resolve(source.base, value) as EnvSettings[K];
  }
  return value;
}

/**
 * Hides a password in a connection URL, for messages and logs. A value that does not parse as a URL (a typo, a
 * space in the password) is masked by its shape: whatever sits between `user:` and the last `@` of the authority.
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return value.replace(/^([^:/?#]*:\/\/[^:/?#@]*:)(.*)@/s, (_match, user: string) => `${user}***@`);
  }
}
