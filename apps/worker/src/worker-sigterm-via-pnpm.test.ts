import { execFileSync, spawn } from 'node:child_process';
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

const group = (pgid: number) => {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).split('\n').map((l) => l.trim()).filter(Boolean);
  } catch {
    return [];
  }
};

// Named failure fixture: SIGTERM to `pnpm worker` (pnpm does not pass it on). The worker must stop too, through
// its normal shutdown (running jobs checkpoint and are requeued), not keep taking jobs as an orphan.
test('SIGTERM to `pnpm worker` stops the worker process, which logs its normal shutdown', async () => {
  const child = spawn('pnpm', ['--silent', 'worker'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'info', NODE_ENV: 'production', DGM_OOD_QUEUE_PREFIX: `sigw${process.pid}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid!;
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  try {
    await expect.poll(() => output, { timeout: 60_000, interval: 250 }).toContain('worker started');
    process.kill(pgid, 'SIGTERM');
    await expect.poll(() => group(pgid).length, { timeout: 20_000, interval: 250 }).toBe(0);
    expect(output).toContain('parent process');
    expect(output).toContain('worker stopped');
  } finally {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
