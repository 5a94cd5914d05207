/**
 * The hostile-input corpus over REST, against the real app: fixed cases (the service's hostile findings, malformed
 * and oversized bodies) and fast-check generated or broken-on-purpose meta-configurations. Every request is answered
 * 4xx with a coded body that says what is wrong and where; never a 5xx, never 201. Meanwhile a loop polls /healthz
 * (every answer must be 200) and samples the process's RSS (its growth must stay within what the size limits allow).
 * Seeded: DGM_OOD_CORPUS_SEED=<n> replays a run; a failure prints its seed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MAX_TOTAL_CONFIG_BYTES } from '@dgm-ood/metaconfig';
import { fixedCases, generatedBodies, jsonPost, mutatedFixtures, yamlPost, type HostileRequest } from './testing/hostile-inputs.js';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

const SEED = Number(process.env.DGM_OOD_CORPUS_SEED ?? 170_017);
const GENERATED_RUNS = Number(process.env.DGM_OOD_CORPUS_GENERATED ?? 200);
const MUTATED_RUNS = Number(process.env.DGM_OOD_CORPUS_MUTATED ?? 200);
const TOKEN = 'corpus-secret-0123456789abcdef';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({ apiTokens: [{ name: 'corpus', secret: TOKEN }] });
});
afterAll(async () => {
  await h?.close();
});

interface Answer {
  status: number;
  body: { code?: unknown; message?: unknown; errors?: { path?: unknown; message?: unknown }[] };
}

async function send(request: HostileRequest): Promise<Answer> {
  const response = await h.app.inject({ ...request, headers: { ...request.headers, authorization: `Bearer ${TOKEN}` } });
  let body: Answer['body'] = {};
  try {
    body = response.json();
  } catch {
    // Judged below: a body that is not JSON has no code.
  }
  return { status: response.statusCode, body };
}

/** Words that say where a problem is when a message has no located `errors`: a part of the request, a line, a position. */
const WHERE = /request body|querystring|params|header|Idempotency-Key|envelope|field|line \d+|position \d+|offset \d+|jobs\[\d+\]|(sweep|job) [0-9a-f]{8}-/i;

/** What is wrong with an answer to a hostile request (undefined: nothing). */
function judge(answer: Answer, status?: number): string | undefined {
  const { body } = answer;
  if (answer.status < 400 || answer.status >= 500) return `answered ${answer.status}: ${JSON.stringify(body).slice(0, 300)}`;
  if (status !== undefined && answer.status !== status) return `answered ${answer.status}, not ${status}: ${JSON.stringify(body).slice(0, 300)}`;
  if (typeof body.code !== 'string' || !/^(DGM|FST)_/.test(body.code)) return `no coded body: ${JSON.stringify(body).slice(0, 300)}`;
  if (typeof body.message !== 'string' || body.message.length === 0) return `no message: ${JSON.stringify(body).slice(0, 300)}`;
  const errors = body.errors ?? [];
  const located = errors.length > 0 ? errors.every((e) => typeof e.path === 'string' && e.path.length > 0 && typeof e.message === 'string') : WHERE.test(body.message);
  if (!located) return `not located: ${JSON.stringify(body).slice(0, 300)}`;
  return undefined;
}

const FORMAT_REQUEST = { yaml: (body: string) => yamlPost(body), json: (body: string) => jsonPost(body), text: (body: string) => ({ ...yamlPost(body), headers: { 'content-type': 'text/plain' } }) };

test('every hostile request is a located 4xx, /healthz answers 200 throughout, and RSS stays bounded', async () => {
  const problems: string[] = [];
  const health = { answers: 0, failures: [] as string[] };
  const rss = { start: process.memoryUsage().rss, peak: 0 };
  const sample = () => (rss.peak = Math.max(rss.peak, process.memoryUsage().rss));
  // Threads warmed up first, so they do not count as growth.
  await send(yamlPost('project: p\n'));
  rss.start = process.memoryUsage().rss;

  let polling = true;
  const poller = (async () => {
    while (polling) {
      const response = await h.app.inject({ url: '/healthz' });
      health.answers++;
      if (response.statusCode !== 200) health.failures.push(`${response.statusCode} ${response.body}`);
      sample();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();

  let count = 0;
  const check = async (name: string, request: HostileRequest, status?: number) => {
    count++;
    const answer = await send(request);
    sample();
    const problem = judge(answer, status);
    if (problem !== undefined) problems.push(`${name}: ${problem}`);
  };
  try {
    for (const c of fixedCases()) await check(c.name, c.request, c.status);
    for (const [i, g] of fc.sample(generatedBodies, { seed: SEED, numRuns: GENERATED_RUNS }).entries()) {
      await check(`generated #${i} (${g.format}) ${JSON.stringify(g.body.slice(0, 120))}`, FORMAT_REQUEST[g.format](g.body));
    }
    for (const [i, m] of fc.sample(mutatedFixtures, { seed: SEED + 1, numRuns: MUTATED_RUNS }).entries()) {
      await check(`mutated #${i} ${m.fixture}: ${m.mutation} (${m.format})`, FORMAT_REQUEST[m.format](m.body));
    }
  } finally {
    polling = false;
    await poller;
  }

  const growth = rss.peak - rss.start;
  console.log(`hostile corpus: ${count} requests, ${health.answers} /healthz answers, RSS ${Math.round(rss.start / 2 ** 20)} MiB → peak ${Math.round(rss.peak / 2 ** 20)} MiB (seed ${SEED})`);
  expect(count).toBeGreaterThanOrEqual(100);
  expect(problems, `seed ${SEED} (DGM_OOD_CORPUS_SEED=${SEED} replays it)`).toEqual([]);
  expect(health.failures, `seed ${SEED}`).toEqual([]);
  expect(health.answers).toBeGreaterThan(0);
  // The largest thing one request may build is the jobs' configs (MAX_TOTAL_CONFIG_BYTES); a few copies of that
  // (parsed and as text, in a thread and here) is the most any request may add.
  expect(growth, `seed ${SEED}: RSS grew ${Math.round(growth / 2 ** 20)} MiB`).toBeLessThan(4 * MAX_TOTAL_CONFIG_BYTES);
}, 180_000);
