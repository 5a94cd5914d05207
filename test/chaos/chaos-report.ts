/**
 * What each fault came to: jobs expected vs found per state, rows expected vs found (lost, duplicated). One line on
 * stdout per fault, and one entry in test-results/chaos.json, which scripts/test.sh prints as a table.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Outcome, RowCount } from './chaos-system.js';
import { ROOT } from './chaos-system.js';

export const CHAOS_RESULTS = join(ROOT, 'test-results', 'chaos.json');

export interface FaultReport {
  fault: string;
  jobs: { expected: Record<string, number>; found: Record<string, number> };
  rows: RowCount;
  /** Further counts the fault is about (sweeps stored, attempts), expected vs found. */
  also?: Record<string, { expected: number; found: number }>;
  seconds: number;
  ok: boolean;
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

export function formatFault(report: FaultReport): string {
  const states = [...new Set([...Object.keys(report.jobs.expected), ...Object.keys(report.jobs.found)])].sort();
  const jobs = states.map((s) => `${s} ${report.jobs.found[s] ?? 0}/${report.jobs.expected[s] ?? 0}`).join(', ');
  const also = Object.entries(report.also ?? {}).map(([name, c]) => ` | ${name} ${c.found}/${c.expected}`).join('');
  const { rows } = report;
  return `${report.ok ? 'ok  ' : 'FAIL'} ${report.fault} | jobs ${jobs} | rows ${rows.found}/${rows.expected} (${rows.lost} lost, ${rows.duplicated} duplicated)${also} | ${report.seconds.toFixed(1)} s`;
}

/**
 * Judges the outcome (every count as expected, no row lost or duplicated), prints it and appends it to chaos.json.
 * Called before the test's assertions, so a failing fault is reported too.
 */
export function reportFault(entry: Omit<FaultReport, 'ok'>): FaultReport {
  const ok =
    sameCounts(entry.jobs.expected, entry.jobs.found) &&
    entry.rows.lost === 0 && entry.rows.duplicated === 0 && entry.rows.found === entry.rows.expected &&
    Object.values(entry.also ?? {}).every((c) => c.expected === c.found);
  const report: FaultReport = { ...entry, ok };
  console.log(`chaos: ${formatFault(report)}`);
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const earlier = existsSync(CHAOS_RESULTS) ? (JSON.parse(readFileSync(CHAOS_RESULTS, 'utf8')) as FaultReport[]) : [];
  writeFileSync(CHAOS_RESULTS, `${JSON.stringify([...earlier.filter((r) => r.fault !== report.fault), report], null, 2)}\n`);
  return report;
}

/**
 * For a fault the system must recover from completely: reports it, then asserts that all `jobs` jobs succeeded with
 * exactly `rows` rows (none lost, none duplicated) and that every `also` count is as expected.
 */
export function expectRecovered(entry: {
  fault: string;
  /** Date.now() when the test began. */
  started: number;
  jobs: number;
  rows: number;
  outcome: Outcome;
  also?: FaultReport['also'];
}): FaultReport {
  const { states, rows } = entry.outcome;
  const report = reportFault({
    fault: entry.fault,
    jobs: { expected: { succeeded: entry.jobs }, found: states },
    rows,
    ...(entry.also ? { also: entry.also } : {}),
    seconds: (Date.now() - entry.started) / 1000,
  });
  expect(states, entry.outcome.unsuccessful.join('\n')).toEqual({ succeeded: entry.jobs });
  expect(rows).toEqual({ expected: entry.rows, found: entry.rows, lost: 0, duplicated: 0 });
  for (const [name, count] of Object.entries(entry.also ?? {})) expect(count.found, name).toBe(count.expected);
  expect(report.ok).toBe(true);
  return report;
}
