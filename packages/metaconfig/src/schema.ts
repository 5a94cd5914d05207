/**
 * Top-level keys of a meta-configuration (docs/metaconfig-notes.md §1.1): exactly the fields of dysweep's
 * ResumableSweepConfig, with their types. Unknown keys are errors, as in jsonargparse.
 */
import { joinPath } from './issues.js';
import type { MetaConfigIssue } from './types.js';
import { type PyDict, type PyValue, isDict, pyTypeName } from './value.js';

export interface TopLevel {
  project?: string;
  entity?: string;
  sweepName?: string;
  runName?: string;
  runNameChanger?: PyValue;
  baseConfig?: PyDict;
  sweepConfiguration?: PyDict;
}

type Kind = 'str' | 'bool' | 'int' | 'str_or_int' | 'mapping' | 'changer';

const KEYS: Record<string, Kind> = {
  project: 'str',
  entity: 'str',
  sweep_name: 'str',
  method: 'str',
  metric: 'str',
  goal: 'str',
  base_config: 'mapping',
  sweep_configuration: 'mapping',
  count: 'int',
  run_name: 'str',
  run_name_changer: 'changer',
  default_root_dir: 'str',
  custom_checkpoint_dir: 'str',
  delete_checkpoints: 'bool',
  use_lightning_logger: 'bool',
  resume: 'bool',
  rerun_id: 'str',
  mark_preempting: 'bool',
  sweep_id: 'str_or_int',
};

function typeOk(kind: Kind, v: PyValue): boolean {
  switch (kind) {
    case 'str':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
      return typeof v === 'number';
    case 'str_or_int':
      return typeof v === 'string' || typeof v === 'number';
    case 'mapping':
      return isDict(v);
    case 'changer':
      return typeof v === 'string' || isDict(v);
  }
}

const KIND_TEXT: Record<Kind, string> = {
  str: 'a string',
  bool: 'a boolean',
  int: 'an integer',
  str_or_int: 'a string or an integer',
  mapping: 'a mapping',
  changer: 'a string or {expression, function_of_interest}',
};

export function readTopLevel(doc: PyDict, errors: MetaConfigIssue[], warnings: MetaConfigIssue[]): TopLevel {
  const out: TopLevel = {};
  const hasBase = doc.has('base_config');
  const hasSweep = doc.has('sweep_configuration');
  if (!hasBase && !hasSweep && (doc.has('count') || doc.has('run_name_changer'))) {
    errors.push({
      code: 'config.agent_file',
      path: 'base_config',
      quirk: 'Q11',
      message: 'this is an agent file (project, count, run_name_changer): it defines no sweep. Expand a meta-configuration with base_config and sweep_configuration',
    });
    return out;
  }
  for (const [key, v] of doc) {
    const kind = KEYS[key];
    if (kind === undefined) {
      errors.push({ code: 'config.unknown_key', path: joinPath('', key), message: `unknown top-level key '${key}' (allowed: ${Object.keys(KEYS).join(', ')})` });
      continue;
    }
    if (v === null) {
      if (key === 'project' || key === 'base_config' || key === 'sweep_configuration') {
        errors.push({ code: 'config.missing_key', path: key, message: `'${key}' is required and may not be null` });
      }
      continue;
    }
    if (!typeOk(kind, v)) {
      errors.push({ code: 'config.type', path: key, message: `'${key}' must be ${KIND_TEXT[kind]}, not ${pyTypeName(v)}` });
      continue;
    }
    switch (key) {
      case 'project':
        out.project = v as string;
        break;
      case 'entity':
        out.entity = v as string;
        break;
      case 'sweep_name':
        out.sweepName = v as string;
        break;
      case 'run_name':
        out.runName = v as string;
        break;
      case 'run_name_changer':
        out.runNameChanger = v;
        break;
      case 'base_config':
        out.baseConfig = v as PyDict;
        break;
      case 'sweep_configuration':
        out.sweepConfiguration = v as PyDict;
        break;
      case 'method':
        if (v !== 'grid') {
          errors.push({
            code: 'method.unsupported',
            path: key,
            message: v === 'random' || v === 'bayes' ? `method '${v}' is not supported: only 'grid' sweeps expand to a fixed job list` : `unknown method '${String(v)}' (only 'grid' is supported)`,
          });
        }
        break;
      case 'goal':
        if (v !== 'minimize' && v !== 'maximize') errors.push({ code: 'config.type', path: key, message: "goal must be 'minimize' or 'maximize'" });
        break;
      case 'count':
        if ((v as number) < 1) errors.push({ code: 'config.type', path: key, message: 'count must be at least 1' });
        break;
      case 'sweep_id':
        warnings.push({ code: 'config.agent_key_ignored', path: key, message: 'sweep_id makes dysweep act as an agent; it is ignored when expanding a sweep' });
        break;
      default:
        break;
    }
  }
  if (!doc.has('project')) errors.push({ code: 'config.missing_key', path: 'project', message: "'project' is required" });
  if (!hasBase) {
    errors.push({ code: 'config.missing_key', path: 'base_config', quirk: 'Q11', message: "'base_config' is required (without it dysweep hands the raw flat point to the job)" });
  } else if (out.baseConfig !== undefined && out.baseConfig.size === 0) {
    errors.push({ code: 'config.empty_base', path: 'base_config', quirk: 'Q3', message: "'base_config' is an empty mapping; dysweep treats {} as a list and crashes when upserting into it" });
  }
  if (!hasSweep) errors.push({ code: 'config.missing_key', path: 'sweep_configuration', message: "'sweep_configuration' is required" });
  return out;
}

/**
 * docs/metaconfig-notes.md §1.3: a sweep_configuration holding all of name, method, metric, parameters is a
 * full W&B definition.
 */
export function unwrapSweepConfiguration(
  sc: PyDict,
  errors: MetaConfigIssue[],
): { tree: PyDict; treePath: string; name?: string } | undefined {
  const wrapped = ['name', 'method', 'metric', 'parameters'].every((k) => sc.has(k));
  if (!wrapped) return { tree: sc, treePath: 'sweep_configuration' };
  const method = sc.get('method');
  if (method !== 'grid') {
    errors.push({ code: 'method.unsupported', path: 'sweep_configuration.method', message: `method '${String(method)}' is not supported: only 'grid' sweeps expand to a fixed job list` });
  }
  const params = sc.get('parameters') as PyValue;
  if (!isDict(params)) {
    errors.push({ code: 'config.type', path: joinPath('sweep_configuration', 'parameters'), message: 'parameters must be a mapping' });
    return undefined;
  }
  const name = sc.get('name');
  return { tree: params, treePath: 'sweep_configuration.parameters', ...(typeof name === 'string' ? { name } : {}) };
}
