import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { RunRecord, type RunDescription } from './run-record.js';

const description = (configHash: string): RunDescription => ({
  name: 'single: x.yaml', kind: 'train', configFile: 'x.yaml', overrides: [], config: {}, configHash, runName: 'x', handler: 'h',
  recording: { mode: 'local', reason: '--local' }, database: null, workdir: '/w', modelDir: '/m', dataDir: '/d', attempt: 1,
});

test('a rerun into the results directory of an interrupted run keeps its points and metric values unless written again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-record-'));
  const first = new RunRecord(dir);
  expect(first.begin('h1')).toBe('new');
  first.log({ level: 'info', message: 'first attempt' });
  first.metric([
    { name: 'loss, "smoothed"', scope: 'step', step: 1, epoch: 0, value: 3 },
    { name: 'loss, "smoothed"', scope: 'step', step: 2, epoch: 0, value: Number.NaN },
  ]);
  first.result([{ dataset: 'd', split: 'test', pointIndex: 0, scores: { lid: 1 } }]);
  first.write(description('h1'), { outcome: 'interrupted', summary: null, error: 'stopped' });

  const second = new RunRecord(dir);
  expect(second.begin('h1')).toBe('continued');
  second.log({ level: 'info', message: 'second attempt' });
  second.metric([{ name: 'loss, "smoothed"', scope: 'step', step: 2, epoch: 0, value: 2 }]);
  second.result([{ dataset: 'd', split: 'test', pointIndex: 1, scores: { lid: 2 } }]);
  second.write(description('h1'), { outcome: 'succeeded', summary: { ok: true }, error: null });
  expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe('name,scope,step,epoch,value\n"loss, ""smoothed""",step,1,0,3\n"loss, ""smoothed""",step,2,0,2\n');
  expect(readFileSync(join(dir, 'results.csv'), 'utf8')).toBe('dataset,split,point_index,lid\nd,test,0,1\nd,test,1,2\n');

  expect(readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).message)).toEqual(['first attempt', 'second attempt']);

  // A finished run's directory is not continued (its files describe that run), nor one of another config.
  const third = new RunRecord(dir);
  expect(third.begin('h1')).toBe('new');
  expect(readFileSync(join(dir, 'log.jsonl'), 'utf8')).toBe('');
  third.write(description('h1'), { outcome: 'failed', summary: null, error: 'x' });
  expect(new RunRecord(dir).begin('h2')).toBe('new');
});
