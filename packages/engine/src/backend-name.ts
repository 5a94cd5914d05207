import { EngineError } from './errors.js';

/**
 * Execution backends, in the order `auto` tries them. Names are the project's (DGM_OOD_BACKEND), not
 * tfjs's: `tensorflow-gpu` and `tensorflow` both register the tfjs backend called 'tensorflow'.
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendRequest = BackendName | 'auto';
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', ...BACKEND_NAMES];

/** The tfjs backend name each project backend registers (what `tf.getBackend()` returns). */
export const TFJS_BACKEND_OF: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  webgpu: 'webgpu',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export function isBackendRequest(value: unknown): value is BackendRequest {
  return typeof value === 'string' && (BACKEND_REQUESTS as readonly string[]).includes(value);
}

/**
 * Validates a backend request. `source` names where the value came from (an env variable, an option),
 * so that the error tells the user what to fix. Empty or undefined means `auto`.
 */
export function parseBackendRequest(value: string | undefined, source: string): BackendRequest {
  if (value === undefined || value.trim() === '') return 'auto';
  const v = value.trim();
  if (isBackendRequest(v)) return v;
  throw new EngineError(
    'DGM_ENGINE_UNKNOWN_BACKEND',
    `${source}: unknown backend ${JSON.stringify(value)}; expected one of ${BACKEND_REQUESTS.join(', ')}`,
    { source },
  );
}
