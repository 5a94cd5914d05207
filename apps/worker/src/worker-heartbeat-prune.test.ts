import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test("heartbeats of workers unseen for a day are deleted by the next worker's beat; recent ones stay", async () => {
  await h.pool.query(
    `INSERT INTO worker_heartbeats (worker_id, hostname, device, memory_gib, backend, kinds, classes, seen_at)
     VALUES ('killed-long-ago', 'h', 'cpu', 4, 'wasm', '["train"]', '[]', now() - interval '25 hours'),
            ('killed-recently', 'h', 'gpu', NULL, 'webgpu', '["train"]', '[]', now() - interval '1 hour')`,
  );
  const worker = await h.worker({ workerId: 'beating' });
  const { rows } = await h.pool.query('SELECT worker_id FROM worker_heartbeats ORDER BY worker_id');
  expect(rows.map((r) => r.worker_id)).toEqual(['beating', 'killed-recently']);
  await worker.close();
  expect((await h.pool.query('SELECT worker_id FROM worker_heartbeats')).rows).toEqual([{ worker_id: 'killed-recently' }]);
});
