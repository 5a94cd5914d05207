import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Process ids still alive in a process group. */
const group = (pgid: number) => {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).split('\n').map((l) => l.trim()).filter(Boolean);
  } catch {
    return []; // ps exits 1 when nothing matches
  }
};

// Named failure fixture: an operator (or a process manager) sends SIGTERM to `pnpm coordinator`. pnpm and its
// shell end without passing the signal on; the node process must not stay behind serving as an orphan.
test('SIGTERM to `pnpm coordinator` stops the coordinator itself, not only pnpm', async () => {
  const port = await freePort();
  const child = spawn('pnpm', ['--silent', 'coordinator'], {
    cwd: ROOT,
    detached: true, // its own process group: what is left of it after the signal is visible
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), LOG_LEVEL: 'warn', DGM_OOD_QUEUE_PREFIX: `sig${port}` },
    stdio: 'ignore',
  });
  const pgid = child.pid!;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error('the coordinator did not start');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(group(pgid).length).toBeGreaterThanOrEqual(2); // pnpm, sh, node
    process.kill(pgid, 'SIGTERM'); // to pnpm only, as `kill <pid of pnpm>` does
    await expect.poll(() => group(pgid).length, { timeout: 20_000, interval: 250 }).toBe(0);
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => 'answered', () => 'gone')).toBe('gone');
  } finally {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
