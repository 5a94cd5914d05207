import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../cli.js';
import { forwardRequest } from '../../testing/forward-request.js';
import { startLiveCoordinator, type LiveCoordinator } from '../../testing/live-coordinator.js';
import { memoryIo } from '../../test-io.js';

let live: LiveCoordinator;
let proxy: Server | undefined;
let port: number;
let posts = 0;
/** How long the coordinator is down after the kill: longer than the CLI's first wait (1 s), so its first resend is refused. */
const RESTART_MS = 3000;

// Named failure fixture: the coordinator is killed after it committed the sweep, before its answer, and takes a few
// seconds to come back; meanwhile connections are refused. A proxy in front of a real coordinator forwards the first
// POST, cuts the client's connection, and stops listening for RESTART_MS.
function listen(): Promise<void> {
  const server = createServer(async (request, response) => {
    const upstream = await forwardRequest(request, live.url);
    if (request.method === 'POST' && request.url === '/sweeps' && ++posts === 1) {
      server.close(); // "killed": refuses connections until it is back
      request.socket.destroy();
      setTimeout(() => void listen(), RESTART_MS);
      return;
    }
    response.writeHead(upstream.status, { 'content-type': upstream.contentType }).end(upstream.body);
  });
  proxy = server;
  return new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
}

beforeAll(async () => {
  live = await startLiveCoordinator({ worker: false });
  port = 0;
  await listen();
  port = (proxy!.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await live?.close();
});

test('submit keeps sending the same submission while the coordinator restarts (connections refused), and the sweep exists once', async () => {
  const io = memoryIo({ 'restart.yaml': 'project: cli\nbase_config: {fixture: noop, trainer: {}}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n' });
  expect(await runCli(['sweep', 'submit', 'restart.yaml', '--name', 'restart', '--url', `http://127.0.0.1:${port}`], io), io.err).toBe(0);
  expect(io.err).toMatch(/the connection broke \(.+\); sending the same submission again/);
  expect(io.err).toMatch(/no answer \(ECONNREFUSED\); sending the same submission again/);
  expect(posts).toBe(2);
  const id = /\(([0-9a-f-]{36})\)/.exec(io.out)![1]!;
  const { rows } = await live.harness.pool.query(`SELECT id FROM sweeps WHERE name = 'restart'`);
  expect(rows.map((r) => r.id)).toEqual([id]);
}, 60_000);
