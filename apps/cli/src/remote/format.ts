/** Plain-text rendering shared by the remote commands: tables, durations, times, counts, job progress. */
import { JOB_STATES, type JobCounts } from './api.js';

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

/** 0.4s, 12.3s, 4m 05s, 2h 03m. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** An ISO time as `2025-01-02 10:11:12Z` (UTC, to the second); — when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/** From `start` to `end` (or now), in ms; null before the start. */
export function elapsedMs(start: string | null, end: string | null, now = Date.now()): number | null {
  if (!start) return null;
  return (end ? Date.parse(end) : now) - Date.parse(start);
}

/** The non-zero counts in lifecycle order: `2 queued, 1 running, 3 succeeded`. */
export function countsText(counts: Partial<JobCounts>): string {
  const parts = JOB_STATES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'no jobs';
}

/** `finished/total (pct%)`. */
export function fractionText(finished: number, total: number): string {
  const fraction = total ? finished / total : 1;
  return `${finished}/${total} (${Math.floor(fraction * 100)}%)`;
}

/** A grid point as `name=value` pairs, in grid order. */
export function pointText(point: unknown): string {
  if (point === null || typeof point !== 'object' || Array.isArray(point)) return point === undefined || point === null ? '' : JSON.stringify(point);
  return Object.entries(point)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** A job's latest progress report: its fraction as a percentage, then its message or step. */
export function progressText(progress: unknown): string {
  if (progress === null || typeof progress !== 'object' || Array.isArray(progress)) return '';
  const p = progress as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof p.fraction === 'number') parts.push(`${Math.round(p.fraction * 100)}%`);
  if (typeof p.message === 'string') parts.push(p.message);
  else if (typeof p.step === 'number') parts.push(`step ${p.step}`);
  return parts.join(' ');
}

/** Remaining time at the rate so far; — until something finished. */
export function etaMs(elapsed: number | null, finished: number, total: number): number | null {
  if (elapsed === null || finished === 0 || finished >= total) return finished >= total && total > 0 ? 0 : null;
  return (elapsed * (total - finished)) / finished;
}

/** Bytes for people: 0 B, 512 B, 1.5 KiB, 2.0 GiB. */
export function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `1 job`, `2 jobs`, `2 working directories` (with the plural given). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
