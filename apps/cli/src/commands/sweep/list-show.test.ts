import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../cli.js';
import { startLiveCoordinator, type LiveCoordinator } from '../../testing/live-coordinator.js';
import { memoryIo } from '../../test-io.js';

let live: LiveCoordinator;
let sweepId: string;
beforeAll(async () => {
  live = await startLiveCoordinator();
  const meta = 'project: cli\nbase_config: {fixture: succeed, trainer: {}}\nsweep_configuration:\n  points: {sweep: true, values: [2, 3]}\n';
  const io = memoryIo({ 'listed.yaml': meta });
  expect(await runCli(['sweep', 'submit', 'listed.yaml', '--wait', '--url', live.url], io)).toBe(0);
  sweepId = /\(([0-9a-f-]{36})\)/.exec(io.out)![1]!;
});
afterAll(async () => {
  await live?.close();
});

test('list shows each sweep: id, name, kind, status, counts per state, progress, started, elapsed', async () => {
  const io = memoryIo();
  expect(await runCli(['sweep', 'list', '--url', live.url], io)).toBe(0);
  const [header, row, footer] = io.out.trim().split('\n');
  expect(header).toMatch(/^id\s+name\s+kind\s+status\s+jobs\s+progress\s+started\s+elapsed$/);
  expect(row!.split(/\s{2,}/)).toEqual([sweepId, 'listed', 'train', 'succeeded', '2 succeeded', '2/2 (100%)', expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/), expect.stringMatching(/^[\d.]+s$/)]);
  expect(footer).toBe('sweeps 1–1 of 1');

  const json = memoryIo();
  expect(await runCli(['sweep', 'list', '--json', '--url', live.url], json)).toBe(0);
  expect(JSON.parse(json.out)).toMatchObject({ total: 1, items: [{ id: sweepId, name: 'listed', counts: { succeeded: 2 }, progress: { finished: 2, total: 2, fraction: 1 } }] });
});

test('show (by id or by name) gives counts, progress, timings and every job with its grid point', async () => {
  for (const ref of [sweepId, 'listed']) {
    const io = memoryIo();
    expect(await runCli(['sweep', 'show', ref, '--url', live.url], io)).toBe(0);
    expect(io.out).toContain(`sweep listed\n  id        ${sweepId}\n  kind      train\n  status    succeeded\n  progress  2/2 (100%) finished\n`);
    expect(io.out).toContain('  jobs      pending 0, waiting 0, queued 0, running 0, succeeded 2, failed 0, cancelled 0\n');
    expect(io.out).toMatch(/\n {2}elapsed {3}[\d.]+s \(a succeeded job took [\d.]+s on average\)\n/);
    const table = io.out.slice(io.out.indexOf('\nindex') + 1).trim().split('\n');
    expect(table[0]).toMatch(/^index\s+run name\s+point\s+state\s+attempts\s+progress \/ error$/);
    expect(table.slice(1).map((r) => r.split(/\s{2,}/))).toEqual([
      ['0', expect.stringMatching(/^points=2_[0-9a-f]{8}$/), 'points=2', 'succeeded', '1', '100%'],
      ['1', expect.stringMatching(/^points=3_[0-9a-f]{8}$/), 'points=3', 'succeeded', '1', '100%'],
    ]);
  }
  const json = memoryIo();
  expect(await runCli(['sweep', 'show', sweepId, '--json', '--url', live.url], json)).toBe(0);
  const shown = JSON.parse(json.out);
  expect(shown).toMatchObject({ id: sweepId, counts: { succeeded: 2 }, progress: { fraction: 1 } });
  expect(shown.jobs.map((j: { point: unknown; state: string }) => [j.point, j.state])).toEqual([[{ points: 2 }, 'succeeded'], [{ points: 3 }, 'succeeded']]);
});

test('an unknown sweep name is exit 2; an unknown id is the coordinator’s 404, exit 3', async () => {
  const byName = memoryIo();
  expect(await runCli(['sweep', 'show', 'no-such-sweep', '--url', live.url], byName)).toBe(2);
  expect(byName.err).toBe(`dgm-ood sweep show: no sweep named no-such-sweep at ${live.url} (give a sweep id or name; dgm-ood sweep list shows them)\n`);
  const byId = memoryIo();
  const id = '00000000-0000-4000-8000-000000000000';
  expect(await runCli(['sweep', 'show', id, '--url', live.url], byId)).toBe(3);
  expect(byId.err).toBe(`dgm-ood sweep show: the coordinator answered 404 to GET /sweeps/${id}: sweep ${id} not found [DGM_SWEEP_NOT_FOUND]\n`);
});
