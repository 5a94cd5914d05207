import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
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
  NODE_ENV: z.string().optional(),
});

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
  /** The .env file that contributed values, if any. */
  envFile?: string;
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

/**
 * Reads the environment (process env wins over the .env file, as with dotenv) and validates it.
 * Throws one ConfigInvalidError naming every offending variable.
 */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
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
  const merged: Record<string, string | undefined> = { ...fileValues };
  for (const [key, value] of Object.entries(options.env ?? process.env)) {
    // An empty variable counts as unset, so `DATABASE_URL= pnpm …` falls back to the default.
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = issue.path.join('.');
      const got = merged[variable];
      return `${variable}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redactUrl(got))})`}`;
    });
    throw new ConfigInvalidError(`${problems.join('; ')}${envFile ? ` [.env: ${envFile}]` : ''}`);
  }
  const base = root ?? cwd;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const env = parsed.data;
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
    ...(envFile ? { envFile } : {}),
  };
}

/** Hides a password in a connection URL, for messages and logs. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}
