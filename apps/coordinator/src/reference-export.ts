/**
 * Reference naming of per-point results: the shape of the reference project's W&B table export, which its
 * notebooks read (`notebooks/utils.py` `parse_table`): one row per point with the reference's score column
 * names and the run columns `_defaultColorIndex`, `id` and `name`, where `name` is the run name
 * `{A}_vs_{B}_{split}_{word}` (A: the model's in-distribution dataset, B: the scored one, `dgm-generated` for
 * the model's samples). `parse_table` splits that name on `_` and reads A, B and the split from it, so the
 * name is what tells a notebook which rows are positives. Pure: the route gives it jobs and rows.
 */
import { runWordFor } from '@dgm-ood/metaconfig';

/** The run columns of the export; W&B writes every column in code-point order, these among the scores. */
export const REFERENCE_RUN_COLUMNS = ['_defaultColorIndex', 'id', 'name'] as const;

/** Our score name → the reference's column (see docs/cli.md, "Exports your notebooks can read"). */
const REFERENCE_SCORE_NAMES: Readonly<Record<string, string>> = {
  log_likelihood: 'log-likelihood',
  lid: 'LID',
  background_log_likelihood: 'ref-log-likelihood',
  // The complexity method reports its likelihood in bits; the reference's column is still `log-likelihood`.
  log_likelihood_bits: 'log-likelihood',
  complexity_bits: 'complexity-scores',
  score_norm: 'score-norm',
  reconstruction: 'negative z_scores',
};

/** `cclr_0_33` (packages/methods/src/cclr.ts `cclrScore`) → φ `0.33`. */
const CCLR = /^cclr_(\d+)(?:_(\d+))?$/;

/** The reference's column for one of our score names; a score the reference never had keeps its name. */
export function referenceScoreName(name: string): string {
  const fixed = REFERENCE_SCORE_NAMES[name];
  if (fixed !== undefined) return fixed;
  const cclr = CCLR.exec(name);
  if (cclr) return `Cclr with frac = ${cclr[1]}${cclr[2] !== undefined ? `.${cclr[2]}` : ''}`;
  return name;
}

/**
 * A row's scores under reference names. Two of ours can share a reference column (`log_likelihood` and
 * `log_likelihood_bits`): the nats one wins, since that is what the reference's likelihood methods logged.
 */
export function referenceScores(scores: Readonly<Record<string, number | null>>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const names = Object.keys(scores).sort((a, b) => Number(b === 'log_likelihood') - Number(a === 'log_likelihood'));
  for (const name of names) {
    const column = referenceScoreName(name);
    if (!(column in out)) out[column] = scores[name] ?? null;
  }
  return out;
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every column of an export whose score columns (ours) are `scoreNames`, in W&B's order (code points). */
export function referenceColumns(scoreNames: readonly string[]): string[] {
  const columns = new Set<string>([...REFERENCE_RUN_COLUMNS, ...scoreNames.map(referenceScoreName)]);
  return [...columns].sort(byCodePoint);
}

/** What the export needs of a job. */
export interface ReferenceJob {
  id: string;
  gridIndex: number;
  /** The job's run name as stored (from the meta-configuration's run-name changer, or a generic one). */
  name: string;
  configHash: string;
  config: unknown;
  /**
   * The dataset the model was trained on, for an OOD config that does not name its in-distribution dataset
   * (the route reads it from the training job a `{sweep, job}` reference resolves to).
   */
  modelDataset?: string;
}

/** What the export needs of a result row. */
export interface ReferenceResult {
  dataset: string;
  split: string;
  scores: Readonly<Record<string, number | null>>;
}

export type ReferenceRow = Record<string, string | number | null>;

function at(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * A dataset as the reference's `ood_run_name_changer` shows it: its name, or for `medmnist`
 * `<subclass>-align|noalign` (packages/metaconfig/src/helpers/meta-configurations.ts `shownDataset`).
 */
function shownDataset(side: unknown): string | undefined {
  const dataset = at(side, 'dataloader_args', 'dataset');
  if (typeof dataset !== 'string' || dataset === '') return undefined;
  if (dataset !== 'medmnist') return dataset;
  const extra = at(side, 'dataloader_args', 'additional_dataset_args');
  const subclass = at(extra, 'subclass');
  if (typeof subclass !== 'string') return dataset;
  const align = at(extra, 'align');
  return `${subclass}-${align === false || align === null || align === 0 ? 'noalign' : 'align'}`;
}

/** A: the in-distribution dataset of the job's model; undefined for a job that is no OOD run (training). */
export function referenceInDistribution(job: Pick<ReferenceJob, 'config' | 'modelDataset'>): string | undefined {
  return shownDataset(at(job.config, 'data', 'in_distribution')) ?? job.modelDataset;
}

/**
 * The run word of a job whose stored name is not in the reference's pattern: the word its name would have had
 * (`runWordFor(config hash)`, dysweep's random word made deterministic), behind the meta-configuration's
 * `run_name` when its generic name shows one (`<subject>_<run_name>-<hash8>`). `_` would split the name in
 * the wrong places in `parse_table`: it becomes `-`.
 */
function runWord(job: Pick<ReferenceJob, 'name' | 'configHash'>): string {
  const word = runWordFor(job.configHash);
  const hash8 = job.configHash.slice(0, 8);
  const generic = new RegExp(`(?:^|_)([^_]+)-${hash8}$`).exec(job.name);
  return generic ? `${generic[1]}-${word}`.replace(/_/g, '-') : word;
}

/**
 * The reference run name of a result row: `{A}_vs_{B}_{split}_{word}`. A job named by the reference's
 * `ood_run_name_changer` (the default for OOD sweeps) already has it and keeps its name; others get it built
 * from their config and the row. Rows of a job that is no OOD run keep the job's name.
 */
export function referenceRunName(job: ReferenceJob, row: Pick<ReferenceResult, 'dataset' | 'split'>): string {
  const inDistribution = referenceInDistribution(job);
  if (inDistribution === undefined) return job.name;
  const outside = at(job.config, 'data', 'out_of_distribution');
  const scored = at(outside, 'dataloader_args', 'dataset') === row.dataset ? (shownDataset(outside) ?? row.dataset) : row.dataset;
  const prefix = `${inDistribution}_vs_${scored}_${row.split}_`;
  if (job.name.startsWith(prefix) && job.name.length > prefix.length) return job.name;
  return `${prefix}${runWord(job)}`;
}

/** One exported row: the run columns and the scores under reference names, keys in the export's column order. */
export function referenceRow(job: ReferenceJob, row: ReferenceResult): ReferenceRow {
  const cells: ReferenceRow = { ...referenceScores(row.scores), _defaultColorIndex: job.gridIndex, id: job.id, name: referenceRunName(job, row) };
  return Object.fromEntries(Object.keys(cells).sort(byCodePoint).map((k) => [k, cells[k] ?? null]));
}
