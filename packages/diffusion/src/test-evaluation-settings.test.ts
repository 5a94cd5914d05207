import { describe, expect, it } from 'vitest';
import { readTestEvaluationSettings } from './test-evaluation-settings.js';

const at = 'trainer.test_evaluation';

describe('trainer.test_evaluation settings of the diffusion family', () => {
  it('defaults to score_sde: RK45 at 1e-5 from ε = 1e-5, one Rademacher probe, the correct prior', () => {
    expect(readTestEvaluationSettings({}, at)).toEqual({
      solver: 'rk45', rtol: 1e-5, atol: 1e-5, steps: 25, eps: 1e-5, trace: 'rademacher', probes: 1, prior: 'correct', dequantize: null,
    });
  });

  it("the reference's Euler solver starts at ε = 0.01 unless told", () => {
    expect(readTestEvaluationSettings({ solver: 'euler', steps: 50 }, at)).toMatchObject({ solver: 'euler', steps: 50, eps: 0.01 });
    expect(readTestEvaluationSettings({ solver: 'euler', eps: 0.001 }, at).eps).toBe(0.001);
  });

  it.each([
    [{ solvr: 'rk45' }, 'config trainer.test_evaluation.solvr: unknown key'],
    [{ solver: 'heun' }, 'config trainer.test_evaluation.solver: must be one of rk45, euler (got "heun")'],
    [{ rtol: 0 }, 'config trainer.test_evaluation.rtol: must be a positive number (got 0)'],
    [{ steps: 1 }, 'config trainer.test_evaluation.steps: must be an integer ≥ 2 (got 1)'],
    [{ trace: 'hutchinson' }, 'config trainer.test_evaluation.trace: must be one of rademacher, gaussian, exact'],
    [{ probes: 1.5 }, 'config trainer.test_evaluation.probes: must be a positive integer (got 1.5)'],
    [{ dequantize: 'yes' }, 'config trainer.test_evaluation.dequantize: must be true or false'],
  ])('refuses %j, naming the key', (value, message) => {
    expect(() => readTestEvaluationSettings(value, at)).toThrow(message);
  });
});
