/**
 * One sweep: its counts, progress and ETA, and the grid as a table of jobs (run name, grid point, state,
 * attempts, progress, ETA), updated live from the coordinator's events; retry-failed, cancel and delete.
 */
import { useState } from 'preact/hooks';
import { del, get, JOB_STATES, post, progressOf, type JobState, type JobSummary, type Page, type Progress, type SweepDeletion, type SweepDetail } from '../api.js';
import { ErrorBox, LiveIndicator, ProgressBar, Section, StateBadge, StateCounts } from '../components/common.js';
import { bytes, duration, flatPoint, jobEta, shortKey, time } from '../format.js';
import { useEventSource, useResource, useTick } from '../hooks.js';

const PAGE_SIZE = 100;

/** A running job's report in a few words: its message, or its epoch/step/loss fields. */
function describeProgress(progress: Progress | null): string {
  if (!progress) return '';
  if (typeof progress.message === 'string' && !progress.message.startsWith('engine:')) return progress.message;
  const parts: string[] = [];
  for (const key of ['phase', 'epoch', 'step', 'loss', 'done', 'total']) {
    const v = progress[key];
    if (typeof v === 'number') parts.push(`${key} ${Number.isInteger(v) ? v : v.toPrecision(4)}`);
    else if (typeof v === 'string' && key === 'phase') parts.push(v);
  }
  return parts.join(' · ');
}

function sweepEta(sweep: SweepDetail): number | null {
  const fraction = sweep.progress.workDone;
  const elapsed = sweep.timings.elapsedMs;
  if (sweep.finishedAt || elapsed === null || !(fraction > 0) || fraction >= 1) return null;
  return (elapsed * (1 - fraction)) / fraction;
}

