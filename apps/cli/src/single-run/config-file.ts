/**
 * One concrete config as the reference's `configurations/**.yaml` files hold it, with `--set path=value`
 * overrides, made into exactly the job a sweep of it would hold: the file is wrapped as the base_config of a
 * one-job meta-configuration and expanded (YAML 1.1 as the reference reads it, canonical JSON with float
 * fidelity, the same config hash and default run name as the coordinator gives it).
 */
import { basename } from 'node:path';
import { Document, isCollection, isMap, isSeq, parseDocument, type Node } from 'yaml';
import { DEFAULT_RUN_NAME_CHANGER, expandMetaConfig, type JobKind } from '@dgm-ood/metaconfig';
import type { JsonValue } from '@dgm-ood/jobs';

/** `--set a.b.3.c=value`: a dotted path (a number indexes a list) and the value's YAML text. */
export interface Override {
  path: string[];
  value: string;
}

export interface ConfigProblem {
  path: string;
  message: string;
}

export interface SingleConfig {
  config: JsonValue;
  /** Canonical JSON (sorted keys, floats as Python writes them): what is hashed and stored. */
  configJson: string;
  configHash: string;
  /** The run name the kind's default name changer gives it (as in a sweep of this file). */
  runName: string;
  /** The one-job meta-configuration (overrides applied) that expands to this job: the sweep's source. */
  sourceText: string;
}

export function parseOverride(text: string): Override | { error: string } {
  const eq = text.indexOf('=');
  if (eq < 1) return { error: `--set ${text}: expected PATH=VALUE, e.g. --set trainer.max_epochs=1` };
  const path = text.slice(0, eq).split('.');
  if (path.some((key) => key === '')) return { error: `--set ${text}: the path ${text.slice(0, eq)} has an empty key` };
  return { path, value: text.slice(eq + 1) };
}

const YAML_11 = { version: '1.1' } as const;

/** Sets one override in the parsed file, replacing what is there; a missing mapping key is added. */
function applyOverride(doc: Document, { path, value }: Override): ConfigProblem | undefined {
  const where = path.join('.');
  const parsed = parseDocument(value, YAML_11);
  if (parsed.errors.length > 0) return { path: where, message: `--set ${where}: the value ${JSON.stringify(value)} is not YAML: ${parsed.errors[0]!.message.split('\n')[0]}` };
  let node: unknown = doc.contents;
  for (const [i, key] of path.entries()) {
    const at = path.slice(0, i).join('.') || 'the config';
    const last = i === path.length - 1;
    if (isSeq(node)) {
      const index = /^\d+$/.test(key) ? Number(key) : NaN;
      if (!(index < node.items.length)) {
        return { path: where, message: `--set ${where}: ${at} is a list of ${node.items.length}; ${JSON.stringify(key)} is not one of its positions (0…${node.items.length - 1})` };
      }
      if (last) node.items[index] = parsed.contents;
      node = node.items[index];
    } else if (isMap(node)) {
      if (last) node.set(key, parsed.contents);
      else if (!isCollection(node.get(key, true))) {
        if (node.get(key, true) !== undefined && node.get(key) !== null) {
          return { path: where, message: `--set ${where}: ${path.slice(0, i + 1).join('.')} is a value (${JSON.stringify(node.get(key))}), not a mapping or list` };
        }
        node.set(key, doc.createNode({}));
      }
      node = node.get(key, true);
    } else {
      return { path: where, message: `--set ${where}: ${at} is not a mapping or list` };
    }
  }
  return undefined;
}

/**
 * The job of `text` (a YAML or JSON config file) with `overrides` applied, run as `kind`; or every problem
 * found, located by the file's paths.
 */
export function loadSingleConfig(
  text: string,
  file: string,
  overrides: readonly Override[],
  kind: JobKind,
): { ok: true; job: SingleConfig } | { ok: false; problems: ConfigProblem[] } {
  const doc = parseDocument(text, YAML_11);
  // The first line of a YAML error names it and its line and column (a code excerpt follows).
  const firstLine = (message: string) => message.split('\n')[0]!.replace(/:$/, '');
  if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => ({ path: '', message: `not YAML: ${firstLine(e.message)}` })) };
  if (!isMap(doc.contents)) return { ok: false, problems: [{ path: '', message: 'a config file holds one mapping (data, model, trainer / base_model, data, ood)' }] };
  if (doc.contents.has('base_config')) {
    return { ok: false, problems: [{ path: 'base_config', message: 'this is a meta-configuration (a sweep): submit it with `dgm-ood sweep`, or run one of its jobs from its concrete config' }] };
  }
  const problems = overrides.flatMap((o) => applyOverride(doc, o) ?? []);
  if (problems.length > 0) return { ok: false, problems };

  const wrapper = new Document({}, YAML_11);
  wrapper.set('project', 'dgm-ood-single-run');
  wrapper.set('sweep_name', basename(file).replace(/\.(ya?ml|json)$/i, ''));
  wrapper.set('base_config', doc.contents as Node);
  wrapper.set('sweep_configuration', wrapper.createNode({}));
  const sourceText = wrapper.toString();
  const expansion = expandMetaConfig(sourceText, { file, format: 'yaml', defaultRunNameChanger: DEFAULT_RUN_NAME_CHANGER[kind] });
  if (!expansion.ok) {
    return {
      ok: false,
      problems: expansion.errors.map((e) => {
        const path = e.path.replace(/^base_config\.?/, '').replace(/^config:/, '');
        return { path, message: path ? `${path}: ${e.message}` : e.message };
      }),
    };
  }
  const [job] = expansion.jobs;
  if (!job || expansion.jobs.length !== 1) return { ok: false, problems: [{ path: '', message: `expected one job, the file expands to ${expansion.jobs.length}` }] };
  return { ok: true, job: { config: job.config as JsonValue, configJson: job.configJson, configHash: job.configHash, runName: job.name, sourceText } };
}
