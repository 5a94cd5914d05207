/**
 * Settings of the PF-ODE test evaluation a diffusion training job runs when its config has
 * `trainer.test_evaluation` (docs/diffusion.md §4). Light: the coordinator validates with it.
 *   solver: rk45 (default; rtol, atol default 1e-5, eps default 1e-5 — score_sde's) or euler (steps default 25,
 *   eps default 0.01 — the reference's); trace: rademacher (default) | gaussian | exact; probes (default 1);
 *   prior: correct (default) | upstream; dequantize (default: the model's).
 */
import { DiffusionConfigError } from './errors.js';

export interface TestEvaluationSettings {
  solver: 'rk45' | 'euler';
  rtol: number;
  atol: number;
  steps: number;
  eps: number;
  trace: 'rademacher' | 'gaussian' | 'exact';
  probes: number;
  prior: 'correct' | 'upstream';
  dequantize: boolean | null;
}

const KEYS = ['solver', 'rtol', 'atol', 'steps', 'eps', 'trace', 'probes', 'prior', 'dequantize'];

export function readTestEvaluationSettings(value: unknown, path: string): TestEvaluationSettings {
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof v !== 'object' || Array.isArray(v)) throw new DiffusionConfigError(`must be a mapping (got ${JSON.stringify(value)})`, path);
  for (const k of Object.keys(v)) if (!KEYS.includes(k)) throw new DiffusionConfigError(`unknown key (known: points, batch_size, ${KEYS.join(', ')})`, `${path}.${k}`);
  const choice = <T extends string>(key: string, options: readonly T[], fallback: T): T => {
    const x = v[key] ?? fallback;
    if (!options.includes(x as T)) throw new DiffusionConfigError(`must be one of ${options.join(', ')} (got ${JSON.stringify(x)})`, `${path}.${key}`);
    return x as T;
  };
  const num = (key: string, fallback: number, ok: (n: number) => boolean, what: string): number => {
    const x = v[key] ?? fallback;
    if (typeof x !== 'number' || !ok(x)) throw new DiffusionConfigError(`must be ${what} (got ${JSON.stringify(x)})`, `${path}.${key}`);
    return x;
  };
  const solver = choice('solver', ['rk45', 'euler'] as const, 'rk45');
  const positive = (n: number) => n > 0 && Number.isFinite(n);
  const deq = v.dequantize ?? null;
  if (deq !== null && typeof deq !== 'boolean') throw new DiffusionConfigError(`must be true or false (got ${JSON.stringify(deq)})`, `${path}.dequantize`);
  return {
    solver,
    rtol: num('rtol', 1e-5, positive, 'a positive number'),
    atol: num('atol', 1e-5, positive, 'a positive number'),
    steps: num('steps', 25, (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2'),
    eps: num('eps', solver === 'rk45' ? 1e-5 : 0.01, (n) => n > 0 && n < 1, 'in (0, 1)'),
    trace: choice('trace', ['rademacher', 'gaussian', 'exact'] as const, 'rademacher'),
    probes: num('probes', 1, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    prior: choice('prior', ['correct', 'upstream'] as const, 'correct'),
    dequantize: deq as boolean | null,
  };
}