export function SweepPage({ id }: { id: string }) {
  const [page, setPage] = useState(1);
  const [state, setState] = useState<JobState | ''>('');
  const [notice, setNotice] = useState<string>();
  const [actionError, setActionError] = useState<Error>();
  const [deleted, setDeleted] = useState(false);
  const sweep = useResource(`sweep:${id}`, () => get<SweepDetail>(`/sweeps/${id}`));
  const jobs = useResource(`jobs:${id}:${page}:${state}`, () =>
    get<Page<JobSummary>>(`/sweeps/${id}/jobs?page=${page}&pageSize=${PAGE_SIZE}${state ? `&state=${state}` : ''}`),
  );
  const live = useEventSource(deleted ? null : `/sweeps/${id}/events`, {
    deleted: () => setDeleted(true),
    sweep: (detail) => sweep.set(() => detail as SweepDetail),
    jobs: (message) => {
      const { items, reload } = message as { items: JobSummary[]; reload: boolean };
      // A state filter can gain or lose rows: ask again rather than guess.
      if (reload || state) return jobs.reload();
      jobs.set((current) => current && { ...current, items: current.items.map((j) => items.find((c) => c.id === j.id) ?? j) });
    },
  }, jobs.reload);
  const now = useTick(1000);

  const act = async (label: string, path: string, confirmText?: string) => {
    if (confirmText && !window.confirm(confirmText)) return;
    setActionError(undefined);
    try {
      const result = await post<Record<string, number>>(path);
      setNotice(`${label}: ${Object.entries(result).map(([k, v]) => `${v} ${k}`).join(', ')}`);
      jobs.reload();
      sweep.reload();
    } catch (error) {
      setActionError(error as Error);
    }
  };

  /**
   * Delete after a dry run says what goes: the sweep's jobs, results, evaluations and artifacts, its unfinished jobs
   * cancelled first, and — only after a separate confirmation naming them — the sweeps whose jobs depend on it.
   */
  const remove = async (name: string) => {
    setActionError(undefined);
    try {
      const query = 'cancel=true&withDependents=true';
      const plan = await del<SweepDeletion>(`/sweeps/${id}?${query}&dryRun=true`);
      const others = plan.sweeps.filter((x) => x.id !== id).map((x) => `${x.name} (${x.id})`);
      if (others.length && !window.confirm(`${name} is needed by ${others.join(', ')}: their jobs depend on its jobs. Delete those sweeps too?`)) return;
      const what = [
        `${plan.jobs} job(s), ${plan.results} result row(s), ${plan.evaluations} evaluation(s), ${plan.artifacts.count} artifact(s) (${bytes(plan.artifacts.bytes)})`,
        others.length ? `with the ${others.length} sweep(s) that depend on it` : '',
        plan.cancelled ? `${plan.cancelled} unfinished job(s) are cancelled first` : '',
      ].filter(Boolean);
      if (!window.confirm(`Delete ${name}: ${what.join('; ')}? This cannot be undone.`)) return;
      await del<SweepDeletion>(`/sweeps/${id}?${query}`);
      setDeleted(true);
    } catch (error) {
      setActionError(error as Error);
    }
  };

  const s = sweep.data;
  if (deleted) {
    return (
      <Section title={s?.name ?? id}>
        <p class="notice" role="status" data-notice="deleted">
          This sweep was deleted, with its jobs, results and artifacts. <a href="#/">All sweeps</a>
        </p>
      </Section>
    );
  }
  if (sweep.error && !s) return <ErrorBox error={sweep.error} />;
  if (!s) return <p class="muted">Loading…</p>;
  const eta = sweepEta(s);
  const pages = jobs.data ? Math.max(1, Math.ceil(jobs.data.total / PAGE_SIZE)) : 1;
  const elapsed = s.startedAt ? (s.finishedAt ? new Date(s.finishedAt).getTime() : now) - new Date(s.startedAt).getTime() : null;
  return (
    <>
      <Section
        title={s.name}
        actions={
          <>
            <LiveIndicator status={live} />
            {s.kind === 'ood' ? <a class="button" href={`#/sweeps/${id}/evaluation`}>Evaluation</a> : null}
            <button type="button" data-action="retry-failed" disabled={s.counts.failed === 0} onClick={() => act('Retried', `/sweeps/${id}/retry-failed`)}>
              Retry failed
            </button>
            <button
              type="button"
              class="danger"
              data-action="cancel"
              disabled={!!s.finishedAt && s.counts.running + s.counts.queued + s.counts.pending + s.counts.waiting === 0}
              onClick={() => act('Cancelled', `/sweeps/${id}/cancel`, `Cancel every unfinished job of ${s.name}?`)}
            >
              Cancel
            </button>
            <button type="button" class="danger" data-action="delete" onClick={() => void remove(s.name)}>
              Delete
            </button>
          </>
        }
      >
        <dl class="facts">
          <dt>kind</dt><dd>{s.kind}</dd>
          <dt>status</dt><dd><StateBadge state={s.status} /></dd>
          <dt>jobs</dt><dd><StateCounts counts={s.counts} /></dd>
          <dt>started</dt><dd>{time(s.startedAt)}</dd>
          <dt>elapsed</dt><dd data-fact="elapsed">{duration(elapsed)}</dd>
          <dt>ETA</dt><dd>{eta === null ? '—' : duration(eta)}</dd>
          <dt>mean job</dt><dd>{duration(s.timings.meanSucceededJobMs)}</dd>
          <dt>id</dt><dd><code>{s.id}</code></dd>
        </dl>
        <ProgressBar
          fraction={s.progress.workDone}
          label={`${s.progress.finished}/${s.progress.total} finished · ${Math.round(s.progress.workDone * 100)}% of the work (running jobs' reports included)`}
        />
        {(s.unservable ?? []).map((u) => (
          // Queued jobs whose resources no live worker has would otherwise look merely slow.
          <p class="notice" role="status" data-unservable={u.requirementClass} key={`${u.kind}/${u.requirementClass}`}>
            {u.queued} queued {u.kind} job(s) of requirement class <code>{u.requirementClass}</code>: {u.message}
          </p>
        ))}
        {notice ? <p class="notice" role="status">{notice}</p> : null}
        <ErrorBox error={actionError} />
      </Section>
      <Section
        title="Jobs"
        actions={
          <label>
            state{' '}
            <select value={state} onChange={(e) => { setPage(1); setState((e.target as HTMLSelectElement).value as JobState | ''); }}>
              <option value="">all</option>
              {JOB_STATES.map((st) => <option key={st} value={st}>{st}</option>)}
            </select>
          </label>
        }
      >
        <ErrorBox error={jobs.error} />
        <table class="table" data-table="jobs">
          <thead>
            <tr><th>#</th><th>run</th><th>grid point</th><th>state</th><th>attempts</th><th class="wide">progress</th><th>backend</th><th>ETA / took</th></tr>
          </thead>
          <tbody>
            {(jobs.data?.items ?? []).map((j) => {
              const progress = progressOf(j);
              const fraction = j.state === 'succeeded' ? 1 : progress?.fraction;
              const eta = j.state === 'running' ? jobEta(progress?.fraction, j.startedAt, now) : null;
              const took = j.startedAt && j.finishedAt ? new Date(j.finishedAt).getTime() - new Date(j.startedAt).getTime() : null;
              return (
                <tr key={j.id} data-job-id={j.id} data-job-state={j.state}>
                  <td class="num">{j.gridIndex}</td>
                  <td><a href={`#/jobs/${j.id}`} title={j.id}>{j.name}</a></td>
                  <td class="point">
                    {flatPoint(j.point).map(([k, v]) => <span key={k} class="kv" title={`${k}=${v}`}>{shortKey(k)}={v}</span>)}
                  </td>
                  <td><StateBadge state={j.state} />{j.error ? <div class="job-error" title={j.error}>{j.error}</div> : null}</td>
                  <td class="num">{j.attempts}</td>
                  <td>
                    <ProgressBar fraction={fraction} />
                    {j.state === 'running' ? <div class="progress-message">{describeProgress(progress)}</div> : null}
                  </td>
                  <td>{j.backend ?? progress?.backend ?? '—'}</td>
                  <td>{j.state === 'running' ? (eta === null ? '…' : duration(eta)) : duration(took)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {pages > 1 ? (
          <nav class="pager">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>←</button>
            <span>page {page} of {pages} ({jobs.data?.total} jobs)</span>
            <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>→</button>
          </nav>
        ) : null}
      </Section>
    </>
  );
}
