/**
 * Expansion of a meta-configuration into its ordered job list: load (YAML 1.1), validate everything
 * statically (schema, swept nodes, names, aliases, snippets, grid size), then materialise every grid point
 * by the upsert algorithm, hash the canonical config and name the run. Pure: no I/O, no code execution.
 */
import { createHash } from 'node:crypto';
import { ForbiddenKeyError, NotSerialisableError, canonicalJson, toJsonValue } from './canonical-json.js';
import { buildGrid, digitsAt, sentJsonAt, type Grid } from './grid.js';
import { DOCUMENT_PATH, IssueError, joinPath } from './issues.js';
import { ExpansionBudget, ExpansionLimitError } from './expansion-budget.js';
import { inferJobKind, type JobKind } from './job-kind.js';
import { nameParameters } from './parameter-names.js';
import { callSnippet, type CompiledSnippet } from './python/snippet.js';
import { RESERVED_WORDS, findAllReservedWords, findUnknownDirectives } from './reserved-words.js';
import { RUN_NAME_FALLBACK, genericRunName } from './generic-run-name.js';
import { baseRunName } from './run-name.js';
import { readTopLevel, unwrapSweepConfiguration, type TopLevel } from './schema.js';
import { compileSpec, readEvalSpec, readInlineSpec, scanSnippets } from './snippet-spec.js';
import { flattenSweepTree } from './sweep-tree.js';
import type { ExpandedJob, ExpandOptions, ExpansionResult, JsonValue, MetaConfigIssue, SweepInfo } from './types.js';
import { Upserter, type SnippetRunner } from './upsert.js';
import { PyError, type PyDict, type PyValue, deepCopy, isDict } from './value.js';
import { loadSource, type LoadedSource } from './yaml11.js';

export const DEFAULT_MAX_JOBS = 100_000;
/** The jobs' concrete configs together, at most (a large base config times many grid points is memory, per request). */
export const MAX_TOTAL_CONFIG_BYTES = 256 * 1024 * 1024;
/** Stop materialising after this many distinct problems (each job would repeat them). */
const MAX_DISTINCT_JOB_ERRORS = 25;
const MAX_FAILED_JOBS = 500;

/** A validated meta-configuration, ready to materialise any grid point. */
export interface PreparedSweep {
  sweep: SweepInfo;
  grid: Grid;
  base: PyDict;
  remaining: PyDict;
  treePath: string;
  runName?: string;
  /** `fallback`: a default changer the file did not ask for; jobs it cannot name get generic names. */
  changer?: { snippet: CompiledSnippet; path: string; fallback?: { option: string } };
  source: LoadedSource;
  options: ExpandOptions;
  /** Steps and time every snippet call of this expansion draws on. */
  budget: ExpansionBudget;
}

/** Issues that end the expansion at once: the budget is spent, so every later job would stop the same way. */
export const LIMIT_ISSUE_CODES: ReadonlySet<string> = new Set(['eval.step_limit', 'eval.deadline', 'expand.deadline']);

type Prepared = { ok: true; prepared: PreparedSweep; warnings: MetaConfigIssue[] } | { ok: false; errors: MetaConfigIssue[]; warnings: MetaConfigIssue[] };

/** Resolve `line` for every issue: the node at its path, or the nearest ancestor that has one. */
function locate(issue: MetaConfigIssue, source: LoadedSource | undefined, file: string | undefined, snippetLine?: number): MetaConfigIssue {
  const out: MetaConfigIssue = { ...issue };
  if (file !== undefined) out.file = file;
  if (out.line === undefined && source !== undefined) {
    let p = out.path.replace(/ \(result\)$/, '');
    for (;;) {
      const loc = source.locations.get(p === DOCUMENT_PATH ? '' : p);
      if (loc !== undefined) {
        out.line = snippetLine !== undefined && loc.contentLine !== undefined ? loc.contentLine + snippetLine - 1 : loc.line;
        break;
      }
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) break;
      p = p.slice(0, cut);
    }
  }
  return out;
}

function describeGrid(grid: Grid): string {
  return grid.parameters.map((p) => `${p.name}: ${p.values.length}`).join(' × ');
}

