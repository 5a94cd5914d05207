/** Building blocks every page uses. */
import type { ComponentChildren } from 'preact';
import { JOB_STATES, type Counts, type JobState } from '../api.js';
import type { LiveStatus } from '../hooks.js';

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`} data-state={state}>{state}</span>;
}

/** Non-zero counts per state, in lifecycle order. */
export function StateCounts({ counts }: { counts: Counts }) {
  const shown = JOB_STATES.filter((s) => counts[s] > 0);
  if (shown.length === 0) return <span class="muted">no jobs</span>;
  return (
    <span class="counts">
      {shown.map((s: JobState) => (
        <span key={s} class={`badge state-${s}`} data-count-state={s} title={`${counts[s]} ${s}`}>
          {counts[s]} {s}
        </span>
      ))}
    </span>
  );
}

export function ProgressBar({ fraction, label }: { fraction: number | null | undefined; label?: string }) {
  const f = fraction === null || fraction === undefined || !Number.isFinite(fraction) ? null : Math.min(1, Math.max(0, fraction));
  return (
    <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={f === null ? undefined : Math.round(f * 100)}>
      <div class="progress-fill" style={{ width: `${(f ?? 0) * 100}%` }} />
      <span class="progress-label">{label ?? (f === null ? '' : `${Math.round(f * 100)}%`)}</span>
    </div>
  );
}

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const code = (error as { code?: string }).code;
  return (
    <div class="error" role="alert">
      {code ? <strong>{code}: </strong> : null}
      {error.message}
    </div>
  );
}

export function LiveIndicator({ status }: { status: LiveStatus }) {
  const text = status === 'live' ? 'live' : status === 'connecting' ? 'connecting…' : 'reconnecting…';
  return <span class={`live live-${status}`} title="updates pushed by the coordinator (server-sent events)">● {text}</span>;
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-header">
        <h2>{title}</h2>
        {actions ? <div class="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}
