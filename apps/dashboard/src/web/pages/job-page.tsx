/** One job: state and attempts (machine, backend), training curves, sample grids, artifacts, config, provenance, logs. */
import * as Plot from '@observablehq/plot';
import { useEffect, useState } from 'preact/hooks';
import { get, progressOf, type JobDetail, type LogLine, type MetricSeries, type SweepDetail } from '../api.js';
import { ErrorBox, Json, ProgressBar, Section, StateBadge } from '../components/common.js';
import { PlotFigure } from '../components/plot-figure.js';
import { bytes, duration, flatPoint, time } from '../format.js';
import { useResource } from '../hooks.js';

const LOG_PAGE = 200;
const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

function Curves({ job }: { job: JobDetail }) {
  const metrics = useResource(`metrics:${job.id}:${job.state}:${job.attempts}`, () => get<{ series: MetricSeries[] }>(`/jobs/${job.id}/metrics`));
  const series = (metrics.data?.series ?? []).filter((s) => s.points.some((p) => p.value !== null));
  if (metrics.error) return <ErrorBox error={metrics.error} />;
  if (series.length === 0) return <p class="muted">No metric series logged{job.state === 'running' ? ' yet' : ''}.</p>;
  return (
    <div class="plot-grid">
      {series.map((s) => {
        const data = s.points.filter((p) => p.value !== null).map((p) => ({ ...p, attempt: `attempt ${p.attempt}` }));
        const title = `${s.name} per ${s.scope}`;
        return (
          <PlotFigure
            key={`${s.scope}/${s.name}`}
            title={title}
            data={data}
            columns={['step', 'epoch', 'value', 'attempt']}
            deps={[data]}
            render={() =>
              Plot.plot({
                width: 420,
                height: 220,
                grid: true,
                // Epochs are whole numbers: integer ticks only.
                x: s.scope === 'epoch' ? { label: 'epoch', ticks: Math.min(10, data.length), tickFormat: 'd' } : { label: 'step' },
                y: { label: s.name },
                marks: [Plot.line(data, { x: 'step', y: 'value', stroke: 'attempt', tip: true }), Plot.dot(data.slice(-1), { x: 'step', y: 'value', r: 2 })],
              })
            }
          />
        );
      })}
    </div>
  );
}

function Logs({ job }: { job: JobDetail }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [more, setMore] = useState(true);
  const [error, setError] = useState<Error>();
  const after = lines.at(-1)?.id ?? 0;
  const loadMore = async () => {
    try {
      const { items } = await get<{ items: LogLine[] }>(`/jobs/${job.id}/logs?after=${after}&limit=${LOG_PAGE}`);
      setLines((previous) => [...previous, ...items.filter((l) => l.id > (previous.at(-1)?.id ?? 0))]);
      setMore(items.length === LOG_PAGE);
    } catch (e) {
      setError(e as Error);
    }
  };
  useEffect(() => {
    void loadMore();
  }, [job.id]);
  // While the job runs, new lines are fetched every few seconds.
  useEffect(() => {
    if (FINAL.has(job.state)) return;
    const timer = setInterval(() => void loadMore(), 3000);
    return () => clearInterval(timer);
  }, [job.state, after]);
  return (
    <>
      <ErrorBox error={error} />
      <div class="logs" data-logs>
        {lines.length === 0 ? <p class="muted">No log lines.</p> : null}
        {lines.map((l) => (
          <div key={l.id} class={`log log-${l.level}`}>
            <span class="log-time">{time(l.createdAt)}</span> <span class="log-level">{l.level}</span>{' '}
            <span class="log-attempt">#{l.attempt}</span> {l.message}
            {l.data && Object.keys(l.data as object).length > 0 ? <span class="log-data"> {JSON.stringify(l.data)}</span> : null}
          </div>
        ))}
      </div>
      {more ? <button type="button" onClick={() => void loadMore()}>Load more</button> : null}
    </>
  );
}

