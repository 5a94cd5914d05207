import { expect, test } from 'vitest';
import { readEvents, useListeningCoordinator } from './testing/server-sent-events.js';
import { storageHarness, submit, trainSweep } from './testing/stored-sweeps.js';

const live = useListeningCoordinator(storageHarness);

test("a sweep's event stream says `deleted` when the sweep is deleted, then ends", async () => {
  const id = await submit(live.h, trainSweep('watched', ['noop']));
  let deleting: Promise<unknown> | undefined;
  const events = await readEvents(`${live.base}/sweeps/${id}/events`, (event) => {
    // Once the stream is live (its first detail arrived), the sweep goes.
    if (event.event === 'sweep' && !deleting) deleting = live.h.app.inject({ method: 'DELETE', url: `/sweeps/${id}?cancel=true` });
    return event.event === 'deleted';
  });
  expect(((await deleting) as { statusCode: number }).statusCode).toBe(200);
  expect(events[0]!.event).toBe('sweep');
  expect(events.at(-1)).toEqual({ event: 'deleted', data: { id } });
});
