import type { ConfigReader, JsonValue } from '@dgm-ood/jobs';

const TRACE_METHODS = { hutchinson_rademacher: 'rademacher', hutchinson_gaussian: 'gaussian', deterministic: 'exact' } as const;

/**
 * The reference's PF-ODE likelihood arguments of its diffusion OOD methods (`likelihood_computation_args` of
 * LID_OOD, `log_prob_kwargs` of the score-norm method): `eps`, `steps` (its Euler solver), and
 * `trace_calculation_kwargs: {method: hutchinson_rademacher | hutchinson_gaussian | deterministic, sample_count}`.
 * Returned as the diffusion family's likelihood settings (those of `trainer.test_evaluation`), or null when the
 * key is absent (the family's default: the reference's 25 steps × 25 Rademacher probes, ε = 0.01).
 * `prior: upstream` may be added to reproduce the reference's prior term (docs/diffusion.md §4).
 */
export function readDiffusionLikelihoodArgs(args: ConfigReader, key: string): JsonValue | null {
  if (args.get(key) === undefined || args.get(key) === null) return null;
  const a = args.at(key);
  const traceKwargs = a.at('trace_calculation_kwargs');
  const method = traceKwargs.oneOf('method', Object.keys(TRACE_METHODS) as Array<keyof typeof TRACE_METHODS>, 'hutchinson_rademacher');
  const trace = TRACE_METHODS[method];
  return {
    solver: 'euler',
    steps: a.number('steps', 25, (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2'),
    eps: a.number('eps', 0.01, (n) => n > 0 && n < 1, 'in (0, 1)'),
    trace,
    probes: trace === 'exact' ? 1 : traceKwargs.number('sample_count', 25, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    prior: a.oneOf('prior', ['correct', 'upstream'] as const, 'correct'),
  };
}