export function prepareMetaConfig(sourceText: string, options: ExpandOptions = {}): Prepared {
  const file = options.file;
  const source = loadSource(sourceText, options.format ?? 'yaml');
  const errors: MetaConfigIssue[] = [];
  const warnings: MetaConfigIssue[] = [];
  const errorAt = (e: IssueError) => errors.push(locate(e.issue, source, file, e.snippetLine));
  const finish = (): Prepared => ({
    ok: false,
    errors: errors.map((e) => locate(e, source, file)),
    warnings: warnings.map((w) => locate(w, source, file)),
  });

  errors.push(...source.issues);
  if (errors.length > 0) return finish();
  const doc = source.value;
  if (!isDict(doc)) {
    errors.push({
      code: 'config.not_mapping',
      path: DOCUMENT_PATH,
      message: doc === null || doc === undefined ? 'the file is empty; a meta-configuration is a YAML mapping' : 'a meta-configuration must be a YAML mapping at the top level',
      line: 1,
    });
    return finish();
  }
  const top: TopLevel = readTopLevel(doc, errors, warnings);
  const base = top.baseConfig;
  if (base !== undefined) {
    for (const r of findAllReservedWords(base, 'base_config')) {
      errors.push({ code: 'config.reserved_word', path: r.path, message: `'${r.word}' is a reserved word of the sweep language and may not appear in base_config (it is not interpreted there)` });
    }
  }
  for (const key of ['base_config', 'sweep_configuration']) {
    const v = doc.get(key);
    if (v === undefined) continue;
    for (const d of findUnknownDirectives(v, key)) {
      errors.push({
        code: 'directive.unknown',
        path: d.path,
        message: `'${d.word}' is not a directive of the sweep language (known: dy__upsert, dy__eval, dy__list__operations, dy__insert, dy__remove, dy__overwrite)`,
      });
    }
  }
  let grid: Grid | undefined;
  let remaining: PyDict = new Map();
  let treePath = 'sweep_configuration';
  let wrapperName: string | undefined;
  if (top.sweepConfiguration !== undefined) {
    const unwrapped = unwrapSweepConfiguration(top.sweepConfiguration, errors);
    if (unwrapped !== undefined) {
      treePath = unwrapped.treePath;
      wrapperName = unwrapped.name;
      const sink = { error: (i: MetaConfigIssue) => errors.push(i), warn: (i: MetaConfigIssue) => warnings.push(i) };
      const flat = flattenSweepTree(unwrapped.tree, treePath, source.origins, sink);
      remaining = flat.remaining;
      const named = nameParameters(flat.swept, errors);
      checkAliases(named.map((n) => n.node), errors);
      grid = buildGrid(named);
      scanSnippets(unwrapped.tree, treePath, errorAt);
    }
  }
  let changer: PreparedSweep['changer'];
  // The file's own changer wins, then one the caller insists on, then the kind's default.
  const option = options.runNameChanger ?? options.defaultRunNameChanger;
  if (top.runNameChanger !== undefined || option !== undefined) {
    const fromFile = top.runNameChanger !== undefined;
    const isDefault = !fromFile && options.runNameChanger === undefined;
    const path = fromFile ? 'run_name_changer' : isDefault ? '<option defaultRunNameChanger>' : '<option runNameChanger>';
    const spec = fromFile ? (top.runNameChanger as PyValue) : (option as string).includes('.') ? (option as string) : `meta_configurations.${option as string}`;
    try {
      changer = { snippet: compileSpec(readEvalSpec(spec, path)), path, ...(isDefault ? { fallback: { option: option as string } } : {}) };
    } catch (e) {
      if (e instanceof IssueError) errorAt(e);
      else throw e;
    }
  }
  const maxJobs = options.maxJobs ?? DEFAULT_MAX_JOBS;
  if (grid !== undefined && grid.jobCount > maxJobs) {
    errors.push({
      code: 'grid.too_large',
      path: treePath,
      message: `the grid has ${grid.jobCount} jobs (${describeGrid(grid)}), more than the cap of ${maxJobs}; it was not enumerated`,
    });
  }
  if (errors.length > 0 || grid === undefined || base === undefined || top.project === undefined) return finish();

  // Writing the base once records each base mapping's sorted key order, which its per-job copies reuse.
  try {
    canonicalJson(base);
  } catch {
    // A base that cannot be written as JSON is reported per job, with its path.
  }
  const sweep: SweepInfo = {
    project: top.project,
    method: 'grid',
    parameters: grid.parameters.map((p) => ({ name: p.name, path: p.node.yamlPath, values: p.values.length })),
    jobCount: grid.jobCount,
    ...(top.entity !== undefined ? { entity: top.entity } : {}),
    ...(top.sweepName !== undefined || wrapperName !== undefined ? { sweepName: (top.sweepName ?? wrapperName) as string } : {}),
    ...(changer !== undefined ? { runNameChanger: changer.snippet.description } : {}),
    ...(top.runName !== undefined ? { runName: top.runName } : {}),
  };
  return {
    ok: true,
    warnings: warnings.map((w) => locate(w, source, file)),
    prepared: {
      sweep, grid, base, remaining, treePath, ...(top.runName !== undefined ? { runName: top.runName } : {}), ...(changer ? { changer } : {}), source, options,
      budget: new ExpansionBudget(options.maxSteps, options.deadline),
    },
  };
}