export function JobPage({ id }: { id: string }) {
  const job = useResource(`job:${id}`, () => get<JobDetail>(`/jobs/${id}`));
  const j = job.data;
  const sweep = useResource(`job-sweep:${j?.sweepId ?? ''}`, () => (j ? get<SweepDetail>(`/sweeps/${j.sweepId}`) : Promise.resolve(undefined)));
  // A running job's page refreshes its state every few seconds.
  useEffect(() => {
    if (!j || FINAL.has(j.state)) return;
    const timer = setInterval(() => job.reload(), 3000);
    return () => clearInterval(timer);
  }, [j?.state]);
  if (job.error && !j) return <ErrorBox error={job.error} />;
  if (!j) return <p class="muted">Loading…</p>;
  const samples = j.artifacts.filter((a) => a.kind === 'samples' && /\.png$/i.test(a.name)).reverse();
  return (
    <>
      <Section title={j.name}>
        <dl class="facts">
          <dt>sweep</dt><dd><a href={`#/sweeps/${j.sweepId}`}>{sweep.data?.name ?? j.sweepId}</a> · job {j.gridIndex}</dd>
          <dt>state</dt><dd><StateBadge state={j.state} /> attempt {j.attempts} of {j.maxAttempts}</dd>
          <dt>grid point</dt><dd class="point">{flatPoint(j.point).map(([k, v]) => <span key={k} class="kv">{k}={v}</span>)}</dd>
          <dt>backend</dt><dd>{j.backend ?? '—'}</dd>
          <dt>worker</dt><dd>{j.workerId ?? '—'}</dd>
          <dt>started</dt><dd>{time(j.startedAt)}</dd>
          <dt>took</dt><dd>{j.startedAt && j.finishedAt ? duration(new Date(j.finishedAt).getTime() - new Date(j.startedAt).getTime()) : '—'}</dd>
          <dt>id</dt><dd><code>{j.id}</code></dd>
        </dl>
        {j.state === 'running' ? <ProgressBar fraction={progressOf(j)?.fraction} label={progressOf(j)?.message} /> : null}
        {j.error ? <div class="error">{j.error}</div> : null}
      </Section>
      <Section title="Training curves"><Curves job={j} /></Section>
      {samples.length > 0 ? (
        <Section title="Samples">
          <div class="samples">
            {samples.map((a) => (
              <figure key={a.name}>
                <img src={`/jobs/${j.id}/artifacts/${a.name}`} alt={`samples ${a.name}`} loading="lazy" />
                <figcaption>{a.name.replace(/^samples\//, '')}</figcaption>
              </figure>
            ))}
          </div>
        </Section>
      ) : null}
      <Section title="Attempts">
        <table class="table" data-table="attempts">
          <thead><tr><th>#</th><th>worker (machine)</th><th>backend</th><th>outcome</th><th>started</th><th>took</th><th>error</th></tr></thead>
          <tbody>
            {j.attemptLog.map((a) => (
              <tr key={a.attempt}>
                <td class="num">{a.attempt}</td>
                <td>{a.workerId ?? '—'}</td>
                <td>{a.backend ?? '—'}</td>
                <td>{a.outcome ? <StateBadge state={a.outcome} /> : <StateBadge state="running" />}</td>
                <td>{time(a.startedAt)}</td>
                <td>{a.finishedAt ? duration(new Date(a.finishedAt).getTime() - new Date(a.startedAt).getTime()) : '—'}</td>
                <td class="job-error">{a.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Artifacts">
        {j.artifacts.length === 0 ? <p class="muted">None.</p> : (
          <table class="table" data-table="artifacts">
            <thead><tr><th>name</th><th>kind</th><th>size</th><th>sha256</th></tr></thead>
            <tbody>
              {j.artifacts.map((a) => (
                <tr key={a.name}>
                  <td><a href={`/jobs/${j.id}/artifacts/${a.name}`}>{a.name}</a></td>
                  <td>{a.kind}</td>
                  <td class="num">{bytes(a.bytes)}</td>
                  <td><code title={a.sha256}>{a.sha256.slice(0, 12)}…</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <div class="two-columns">
        <Section title="Config"><Json value={j.config} /></Section>
        <Section title="Provenance"><Json value={j.provenance} /></Section>
      </div>
      {j.summary ? <Section title="Summary"><Json value={j.summary} /></Section> : null}
      <Section title="Logs"><Logs job={j} /></Section>
    </>
  );
}
