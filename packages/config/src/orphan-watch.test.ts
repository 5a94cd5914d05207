import { expect, test, vi } from 'vitest';
import { stopWhenOrphaned } from './orphan-watch.js';

test('a service is told once when its parent process id changes (re-parented: the parent exited)', () => {
  vi.useFakeTimers();
  let parent = 4242;
  const orphaned: number[] = [];
  stopWhenOrphaned({ intervalMs: 100, parentPid: () => parent, onOrphaned: (previous) => orphaned.push(previous) });
  vi.advanceTimersByTime(1000);
  expect(orphaned).toEqual([]);
  parent = 1;
  vi.advanceTimersByTime(100);
  vi.advanceTimersByTime(1000);
  expect(orphaned).toEqual([4242]);
  vi.useRealTimers();
});

test('a process started by init (a container) is never watched', () => {
  vi.useFakeTimers();
  const onOrphaned = vi.fn();
  let parent = 1;
  stopWhenOrphaned({ intervalMs: 100, parentPid: () => parent, onOrphaned });
  parent = 7;
  vi.advanceTimersByTime(1000);
  expect(onOrphaned).not.toHaveBeenCalled();
  vi.useRealTimers();
});
