/** Formatting shared by the pages: durations, times, grid points, CSV. */

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour12: false }) : d.toLocaleString([], { hour12: false });
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** A grid point as `key=value` pairs (nested objects flattened with dots). */
export function flatPoint(point: unknown, prefix = ''): [string, string][] {
  if (point === null || point === undefined) return [];
  if (typeof point !== 'object' || Array.isArray(point)) return [[prefix || 'value', JSON.stringify(point)]];
  return Object.entries(point as Record<string, unknown>).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? flatPoint(value, path) : [[path, typeof value === 'string' ? value : JSON.stringify(value)] as [string, string]];
  });
}

/** The last dotted segment: `train.optimizer.lr` → `lr` (full path in the title). */
export const shortKey = (path: string) => path.split('.').slice(-2).join('.');

export function csv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const field = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => field(r[c])).join(','))].join('\n')}\n`;
}

export function download(name: string, content: Blob | string, type = 'text/csv'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file-name-safe slug. */
export const slug = (text: string) => text.replace(/[^a-z0-9._-]+/gi, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'plot';

/** Remaining time of a running job from its progress fraction and start, or null when unknown. */
export function jobEta(fraction: number | undefined, startedAt: string | null, now: number): number | null {
  if (!startedAt || fraction === undefined || !(fraction > 0.005) || fraction >= 1) return null;
  const elapsed = now - new Date(startedAt).getTime();
  return (elapsed * (1 - fraction)) / fraction;
}