/** Aliases are unique across the sweep; a plain string value equal to an alias would be decoded (Q10). */
function checkAliases(nodes: readonly { yamlPath: string; aliases?: string[]; values: PyValue[] }[], errors: MetaConfigIssue[]): void {
  const owner = new Map<string, string>();
  for (const n of nodes) {
    n.aliases?.forEach((a, i) => {
      const earlier = owner.get(a);
      if (earlier !== undefined) {
        errors.push({ code: 'sweep.alias_duplicate', path: joinPath(joinPath(n.yamlPath, 'sweep_alias'), i), message: `the alias '${a}' is already used by ${earlier}; aliases must be unique across the whole sweep` });
      } else owner.set(a, n.yamlPath);
    });
  }
  for (const n of nodes) {
    if (n.aliases !== undefined) continue;
    n.values.forEach((v, i) => {
      if (typeof v === 'string' && owner.has(v)) {
        errors.push({
          code: 'alias.collision',
          path: joinPath(joinPath(n.yamlPath, 'values'), i),
          quirk: 'Q10',
          message: `the value '${v}' equals an alias of ${owner.get(v)}; dysweep would replace it by that alias's value. Rename the alias or the value`,
        });
      }
    });
  }
}

class Runner implements SnippetRunner {
  constructor(private readonly budget: ExpansionBudget) {}
  evaluate(spec: PyValue, arg: PyValue, specPath: string): PyValue {
    const s = readEvalSpec(spec, specPath);
    return run(compileSpec(s), [arg], s.expressionPath, this.budget);
  }
  inline(text: string, current: PyValue, path: string): PyValue {
    const s = readInlineSpec(text, path);
    return run(compileSpec(s), [current], path, this.budget);
  }
}

function run(snippet: CompiledSnippet, args: PyValue[], path: string, budget: ExpansionBudget): PyValue {
  try {
    return callSnippet(snippet, args, undefined, budget);
  } catch (e) {
    if (e instanceof ExpansionLimitError) {
      throw new IssueError({ code: e.limit === 'steps' ? 'eval.step_limit' : 'eval.deadline', path, message: `${e.message}, in ${snippet.description}` });
    }
    // The evaluator recurses per call and per level of an expression; whatever its limits leave, the stack is the last.
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new IssueError({ code: 'eval.runtime', path, message: `RecursionError: the snippet recursed deeper than the evaluator's stack allows (in ${snippet.description})` });
    }
    if (e instanceof PyError) {
      throw new IssueError(
        { code: 'eval.runtime', path, message: `${e.pyType}: ${e.message} (in ${snippet.description}${e.line !== undefined ? `, snippet line ${e.line}` : ''})` },
        e.line,
      );
    }
    throw e;
  }
}

export interface MaterialisedJob {
  job: ExpandedJob;
  warnings: MetaConfigIssue[];
  /** Why the default run-name changer could not name this job (it got a generic name instead). */
  nameFallback?: string;
}

