import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../cli.js';
import { forwardRequest } from '../../testing/forward-request.js';
import { startLiveCoordinator, type LiveCoordinator } from '../../testing/live-coordinator.js';
import { memoryIo } from '../../test-io.js';

let live: LiveCoordinator;
let proxy: Server;
let proxyUrl: string;
let posts = 0;

// Named failure fixture: the coordinator commits the sweep but the client never gets the answer (it was killed
// after the commit, or the connection broke). A proxy in front of a real coordinator forwards the first POST and
// then cuts the client's connection instead of answering.
beforeAll(async () => {
  live = await startLiveCoordinator({ worker: false });
  proxy = createServer(async (request, response) => {
    const upstream = await forwardRequest(request, live.url);
    if (request.method === 'POST' && request.url === '/sweeps' && ++posts === 1) {
      request.socket.destroy(); // committed upstream; the answer is lost
      return;
    }
    response.writeHead(upstream.status, { 'content-type': upstream.contentType }).end(upstream.body);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await live?.close();
});

test('submit sends the same submission again after a broken connection, and the sweep exists once', async () => {
  const io = memoryIo({ 'once.yaml': 'project: cli\nbase_config: {fixture: noop, trainer: {}}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n' });
  expect(await runCli(['sweep', 'submit', 'once.yaml', '--name', 'once', '--url', proxyUrl], io)).toBe(0);
  expect(posts).toBe(2);
  expect(io.err).toContain('sending the same submission again');
  const id = /\(([0-9a-f-]{36})\)/.exec(io.out)![1]!;
  const { rows } = await live.harness.pool.query(`SELECT id FROM sweeps WHERE name = 'once'`);
  expect(rows.map((r) => r.id)).toEqual([id]);
});
