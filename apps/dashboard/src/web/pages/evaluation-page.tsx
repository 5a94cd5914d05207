/**
 * An OOD sweep's evaluation: the AUC table for every (model, method, pair) and, for the chosen row, the
 * paper's figure (LID against log-likelihood, in-distribution / OOD / generated points, the dual-threshold
 * rectangle), histograms of each score and the ROC curves of each score and of the dual threshold.
 */
import * as Plot from '@observablehq/plot';
import { useMemo, useState } from 'preact/hooks';
import { get, getText, type Evaluation, type EvaluationPlots, type EvaluationRow, type MetricEstimate, type SweepDetail } from '../api.js';
import { ErrorBox, Section } from '../components/common.js';
import { PlotFigure } from '../components/plot-figure.js';
import { csv, download } from '../format.js';
import { useResource } from '../hooks.js';

const ROLE_COLORS = { 'in-distribution': '#2563eb', ood: '#dc2626', generated: '#16a34a' } as const;

const rowKey = (r: EvaluationRow) => `${r.positiveJobIds[0]}:${r.negativeJobIds[0]}`;
const positiveLabel = (r: EvaluationRow) => (r.positive === 'test' ? `${r.inDistribution} (test)` : `${r.inDistribution}-gen`);
const negativeLabel = (r: EvaluationRow) => (r.negativeSplit === 'test' ? r.negative : `${r.negative} (${r.negativeSplit})`);

function estimate(m: MetricEstimate | undefined): string {
  if (!m) return '—';
  const std = m.std === null ? '' : ` ±${m.std.toFixed(3)}`;
  const ci = m.ci ? ` [${m.ci.low.toFixed(3)}, ${m.ci.high.toFixed(3)}]` : '';
  return `${m.value.toFixed(3)}${std}${ci}`;
}