/** Materialise grid point `index` of a prepared sweep. Throws IssueError on failure. */
export function materialiseJob(p: PreparedSweep, index: number): MaterialisedJob {
  const warnings: MetaConfigIssue[] = [];
  const digits = digitsAt(p.grid, index);
  // Unflatten the decoded point along the parameters' paths, then attach the remaining bunch.
  const tree: PyDict = new Map();
  const point: Record<string, JsonValue> = {};
  let pointJson = '{';
  p.grid.parameters.forEach((param, i) => {
    const d = digits[i] as number;
    let cur = tree;
    const segs = param.node.segments;
    for (let s = 0; s < segs.length - 1; s++) {
      const seg = segs[s] as string;
      let next = cur.get(seg);
      if (!isDict(next)) {
        next = new Map();
        cur.set(seg, next);
      }
      cur = next;
    }
    cur.set(segs[segs.length - 1] as string, param.values[d] as PyValue);
    const sentJson = sentJsonAt(param, d);
    if (sentJson === undefined) {
      throw new IssueError({ code: 'config.not_serialisable', path: param.node.yamlPath, message: `value ${d} of parameter '${param.name}' cannot be written as JSON` });
    }
    // Grid order is code-point order of the names, i.e. canonical key order.
    pointJson += `${i === 0 ? '' : ','}${JSON.stringify(param.name)}:${sentJson}`;
    point[param.name] = toJsonValue(param.sent[d] as PyValue);
  });
  addWhereNeeded(tree, p.remaining);
  const upserter = new Upserter({
    runner: new Runner(p.budget),
    origins: p.source.origins,
    strictCompat: p.options.strictCompat === true,
    warn: (w) => warnings.push(w),
  });
  const root = upserter.apply(deepCopy(p.base) as PyDict, tree, p.treePath);
  let configJson: string;
  try {
    // Writing the config also checks it for reserved words (docs/metaconfig-notes.md §1.8.6), in the same walk.
    configJson = canonicalJson(root, { forbiddenKeys: RESERVED_WORDS });
  } catch (e) {
    if (e instanceof ForbiddenKeyError) {
      throw new IssueError({
        code: 'config.reserved_word',
        path: `config:${e.path}`,
        message: `the concrete config contains the reserved word '${e.key}' at '${e.path}' (a directive that could not be applied there, or a swept node inside a value); dysweep rejects such a run`,
      });
    }
    if (e instanceof NotSerialisableError) {
      throw new IssueError({ code: 'config.not_serialisable', path: `config:${e.path}`, message: `the concrete config cannot be written as JSON: ${e.message}` });
    }
    throw e;
  }
  const configHash = createHash('sha256').update(configJson).digest('hex');
  let name = baseRunName(configHash, p.runName);
  let nameFallback: string | undefined;
  if (p.changer !== undefined) {
    try {
      name = changeRunName(p.changer, root, name, p.budget);
    } catch (e) {
      // A default the file did not ask for must not make a valid grid fail; a changer someone named does. A spent budget always does.
      if (!(e instanceof IssueError) || p.changer.fallback === undefined || LIMIT_ISSUE_CODES.has(e.issue.code)) throw e;
      nameFallback = e.issue.message;
      name = genericRunName(root, point, configHash, p.runName);
    }
  }
  const job = makeJob(index, name, point, `${pointJson}}`, configJson, configHash);
  return nameFallback === undefined ? { job, warnings } : { job, warnings, nameFallback };
}

function changeRunName(changer: NonNullable<PreparedSweep['changer']>, config: PyDict, name: string, budget: ExpansionBudget): string {
  const renamed = run(changer.snippet, [config, name], changer.path, budget);
  if (typeof renamed !== 'string') {
    throw new IssueError({ code: 'eval.runtime', path: changer.path, message: `the run-name changer returned ${renamed === null ? 'None' : typeof renamed}, not a string` });
  }
  return renamed;
}

/**
 * The plain `config` view is the canonical text read back (floats become JS numbers). It is built on first
 * access and kept: a 100,000-job sweep whose consumer only stores `configJson` does not hold two copies of
 * every config. It is an own enumerable property, so spreading or JSON.stringify of a job includes it.
 */
function makeJob(index: number, name: string, point: Record<string, JsonValue>, pointJson: string, configJson: string, configHash: string): ExpandedJob {
  let config: JsonValue | undefined;
  return {
    index,
    name,
    point,
    pointJson,
    get config(): JsonValue {
      config ??= JSON.parse(configJson) as JsonValue;
      return config;
    },
    configJson,
    configHash,
  };
}

/** dysweep's add_where_needed: attach remaining-bunch keys missing from the point tree; recurse into shared mappings. */
function addWhereNeeded(tree: PyDict, remaining: PyDict): void {
  for (const [k, v] of remaining) {
    const cur = tree.get(k);
    if (cur === undefined) tree.set(k, v);
    else if (isDict(cur) && isDict(v)) addWhereNeeded(cur, v);
  }
}

