import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CoordinatorHarness } from './testing/harness.js';
import { readEvents } from './testing/server-sent-events.js';
import { storageHarness, submit, trainSweep } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
let base: string;
beforeAll(async () => {
  h = await storageHarness();
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await h?.close();
});

test("a sweep's event stream says `deleted` when the sweep is deleted, then ends", async () => {
  const id = await submit(h, trainSweep('watched', ['noop']));
  let deleting: Promise<unknown> | undefined;
  const events = await readEvents(`${base}/sweeps/${id}/events`, (event) => {
    // Once the stream is live (its first detail arrived), the sweep goes.
    if (event.event === 'sweep' && !deleting) deleting = h.app.inject({ method: 'DELETE', url: `/sweeps/${id}?cancel=true` });
    return event.event === 'deleted';
  });
  expect(((await deleting) as { statusCode: number }).statusCode).toBe(200);
  expect(events[0]!.event).toBe('sweep');
  expect(events.at(-1)).toEqual({ event: 'deleted', data: { id } });
});
