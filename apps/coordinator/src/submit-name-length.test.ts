import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';
import { MAX_NAME_LENGTH } from './text-integrity.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

const post = (payload: string, query: string) =>
  h.app.inject({ method: 'POST', url: `/sweeps?kind=train&${query}`, headers: { 'content-type': 'application/yaml' }, payload });
const META = (runName: string, sweepName = 's') =>
  `project: p\nsweep_name: "${sweepName}"\nrun_name: ${runName}\nbase_config: {fixture: noop}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n`;

test("the file's sweep name longer than its bound is a located 400, counted in characters (not UTF-16 units)", async () => {
  // (A name given as a parameter is bounded by the request schema already.)
  const tooLong = await post(META('r', 'n'.repeat(MAX_NAME_LENGTH.sweep + 1)), 'dryRun=false');
  expect(tooLong.statusCode).toBe(400);
  expect(tooLong.json().errors[0]).toMatchObject({ path: 'name', code: 'DGM_NAME_TOO_LONG' });
  expect(tooLong.json().errors[0].message).toContain(`is ${MAX_NAME_LENGTH.sweep + 1} characters long, more than ${MAX_NAME_LENGTH.sweep}`);
  // 200 astral characters are 400 UTF-16 units but 200 characters: within the bound.
  const astral = await post(META('r', '🧪'.repeat(MAX_NAME_LENGTH.sweep)), 'dryRun=false');
  expect(astral.statusCode).toBe(201);
});

test("a job's run name longer than its bound is refused per job, and nothing is stored", async () => {
  const before = await h.prisma.sweep.count();
  const response = await post(META('x'.repeat(MAX_NAME_LENGTH.job + 5)), 'name=long-runs');
  expect(response.statusCode).toBe(400);
  expect(response.json().errors.map((e: { path: string }) => e.path)).toEqual(['jobs[0].name', 'jobs[1].name']);
  expect(await h.prisma.sweep.count()).toBe(before);
});