export function expandMetaConfig(source: string, options: ExpandOptions = {}): ExpansionResult {
  const prep = prepareMetaConfig(source, options);
  if (!prep.ok) return prep.warnings.length > 0 ? { ok: false, errors: prep.errors, warnings: prep.warnings } : { ok: false, errors: prep.errors };
  const p = prep.prepared;
  const jobs: ExpandedJob[] = [];
  const errors: MetaConfigIssue[] = [];
  const errorKeys = new Set<string>();
  const warnings = [...prep.warnings];
  const warningKeys = new Set(warnings.map((w) => `${w.code}|${w.path}|${w.message}`));
  let failed = 0;
  let fallbacks = 0;
  let firstFallback: { index: number; reason: string } | undefined;
  let configBytes = 0;
  for (let index = 0; index < p.grid.jobCount; index++) {
    try {
      try {
        p.budget.checkDeadline();
      } catch (e) {
        if (!(e instanceof ExpansionLimitError)) throw e;
        throw new IssueError({ code: 'expand.deadline', path: p.treePath, message: `${e.message} after ${index} of ${p.grid.jobCount} jobs` });
      }
      const m = materialiseJob(p, index);
      configBytes += m.job.configJson.length;
      if (configBytes > MAX_TOTAL_CONFIG_BYTES) {
        errors.push({
          code: 'grid.too_large',
          path: 'base_config',
          message: `the jobs' configs add up to more than ${MAX_TOTAL_CONFIG_BYTES} characters after ${index + 1} of ${p.grid.jobCount} jobs (${m.job.configJson.length} each): make the base config smaller or the grid coarser`,
          ...(options.file ? { file: options.file } : {}),
        });
        break;
      }
      jobs.push(m.job);
      if (m.nameFallback !== undefined) {
        fallbacks++;
        firstFallback ??= { index, reason: m.nameFallback };
      }
      for (const w of m.warnings) {
        const key = `${w.code}|${w.path}|${w.message}`;
        if (!warningKeys.has(key)) {
          warningKeys.add(key);
          warnings.push(locate(w, p.source, options.file));
        }
      }
    } catch (e) {
      if (!(e instanceof IssueError)) throw e;
      failed++;
      const key = `${e.issue.code}|${e.issue.path}|${e.issue.message}`;
      if (!errorKeys.has(key)) {
        errorKeys.add(key);
        const issue = locate(e.issue, p.source, options.file, e.snippetLine);
        issue.message += ` [first seen in job ${index}: ${describePoint(p, index)}]`;
        errors.push(issue);
      }
      if (LIMIT_ISSUE_CODES.has(e.issue.code)) break;
      if (errorKeys.size >= MAX_DISTINCT_JOB_ERRORS || failed >= MAX_FAILED_JOBS) {
        // The note sits on the path of the recurring problem, so callers that filter by path still see one problem.
        const last = errors[errors.length - 1] as MetaConfigIssue;
        errors.push({ code: 'expand.stopped', path: last.path, message: `stopped after ${failed} failing jobs; the remaining ${p.grid.jobCount - index - 1} were not checked`, ...(options.file ? { file: options.file } : {}) });
        break;
      }
    }
  }
  let sweep = p.sweep;
  if (firstFallback !== undefined && p.changer?.fallback !== undefined) {
    // One warning for the sweep, however many jobs it concerns.
    const checked = jobs.length + failed;
    warnings.push({
      code: RUN_NAME_FALLBACK,
      path: p.changer.path,
      message:
        `${p.changer.fallback.option} does not apply (${firstFallback.reason}; first in job ${firstFallback.index}, ${fallbacks} of ${checked} jobs): ` +
        'those jobs are named <dataset>_<short id>, or <grid point>_<short id> where the config names no dataset',
      ...(options.file !== undefined ? { file: options.file } : {}),
    });
    if (fallbacks === checked) {
      // The changer named no job, so it is not in force.
      sweep = { ...sweep };
      delete sweep.runNameChanger;
    }
  }
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, sweep, jobs, warnings };
}

function describePoint(p: PreparedSweep, index: number): string {
  const digits = digitsAt(p.grid, index);
  return p.grid.parameters.map((param, i) => `${param.name}=${canonicalJson(param.sent[digits[i] as number] as PyValue)}`).join(', ') || 'no parameters';
}

/** Validate and count jobs without materialising any (cheap; used for caps and previews). */
export function countMetaConfigJobs(source: string, options: ExpandOptions = {}): { ok: true; jobCount: number; sweep: SweepInfo } | { ok: false; errors: MetaConfigIssue[] } {
  const prep = prepareMetaConfig(source, { ...options, maxJobs: options.maxJobs ?? Number.POSITIVE_INFINITY });
  if (!prep.ok) return { ok: false, errors: prep.errors };
  return { ok: true, jobCount: prep.prepared.grid.jobCount, sweep: prep.prepared.sweep };
}

/** Job kind from the file's base_config shape (for choosing a default run-name changer). */
export function inferJobKindFromSource(source: string, format: 'yaml' | 'json' = 'yaml'): JobKind | undefined {
  const loaded = loadSource(source, format);
  const doc = loaded.value;
  if (!isDict(doc)) return undefined;
  const base = doc.get('base_config');
  return base === undefined ? undefined : inferJobKind(base);
}
