import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../cli.js';
import { startLiveCoordinator, type LiveCoordinator } from '../../testing/live-coordinator.js';
import { memoryIo } from '../../test-io.js';

let live: LiveCoordinator;
beforeAll(async () => {
  live = await startLiveCoordinator({ worker: false, config: { modelDir: mkdtempSync(join(tmpdir(), 'dgm-cli-gc-')) } });
});
afterAll(async () => {
  await live?.close();
});

test('storage gc lists orphans with their sizes, and removes them only with --yes', async () => {
  const key = `checkpoints-${randomUUID()}/job-0`;
  const dir = join(live.harness.config.modelDir, key);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'checkpoint.bin'), Buffer.alloc(3 * 1024));
  const then = new Date(Date.now() - 2 * 3600_000);
  utimesSync(join(dir, 'checkpoint.bin'), then, then);
  utimesSync(dir, then, then);
  const { rows: [orphan] } = await live.harness.pool.query(`SELECT lo_from_bytea(0, decode(repeat('00', 2048), 'hex')) AS oid`);

  const listed = memoryIo();
  expect(await runCli(['storage', 'gc', '--url', live.url], listed)).toBe(1);
  expect(listed.out).toMatch(new RegExp(`large object +${orphan.oid} +2\\.0 KiB`));
  expect(listed.out).toMatch(new RegExp(`directory +${key} +3\\.0 KiB`));
  expect(listed.out).toContain('would remove 1 large object and 1 working directory (5.0 KiB), 0 queue entries');
  expect(listed.err).toBe('dgm-ood storage gc: nothing removed: add --yes to remove (it cannot be undone)\n');
  const dryRun = memoryIo();
  expect(await runCli(['storage', 'gc', '--dry-run', '--url', live.url], dryRun)).toBe(0);
  expect(existsSync(dir)).toBe(true);

  const io = memoryIo();
  expect(await runCli(['storage', 'gc', '--yes', '--url', live.url], io)).toBe(0);
  expect(io.out).toContain('removed 1 large object, 1 working directory and 0 queue entries (found 1 large object and 1 working directory (5.0 KiB), 0 queue entries)');
  expect(existsSync(dir)).toBe(false);

  const bad = memoryIo();
  expect(await runCli(['storage', 'gc', '--grace', 'soon', '--url', live.url], bad)).toBe(1);
  expect(bad.err).toContain('--grace must be a whole number of minutes');
});
