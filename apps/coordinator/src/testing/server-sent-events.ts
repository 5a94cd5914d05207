import { afterAll, beforeAll, expect } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './harness.js';

/** Reads server-sent events from a stream until `until` returns true for one; returns every event read. */
export async function readEvents(url: string, until: (event: { event: string; data: any }) => boolean, timeoutMs = 10_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(url, { signal: controller.signal });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const events: { event: string; data: any }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) {
          events.push({ event, data: JSON.parse(data) });
          if (until(events.at(-1)!)) return events;
        }
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  throw new Error(`stream ended before the expected event; got ${JSON.stringify(events)}`);
}

/**
 * For tests that read a coordinator's event streams over HTTP: `start` (default: a fresh harness) made and listening
 * on a free port before the file's tests, closed after them. Read the fields inside tests (set in beforeAll).
 */
export function useListeningCoordinator(start: () => Promise<CoordinatorHarness> = () => createCoordinatorHarness()): { h: CoordinatorHarness; base: string } {
  const listening = {} as { h: CoordinatorHarness; base: string };
  beforeAll(async () => {
    listening.h = await start();
    listening.base = await listening.h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await listening.h?.close();
  });
  return listening;
}
