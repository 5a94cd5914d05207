/** Public types of @dgm-ood/metaconfig (the contract other packages import). */
import type { Deadline } from './expansion-budget.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** One problem found in a meta-configuration. `path` is a YAML path such as `sweep_configuration.dy__upsert[0].values[1]`. */
export interface MetaConfigIssue {
  code: string;
  path: string;
  message: string;
  /** Upstream quirk number (docs/metaconfig-notes.md §1.12), e.g. `Q7`. */
  quirk?: string;
  /** 1-based line in the source file, where known. */
  line?: number;
  file?: string;
}

export interface ExpandedJob {
  /** Grid index, 0-based, in grid order. */
  index: number;
  /** Run name (deterministic). */
  name: string;
  /** Flat W&B-style point `{paramName: alias-or-value}`. */
  point: Record<string, JsonValue>;
  /** The same point as canonical JSON with float fidelity. */
  pointJson: string;
  /** Concrete config as plain JS (integral floats become JS numbers here). */
  config: JsonValue;
  /** Canonical JSON text of the concrete config with float fidelity (`1.0` stays `1.0`). */
  configJson: string;
  /** sha256 hex of `configJson`. */
  configHash: string;
}

export interface SweepParameterInfo {
  name: string;
  /** YAML path of the swept node. */
  path: string;
  /** Number of distinct values (1 for a `value:` constant). */
  values: number;
}

export interface SweepInfo {
  project?: string;
  entity?: string;
  sweepName?: string;
  method: 'grid';
  /** Parameters in grid order (sorted names; the last varies fastest). */
  parameters: SweepParameterInfo[];
  jobCount: number;
  /** Description of the run-name changer in force (its dotted path or function name). */
  runNameChanger?: string;
  /** `run_name` prefix, when the file sets one. */
  runName?: string;
}

export type ExpansionResult =
  | { ok: true; sweep: SweepInfo; jobs: ExpandedJob[]; warnings: MetaConfigIssue[] }
  | { ok: false; errors: MetaConfigIssue[]; warnings?: MetaConfigIssue[] };

export interface ExpandOptions {
  /** File name put into every issue. */
  file?: string;
  /** Source format; default `yaml` (YAML 1.1 semantics as PyYAML/jsonargparse read it). */
  format?: 'yaml' | 'json';
  /** Reject grids larger than this without enumerating them. Default 100,000. */
  maxJobs?: number;
  /**
   * Run-name changer used when the file names none (the file's own `run_name_changer` wins):
   * a helper name such as `change_name` / `ood_run_name_changer`, or a dotted path. A job it cannot
   * name is an error, as for the file's own changer.
   */
  runNameChanger?: string;
  /**
   * Like `runNameChanger`, but only a default (the job kind's usual changer, which the file did not ask
   * for): a job it cannot name gets a generic name (`<dataset>_<short id>`, else `<grid point>_<short id>`)
   * and the expansion gives one `run_name.fallback` warning. Ignored when `runNameChanger` is given.
   */
  defaultRunNameChanger?: string;
  /**
   * Quirk Q3: dysweep turns a freshly created empty mapping `{}` into `[]`. By default we keep `{}` and
   * report a warning; `strictCompat: true` replicates dysweep.
   */
  strictCompat?: boolean;
  /** Evaluation steps of every snippet call of the expansion together (default DEFAULT_EXPANSION_STEPS): `eval.step_limit` beyond. */
  maxSteps?: number;
  /** When the expansion must have finished (`deadlineIn(ms)`; default none): `eval.deadline` / `expand.deadline` after it. */
  deadline?: Deadline;
}
