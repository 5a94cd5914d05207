/**
 * Everything a single run's handler reported, kept as a worker would store it (a point or metric written again
 * replaces the earlier one; provenance keys merge) and written to the local results directory: summary.json,
 * results.csv + results.json, metrics.csv and log.jsonl (appended as lines come, so a crash keeps them).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactRecord, JsonValue, LogLine, MetricPoint, ProgressReport, ProvenanceFields, ResultRow } from '@dgm-ood/jobs';

export type RunOutcome = 'succeeded' | 'failed' | 'interrupted';

/** What summary.json says besides what the handler reported. */
export interface RunDescription {
  name: string;
  kind: 'train' | 'ood';
  configFile: string;
  overrides: string[];
  config: JsonValue;
  configHash: string;
  runName: string;
  handler: string;
  /** `database` (also recorded in PostgreSQL) or `local` (this directory only), and why. */
  recording: { mode: 'database' | 'local'; reason: string };
  /** The sweep and job in PostgreSQL, when recorded there. */
  database: { sweepId: string; sweepName: string; jobId: string; attempt: number; reference: { sweep: string; job: number } } | null;
  workdir: string;
  modelDir: string;
  dataDir: string;
  attempt: number;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csv = (rows: (string | number | null)[][]) => rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';

const finite = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The fields of one line of a CSV written here (quoted as csvField quotes them). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

export class RunRecord {
  readonly startedAt = new Date();
  lastProgress: ProgressReport | null = null;
  backend: string | null = null;
  provenanceFields: ProvenanceFields = {};
  private readonly metrics = new Map<string, MetricPoint>();
  private readonly results = new Map<string, ResultRow>();
  private readonly artifacts = new Map<string, ArtifactRecord>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  progress(report: ProgressReport): void {
    this.lastProgress = report;
    if (typeof report.backend === 'string') this.backend = report.backend;
  }

  provenance(fields: ProvenanceFields): void {
    this.provenanceFields = { ...this.provenanceFields, ...fields };
  }

  metric(points: readonly MetricPoint[]): void {
    for (const p of points) this.metrics.set(`${p.name}\u0000${p.scope}\u0000${p.step}`, p);
  }

  result(rows: readonly ResultRow[]): number {
    for (const r of rows) this.results.set(`${r.dataset}\u0000${r.split}\u0000${r.pointIndex}`, r);
    return rows.length;
  }

  artifact(record: ArtifactRecord): void {
    this.artifacts.set(record.name, record);
  }

  forgetArtifact(name: string): void {
    this.artifacts.delete(name);
  }

  artifactList(): ArtifactRecord[] {
    return [...this.artifacts.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  log(line: LogLine): void {
    appendFileSync(join(this.dir, 'log.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
  }

  /**
   * Starts recording into the directory. The files of an unfinished run (interrupted or failed) of the same config
   * are continued, as the resumed attempt continues its job: the points and metric values recorded before stay
   * unless written again, and log.jsonl grows. Anything else there is replaced.
   */
  begin(configHash: string): 'continued' | 'new' {
    if (this.continueUnfinished(configHash)) return 'continued';
    writeFileSync(join(this.dir, 'log.jsonl'), '');
    return 'new';
  }

  private continueUnfinished(configHash: string): boolean {
    const file = join(this.dir, 'summary.json');
    if (!existsSync(file)) return false;
    try {
      const previous = JSON.parse(readFileSync(file, 'utf8')) as { configHash?: string; outcome?: RunOutcome };
      if (previous.configHash !== configHash || previous.outcome === 'succeeded') return false;
      this.result(JSON.parse(readFileSync(join(this.dir, 'results.json'), 'utf8')) as ResultRow[]);
      const [, ...lines] = readFileSync(join(this.dir, 'metrics.csv'), 'utf8').trim().split('\n');
      this.metric(
        lines.map(csvFields).map(([name, scope, step, epoch, value]) => ({
          name: name!, scope: scope as MetricPoint['scope'], step: Number(step), epoch: epoch ? Number(epoch) : null, value: value ? Number(value) : null,
        })),
      );
      return true;
    } catch {
      // Files of another shape (or cut short): start them anew.
      return false;
    }
  }

  get resultCount(): number {
    return this.results.size;
  }

  /** Writes every file of the results directory (called once, however the run ended). */
  write(run: RunDescription, end: { outcome: RunOutcome; summary: JsonValue | null; error: string | null }): void {
    const rows = [...this.results.values()].sort(
      (a, b) => a.dataset.localeCompare(b.dataset) || a.split.localeCompare(b.split) || a.pointIndex - b.pointIndex,
    );
    const scoreNames = [...new Set(rows.flatMap((r) => Object.keys(r.scores)))];
    writeFileSync(join(this.dir, 'results.csv'), csv([['dataset', 'split', 'point_index', ...scoreNames], ...rows.map((r) => [r.dataset, r.split, r.pointIndex, ...scoreNames.map((n) => finite(r.scores[n]))])]));
    // One row a line: readable, and still one JSON array.
    const json = rows.map((r) => JSON.stringify({ dataset: r.dataset, split: r.split, pointIndex: r.pointIndex, scores: r.scores }));
    writeFileSync(join(this.dir, 'results.json'), json.length ? `[\n${json.join(',\n')}\n]\n` : '[]\n');
    const metrics = [...this.metrics.values()].sort((a, b) => a.name.localeCompare(b.name) || a.scope.localeCompare(b.scope) || a.step - b.step);
    writeFileSync(join(this.dir, 'metrics.csv'), csv([['name', 'scope', 'step', 'epoch', 'value'], ...metrics.map((m) => [m.name, m.scope, m.step, m.epoch, finite(m.value)])]));
    const finishedAt = new Date();
    const summary = {
      ...run,
      outcome: end.outcome,
      error: end.error,
      summary: end.summary,
      provenance: { ...this.provenanceFields, ...(this.backend ? { backend: this.backend } : {}) },
      backend: this.backend,
      lastProgress: this.lastProgress as JsonValue,
      timings: { startedAt: this.startedAt.toISOString(), finishedAt: finishedAt.toISOString(), seconds: (finishedAt.getTime() - this.startedAt.getTime()) / 1000 },
      results: { points: rows.length, scores: scoreNames, metrics: metrics.length },
      checkpoints: { workdir: run.workdir, dir: join(run.workdir, 'checkpoints'), artifacts: this.artifactList() },
    };
    writeFileSync(join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}
