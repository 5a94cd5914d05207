/** Task threads: a task past its deadline, or whose thread dies, fails alone; the next task gets a fresh thread. */
import { afterEach, expect, test } from 'vitest';
import { TaskThreads } from './task-threads.js';
import type { ProbeRequest } from './testing/probe-thread.js';

let threads: TaskThreads<ProbeRequest, number> | undefined;
afterEach(() => threads?.close());

const create = (count = 1) =>
  (threads = new TaskThreads<ProbeRequest, number>({
    module: new URL('./testing/probe-thread.ts', import.meta.url),
    threads: count,
    failure: (reason) => Object.assign(new Error(`thread failed: ${reason}`), { code: 'PROBE_FAILED' }),
  }));

test('a task that runs past its deadline is refused with the caller\'s error, its thread terminated and replaced', async () => {
  const pool = create();
  const first = await pool.run('id');
  const spinning = pool.run('spin', { deadlineMs: 200, onDeadline: (ms) => Object.assign(new Error(`past ${ms} ms`), { code: 'PROBE_DEADLINE' }) });
  // Queued behind the spinning task: it runs after the replacement thread is up, and is not failed with it.
  const queued = pool.run('id');
  await expect(spinning).rejects.toMatchObject({ code: 'PROBE_DEADLINE', message: 'past 200 ms' });
  const second = await queued;
  expect(second).not.toBe(first);
  expect(await pool.run('id')).toBe(second);
});

test('a thread that exits under a task fails that task only; the next task gets a fresh thread', async () => {
  const pool = create();
  const first = await pool.run('id');
  await expect(pool.run('exit')).rejects.toMatchObject({ code: 'PROBE_FAILED', message: 'thread failed: it exited (code 3)' });
  expect(await pool.run('id')).not.toBe(first);
});

test("a task's coded error comes back with its code, status and errors, and the thread serves on", async () => {
  const pool = create();
  const first = await pool.run('id');
  await expect(pool.run('throw')).rejects.toMatchObject({ message: 'refused', code: 'DGM_PROBE', statusCode: 418, errors: [{ path: 'x' }] });
  expect(await pool.run('id')).toBe(first);
});

test('with two threads a spinning task leaves the other thread serving', async () => {
  const pool = create(2);
  const started: number[] = [];
  pool.on('started', (id: number) => started.push(id));
  const spinning = pool.run('spin', { deadlineMs: 60_000 });
  spinning.catch(() => {});
  await new Promise((resolve) => pool.once('started', resolve));
  const answers = await Promise.all([pool.run('id'), pool.run('id'), pool.run('id')]);
  expect(new Set(answers).size).toBe(1);
  expect(started).toHaveLength(4);
  await pool.close();
  await expect(spinning).rejects.toMatchObject({ code: 'PROBE_FAILED', message: 'thread failed: the coordinator is shutting down' });
});
