/**
 * An expansion's dy__eval work is bounded as a whole: steps over all its jobs (deterministic) and a deadline.
 * Either ends the expansion at once with one issue naming the snippet and where it sits in the file.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { COSTLY_SNIPPET, costlyMetaConfig } from '../../../test/fixtures/costly-meta-config.js';
import { DEFAULT_EXPANSION_STEPS, expandMetaConfig, prepareMetaConfig } from './index.js';

const HEAVY = costlyMetaConfig();

afterEach(() => {
  vi.restoreAllMocks();
});

test('work that would take minutes is refused by the step limit, at the snippet, after the same step every time', () => {
  const run = () => expandMetaConfig(HEAVY, { file: 'heavy.yaml', maxSteps: 5_000_000 });
  const result = run();
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toHaveLength(1);
  const [issue] = result.errors;
  expect(issue).toMatchObject({ code: 'eval.step_limit', ...COSTLY_SNIPPET, file: 'heavy.yaml' });
  expect(issue!.message).toMatch(/exceeded its budget of 5000000 evaluation steps .* in heavy .*first seen in job 3: a=0, b=3/);
  expect(run()).toEqual(result);
});

test('without a maxSteps option an expansion draws on DEFAULT_EXPANSION_STEPS', () => {
  const prepared = prepareMetaConfig(HEAVY);
  expect(prepared.ok && prepared.prepared.budget.maxSteps).toBe(DEFAULT_EXPANSION_STEPS);
});

test('a deadline passed inside a snippet stops it there: eval.deadline at the snippet', () => {
  let reads = 0;
  // The clock: the deadline holds when read before the first job, has passed when the snippet reads it.
  vi.spyOn(performance, 'now').mockImplementation(() => (reads++ === 0 ? 0 : 2000));
  const result = expandMetaConfig(HEAVY, { deadline: { at: 1000, ms: 1000 } });
  vi.restoreAllMocks();
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]).toMatchObject({ code: 'eval.deadline', ...COSTLY_SNIPPET });
  expect(result.errors[0]!.message).toMatch(/ran past its deadline of 1000 ms, in heavy .*first seen in job 0/);
});

test('a deadline passed between jobs stops the expansion there: expand.deadline at the sweep, with how far it got', () => {
  let reads = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => (reads++ < 3 ? 0 : 2000));
  const result = expandMetaConfig('project: p\nbase_config: {a: 1}\nsweep_configuration:\n  a: {sweep: true, values: [1, 2, 3, 4, 5]}\n', { deadline: { at: 1000, ms: 1000 } });
  vi.restoreAllMocks();
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]).toMatchObject({ code: 'expand.deadline', path: 'sweep_configuration', line: 3 });
  expect(result.errors[0]!.message).toMatch(/ran past its deadline of 1000 ms after 3 of 5 jobs/);
});