function AucTable({ evaluation, selected, onSelect }: { evaluation: Evaluation; selected: string | undefined; onSelect(key: string): void }) {
  const metrics = [...new Set(evaluation.rows.flatMap((r) => r.metrics.map((m) => m.metric)))];
  const labels = new Map(evaluation.rows.flatMap((r) => r.metrics.map((m) => [m.metric, m.label] as const)));
  const withVariant = evaluation.rows.some((r) => r.variant);
  const tableCsv = () =>
    csv(
      ['model', 'method', 'variant', 'positive', 'negative', 'positives', 'negatives', 'seeds', ...metrics.flatMap((m) => [m, `${m}:ci_low`, `${m}:ci_high`, `${m}:std`])],
      evaluation.rows.map((r) => ({
        model: r.model, method: r.method, variant: r.variant, positive: positiveLabel(r), negative: negativeLabel(r), positives: r.positives, negatives: r.negatives, seeds: r.seeds,
        ...Object.fromEntries(r.metrics.flatMap((m) => [[m.metric, m.value], [`${m.metric}:ci_low`, m.ci?.low], [`${m.metric}:ci_high`, m.ci?.high], [`${m.metric}:std`, m.std]])),
      })),
    );
  return (
    <>
      <div class="actions table-actions">
        <button type="button" onClick={() => download(`evaluation-${evaluation.sweepId}.csv`, tableCsv())}>AUC table CSV</button>
      </div>
      <div class="scroll">
        <table class="table auc" data-table="evaluation">
          <thead>
            <tr>
              <th>model</th><th>method</th>{withVariant ? <th>variant</th> : null}<th>positive</th><th>negative</th><th>n+</th><th>n−</th><th>seeds</th>
              {metrics.map((m) => <th key={m} title={labels.get(m)}>{m.replace(/^auc:/, '')}</th>)}
            </tr>
          </thead>
          <tbody>
            {evaluation.rows.map((r) => (
              <tr key={rowKey(r)} class={selected === rowKey(r) ? 'selected' : 'clickable'} onClick={() => onSelect(rowKey(r))} data-row={rowKey(r)}>
                <td>{r.model}</td><td>{r.method}</td>{withVariant ? <td>{r.variant}</td> : null}
                <td>{positiveLabel(r)}</td><td>{negativeLabel(r)}</td>
                <td class="num">{r.positives}</td><td class="num">{r.negatives}</td><td class="num">{r.seeds}</td>
                {metrics.map((m) => {
                  const e = r.metrics.find((x) => x.metric === m);
                  return <td key={m} class="num" data-metric={m}>{estimate(e)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function RowPlots({ sweepId, row }: { sweepId: string; row: EvaluationRow }) {
  const plots = useResource(`plots:${rowKey(row)}`, () =>
    get<EvaluationPlots>(`/sweeps/${sweepId}/evaluation/plots?positive=${row.positiveJobIds[0]}&negative=${row.negativeJobIds[0]}`),
  );
  const p = plots.data;
  const points = useMemo(
    () =>
      (p?.sets ?? []).flatMap((set) =>
        Array.from({ length: set.shown }, (_, i) => ({ set: set.label, role: set.role, index: i, ...Object.fromEntries(Object.entries(set.scores).map(([k, v]) => [k, v[i]])) })),
      ) as Record<string, unknown>[],
    [p],
  );
  if (plots.error) return <ErrorBox error={plots.error} />;
  if (!p) return <p class="muted">Loading plots…</p>;
  const color = { legend: true, domain: p.sets.map((s) => s.label), range: p.sets.map((s) => ROLE_COLORS[s.role]) };
  const labelOf = (name: string) => p.scores.find((s) => s.name === name)?.label ?? name;
  const scoreNames = p.scores.map((s) => s.name);
  const subsampled = p.sets.some((s) => s.shown < s.points);
  const title = `${row.model} · ${row.method}${row.variant ? ` (${row.variant})` : ''}: ${positiveLabel(row)} vs ${negativeLabel(row)}`;
  const rocData = p.curves.flatMap((c) => c.fpr.map((fpr, i) => ({ curve: `${c.kind === 'dual-threshold' ? 'dual threshold' : `naive ${c.label}`} (AUC ${c.auc.toFixed(3)})`, fpr, tpr: c.tpr[i] })));
  const op = p.operatingPoint;
  return (
    <>
      <p class="muted">
        {title}. {subsampled ? `Plots show a seeded subsample of ${p.sets.map((s) => `${s.shown}/${s.points}`).join(', ')} points; the table uses every point.` : null}
      </p>
      <div class="plot-grid">
        {p.pair && op ? (
          <PlotFigure
            title={`${labelOf(p.pair[1])} vs ${labelOf(p.pair[0])}`}
            data={points}
            columns={['set', 'role', 'index', ...scoreNames]}
            deps={[p]}
            render={() => {
              const [xName, yName] = p.pair!;
              const xs = points.map((d) => d[xName] as number);
              const ys = points.map((d) => d[yName] as number);
              const span = (values: number[], threshold: number, higher: boolean) => (higher ? [threshold, Math.max(...values)] : [Math.min(...values), threshold]);
              const [x1, x2] = span(xs, op.x.threshold, op.x.direction === 'higher-is-in-distribution');
              const [y1, y2] = span(ys, op.y.threshold, op.y.direction === 'higher-is-in-distribution');
              return Plot.plot({
                width: 620,
                height: 440,
                grid: true,
                color,
                x: { label: labelOf(xName) },
                y: { label: labelOf(yName) },
                marks: [
                  Plot.rect([{ x1, x2, y1, y2 }], { x1: 'x1', x2: 'x2', y1: 'y1', y2: 'y2', fill: '#fde68a', fillOpacity: 0.25, stroke: '#92400e', strokeDasharray: '6,3' }),
                  Plot.dot(points, { x: xName, y: yName, fill: 'set', r: 2.5, fillOpacity: 0.75, tip: true }),
                  Plot.text([{ x: x2, y: y2 }], {
                    x: 'x', y: 'y', textAnchor: 'end', dy: -6, dx: -4, fill: '#92400e',
                    text: () => `dual threshold: TPR ${op.tpr.toFixed(2)}, FPR ${op.fpr.toFixed(2)}`,
                  }),
                ],
              });
            }}
          />
        ) : null}
        <PlotFigure
          title={`ROC curves (${positiveLabel(row)} positive)`}
          data={rocData}
          columns={['curve', 'fpr', 'tpr']}
          deps={[p]}
          render={() =>
            Plot.plot({
              width: 460,
              height: 440,
              grid: true,
              color: { legend: true },
              x: { label: 'false positive rate', domain: [0, 1] },
              y: { label: 'true positive rate', domain: [0, 1] },
              marks: [Plot.line([[0, 0], [1, 1]], { stroke: '#9ca3af', strokeDasharray: '4,4' }), Plot.line(rocData, { x: 'fpr', y: 'tpr', stroke: 'curve', strokeWidth: 2 })],
            })
          }
        />
        {(p.pair ?? scoreNames).map((name) => (
          <PlotFigure
            key={name}
            title={`Histogram of ${labelOf(name)}`}
            data={points}
            columns={['set', 'role', 'index', name]}
            deps={[p, name]}
            render={() =>
              Plot.plot({
                width: 540,
                height: 260,
                grid: true,
                color,
                x: { label: labelOf(name) },
                y: { label: 'points' },
                marks: [Plot.rectY(points, Plot.binX<Plot.RectYOptions>({ y2: 'count' }, { x: name, fill: 'set', fillOpacity: 0.45, thresholds: 40 })), Plot.ruleY([0])],
              })
            }
          />
        ))}
      </div>
    </>
  );
}

export function EvaluationPage({ id }: { id: string }) {
  const sweep = useResource(`sweep:${id}`, () => get<SweepDetail>(`/sweeps/${id}`));
  const evaluation = useResource(`evaluation:${id}`, () => get<Evaluation>(`/sweeps/${id}/evaluation`));
  const [selected, setSelected] = useState<string>();
  const [exportError, setExportError] = useState<Error>();
  const e = evaluation.data;
  const rows = e?.rows ?? [];
  // Default row: the first with a dual threshold (the paper's figure), else the first.
  const chosen = rows.find((r) => rowKey(r) === selected) ?? rows.find((r) => r.positive === 'test' && r.metrics.some((m) => m.kind === 'dual-threshold')) ?? rows[0];
  const exportResults = async (reference: boolean) => {
    setExportError(undefined);
    try {
      const text = await getText(`/sweeps/${id}/results${reference ? '?names=reference' : ''}`, 'text/csv');
      download(`sweep-${id}-results${reference ? '-reference' : ''}.csv`, text);
    } catch (error) {
      setExportError(error as Error);
    }
  };
  return (
    <>
      <Section
        title={`Evaluation · ${sweep.data?.name ?? id}`}
        actions={
          <>
            <a class="button" href={`#/sweeps/${id}`}>Sweep</a>
            <button type="button" onClick={() => void exportResults(false)}>Per-point results CSV</button>
            <button type="button" title="column and run names of the reference project's W&B table export" onClick={() => void exportResults(true)}>
              CSV (reference names)
            </button>
          </>
        }
      >
        <ErrorBox error={evaluation.error ?? sweep.error ?? exportError} />
        {e && !e.complete ? <p class="notice">Provisional: the sweep is still running; this table covers the jobs that have finished.</p> : null}
        {e && rows.length === 0 ? <p class="muted">No rows yet: a row needs a finished in-distribution job and a finished OOD job of the same model and method.</p> : null}
        {e && rows.length > 0 ? <AucTable evaluation={e} selected={chosen && rowKey(chosen)} onSelect={setSelected} /> : null}
      </Section>
      {chosen ? (
        <Section title="Figures">
          <RowPlots key={rowKey(chosen)} sweepId={id} row={chosen} />
        </Section>
      ) : null}
    </>
  );
}
