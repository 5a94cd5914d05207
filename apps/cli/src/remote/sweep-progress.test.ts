import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { memoryIo } from '../test-io.js';
import type { JobCounts, SweepDetail } from './api.js';
import { plainProgress, terminalProgress } from './sweep-progress.js';

function sweep(counts: Partial<JobCounts>, elapsedMs: number | null): SweepDetail {
  const all = { pending: 0, waiting: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, ...counts };
  const finished = all.succeeded + all.failed + all.cancelled;
  return {
    id: 's', name: 'demo', kind: 'ood', options: {}, status: finished === 4 ? 'succeeded' : 'running', jobCount: 4, createdAt: '', startedAt: null, finishedAt: null,
    counts: all, progress: { finished, total: 4, fraction: finished / 4, workDone: finished / 4 }, timings: { elapsedMs, meanSucceededJobMs: null },
  };
}

test('without a terminal: one line per change of the counts, at most every interval', () => {
  const io = memoryIo();
  let now = 0;
  const display = plainProgress(io, 5000, () => now);
  display.update(sweep({ queued: 4 }, null));
  display.update(sweep({ queued: 4 }, null)); // no change: no line
  now = 1000;
  display.update(sweep({ queued: 3, running: 1 }, 1000)); // too soon: held back
  now = 6000;
  display.update(sweep({ queued: 2, running: 1, succeeded: 1 }, 6000));
  now = 12_000;
  display.update(sweep({ succeeded: 3, failed: 1 }, 12_000));
  display.stop();
  expect(io.out.split('\n')).toEqual([
    '[elapsed —] 0/4 (0%) finished, work 0%: 4 queued; ETA —',
    '[elapsed 6.0s] 1/4 (25%) finished, work 25%: 2 queued, 1 running, 1 succeeded; ETA 18s',
    '[elapsed 12s] 4/4 (100%) finished, work 100%: 3 succeeded, 1 failed; ETA 0.0s',
    '',
  ]);
});

test('without a terminal: a long job that reports its fraction moves the line (work done) while the counts stay', () => {
  const io = memoryIo();
  let now = 0;
  const display = plainProgress(io, 5000, () => now);
  const running = (workDone: number, elapsedMs: number) => {
    const s = sweep({ running: 1 }, elapsedMs);
    return { ...s, jobCount: 1, progress: { ...s.progress, total: 1, workDone } };
  };
  display.update(running(0.1, 1000));
  now = 6000;
  display.update(running(0.1, 6000)); // same counts, same work: no line
  now = 12_000;
  display.update(running(0.4, 12_000));
  expect(io.out.split('\n')).toEqual([
    '[elapsed 1.0s] 0/1 (0%) finished, work 10%: 1 running; ETA 9.0s',
    '[elapsed 12s] 0/1 (0%) finished, work 40%: 1 running; ETA 18s',
    '',
  ]);
});

test('on a terminal: a bar per job state with its count, and the overall fraction with elapsed time and ETA', () => {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 200 });
  let drawn = '';
  stream.on('data', (chunk: Buffer) => (drawn += chunk.toString('utf8')));
  const display = terminalProgress(stream);
  display.update(sweep({ queued: 1, running: 1, succeeded: 2 }, 4000));
  display.stop();
  // Escape sequences aside, the last frame holds every bar.
  const text = drawn.replace(/\x1B\[[0-9;?]*[A-Za-z]|\x1B[78]/g, '');
  for (const state of ['pending', 'waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled']) expect(text).toMatch(new RegExp(`${state} +\\S+ \\d/4`));
  expect(text).toMatch(/queued +\S+ 1\/4/);
  expect(text).toMatch(/succeeded +\S+ 2\/4/);
  expect(text).toMatch(/overall +\S+ 2\/4 finished \| work 50% \| elapsed 4\.0s \| ETA 4\.0s/);
});
