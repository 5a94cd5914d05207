/** Every sweep, newest first: kind, state counts, progress, start and elapsed time; live. */
import { useRef, useState } from 'preact/hooks';
import { get, JOB_STATES, type Page, type SweepSummary } from '../api.js';
import { ErrorBox, LiveIndicator, ProgressBar, Section, StateBadge, StateCounts } from '../components/common.js';
import { duration, time } from '../format.js';
import { useEventSource, useResource, useTick } from '../hooks.js';

const PAGE_SIZE = 50;

export function SweepsList() {
  const [page, setPage] = useState(1);
  const sweeps = useResource(`sweeps:${page}`, () => get<Page<SweepSummary>>(`/sweeps?page=${page}&pageSize=${PAGE_SIZE}`));
  // Coalesce bursts of change events into one reload per second.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const live = useEventSource('/events', {
    sweeps: () => {
      pending.current ??= setTimeout(() => {
        pending.current = undefined;
        sweeps.reload();
      }, 1000);
    },
  }, sweeps.reload);
  const now = useTick(1000);
  const data = sweeps.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  return (
    <Section title="Sweeps" actions={<LiveIndicator status={live} />}>
      <ErrorBox error={sweeps.error} />
      {data && data.items.length === 0 ? (
        <p class="muted">No sweeps yet. Submit one with <code>dgm-ood sweep submit FILE</code> or <code>POST /sweeps</code>.</p>
      ) : null}
      {data && data.items.length > 0 ? (
        <table class="table" data-table="sweeps">
          <thead>
            <tr>
              <th>name</th>
              <th>kind</th>
              <th>status</th>
              <th>jobs</th>
              <th class="wide">progress</th>
              <th>started</th>
              <th>elapsed</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((s) => {
              const finished = s.counts.succeeded + s.counts.failed + s.counts.cancelled;
              const total = JOB_STATES.reduce((sum, state) => sum + s.counts[state], 0) || s.jobCount;
              const end = s.finishedAt ? new Date(s.finishedAt).getTime() : now;
              return (
                <tr key={s.id} data-sweep-id={s.id}>
                  <td>
                    <a href={`#/sweeps/${s.id}`} title={s.id}>{s.name}</a>
                    {s.kind === 'ood' ? <a class="sub-link" href={`#/sweeps/${s.id}/evaluation`}>evaluation</a> : null}
                  </td>
                  <td>{s.kind}</td>
                  <td><StateBadge state={s.status} /></td>
                  <td><StateCounts counts={s.counts} /></td>
                  <td><ProgressBar fraction={total ? finished / total : 1} label={`${finished}/${total}`} /></td>
                  <td>{time(s.startedAt)}</td>
                  <td>{s.startedAt ? duration(end - new Date(s.startedAt).getTime()) : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {pages > 1 ? (
        <nav class="pager">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>← newer</button>
          <span>page {page} of {pages}</span>
          <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>older →</button>
        </nav>
      ) : null}
    </Section>
  );
}
