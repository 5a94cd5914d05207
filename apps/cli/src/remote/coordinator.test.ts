import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { runCli } from '../cli.js';
import { memoryIo } from '../test-io.js';

const ID = '00000000-0000-4000-8000-000000000000';
const saved = { url: process.env.DGM_OOD_URL, token: process.env.DGM_OOD_API_TOKEN };
afterEach(() => {
  for (const [key, value] of [['DGM_OOD_URL', saved.url], ['DGM_OOD_API_TOKEN', saved.token]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

// A stand-in coordinator answering what the test sets, recording each request's headers.
let server: Server;
let url: string;
let answer: { status: number; type: string; body: string };
const seen: IncomingHttpHeaders[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

test('a refused connection names the URL and how to set it, exit 4', async () => {
  const port = await closedPort();
  const io = memoryIo();
  expect(await runCli(['sweep', 'list', '--url', `http://127.0.0.1:${port}`], io)).toBe(4);
  expect(io.out).toBe('');
  expect(io.err).toBe(
    `dgm-ood sweep list: cannot reach the coordinator at http://127.0.0.1:${port} (ECONNREFUSED): from --url; is it running there? ` +
      'Or set the coordinator URL with --url URL or the DGM_OOD_URL environment variable\n',
  );
  process.env.DGM_OOD_URL = `http://127.0.0.1:${port}/`;
  const fromEnv = memoryIo();
  expect(await runCli(['job', 'logs', ID], fromEnv)).toBe(4);
  expect(fromEnv.err).toContain(`cannot reach the coordinator at http://127.0.0.1:${port} (ECONNREFUSED): from DGM_OOD_URL;`);
});

test('a URL that is not http(s) is a usage error', async () => {
  const io = memoryIo();
  expect(await runCli(['sweep', 'list', '--url', 'localhost:8080'], io)).toBe(1);
  expect(io.err).toBe('dgm-ood sweep list: --url: localhost:8080 is not an http(s) URL\n');
});

test('an HTTP error prints the coordinator’s code and message, exit 3; DGM_OOD_API_TOKEN goes as a bearer token', async () => {
  process.env.DGM_OOD_API_TOKEN = 's3cret';
  answer = { status: 404, type: 'application/json', body: JSON.stringify({ code: 'DGM_SWEEP_NOT_FOUND', message: `sweep ${ID} not found` }) };
  const io = memoryIo();
  expect(await runCli(['sweep', 'retry-failed', ID, '--url', url], io)).toBe(3);
  expect(io.err).toBe(`dgm-ood sweep retry-failed: the coordinator answered 404 to POST /sweeps/${ID}/retry-failed: sweep ${ID} not found [DGM_SWEEP_NOT_FOUND]\n`);
  expect(seen.at(-1)!.authorization).toBe('Bearer s3cret');

  delete process.env.DGM_OOD_API_TOKEN;
  answer = { status: 502, type: 'text/html', body: '<html>Bad Gateway</html>' };
  const proxy = memoryIo();
  expect(await runCli(['sweep', 'show', ID, '--url', url], proxy)).toBe(3);
  expect(proxy.err).toBe(`dgm-ood sweep show: the coordinator answered 502 to GET /sweeps/${ID}: <html>Bad Gateway</html> [HTTP_502]\n`);
  expect(seen.at(-1)!.authorization).toBeUndefined();
});

test('usage errors of the remote commands, and their help with the exit codes', async () => {
  const io = memoryIo();
  expect(await runCli(['sweep', 'show'], io)).toBe(1);
  expect(io.err).toBe('dgm-ood sweep show: expected SWEEP\nusage: dgm-ood sweep show SWEEP [--json] [--url URL]\n');
  const unknown = memoryIo();
  expect(await runCli(['sweep', 'explode'], unknown)).toBe(1);
  expect(unknown.err).toMatch(/^dgm-ood sweep: unknown subcommand 'explode'\n\nusage: dgm-ood sweep <subcommand>/);
  const help = memoryIo();
  expect(await runCli(['sweep', 'submit', '--help'], help)).toBe(0);
  expect(help.out).toContain('dgm-ood sweep submit FILE [--kind train|ood] [--name NAME] [--max-attempts N] [--idempotency-key KEY] [--wait] [--url URL]');
  expect(help.out).toMatch(/\nexit codes:\n {2}0 {4}success\n[^]* {2}3 {4}the coordinator answered with an error[^]* {2}4 {4}the coordinator cannot be reached[^]* {2}5 {4}the sweep \(or job\) ended with failed or cancelled jobs\n/);
});
