/**
 * `dgm-ood expand FILE [--json] [--kind train|ood] [--max-jobs N] [--strict-compat] [--check]`: expand a
 * meta-configuration into its jobs, and report the jobs that would not run here: each job goes through the
 * plan readers the coordinator and the workers use (families, methods, arguments). Exit 2 with the error list
 * when the file is invalid, and with `--check` also when a job cannot run (as POST /sweeps answers 400).
 */
import { checkJobConfig } from '@dgm-ood/catalog';
import {
  DEFAULT_RUN_NAME_CHANGER,
  expandMetaConfig,
  inferJobKind,
  inferJobKindFromPath,
  inferJobKindFromSource,
  type JobKind,
  type MetaConfigIssue,
} from '@dgm-ood/metaconfig';
import { parseArgs, type Command } from '../command.js';
import { EXIT, type CliIo } from '../io.js';

const USAGE = 'dgm-ood expand FILE [--json] [--kind train|ood] [--max-jobs N] [--strict-compat] [--check]';

export function formatIssue(i: MetaConfigIssue): string {
  const where = `${i.file ?? '<input>'}${i.line !== undefined ? `:${i.line}` : ''}`;
  return `${where}: ${i.path}: ${i.message} [${i.code}${i.quirk ? `, quirk ${i.quirk}` : ''}]`;
}

function pointText(point: Record<string, unknown>): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export const expandCommand: Command = {
  name: 'expand',
  summary: 'expand a meta-configuration into its ordered jobs',
  usage: USAGE,
  run(args: readonly string[], io: CliIo): number {
    const parsed = parseArgs(args, { booleans: ['--json', '--strict-compat', '--check'], values: ['--kind', '--max-jobs'] });
    if ('error' in parsed) {
      io.stderr(`dgm-ood expand: ${parsed.error}\nusage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const { flags, positionals } = parsed;
    if (positionals.length !== 1) {
      io.stderr(`usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const file = positionals[0] as string;
    const json = flags.has('--json');
    const kindFlag = flags.get('--kind');
    if (kindFlag !== undefined && kindFlag !== 'train' && kindFlag !== 'ood') {
      io.stderr(`dgm-ood expand: --kind must be train or ood, not ${String(kindFlag)}\n`);
      return EXIT.usage;
    }
    const maxJobsFlag = flags.get('--max-jobs');
    const maxJobs = maxJobsFlag === undefined ? undefined : Number(maxJobsFlag);
    if (maxJobs !== undefined && !(Number.isInteger(maxJobs) && maxJobs > 0)) {
      io.stderr(`dgm-ood expand: --max-jobs must be a positive integer\n`);
      return EXIT.usage;
    }

    const fail = (errors: MetaConfigIssue[]): number => {
      if (json) io.stdout(`${JSON.stringify({ ok: false, file, errors }, null, 2)}\n`);
      else io.stderr(`${file}: invalid meta-configuration (${errors.length} error${errors.length === 1 ? '' : 's'})\n${errors.map((e) => `  ${formatIssue(e)}`).join('\n')}\n`);
      return EXIT.invalidInput;
    };

    let source: string;
    try {
      source = io.readFile(file);
    } catch (e) {
      return fail([{ code: 'file.unreadable', path: '<document>', file, message: `cannot read the file: ${(e as Error).message}` }]);
    }
    const format = file.endsWith('.json') ? 'json' : 'yaml';
    let kind: JobKind | undefined = (kindFlag as JobKind | undefined) ?? inferJobKindFromPath(file) ?? inferJobKindFromSource(source, format);
    const result = expandMetaConfig(source, {
      file,
      format,
      ...(maxJobs !== undefined ? { maxJobs } : {}),
      // Only a default: jobs it cannot name get generic names and one warning, not an error.
      ...(kind !== undefined ? { defaultRunNameChanger: DEFAULT_RUN_NAME_CHANGER[kind] } : {}),
      ...(flags.has('--strict-compat') ? { strictCompat: true } : {}),
    });
    if (!result.ok) return fail(result.errors);
    kind ??= result.jobs[0] === undefined ? undefined : inferJobKind(result.jobs[0].config);
    const kindText = kind ?? 'unknown';
    // {sweep, job} model references cannot be looked up here: a method is checked against every family then.
    const problems = kind === undefined ? [] : result.jobs.flatMap((j) => checkJobConfig(kind!, j.config as never).problems.map((p) => ({ job: j.index, name: j.name, ...p })));
    const problemJobs = new Set(problems.map((p) => p.job)).size;
    const status = problems.length > 0 && flags.has('--check') ? EXIT.invalidInput : EXIT.ok;

    if (json) {
      // Configs and points are embedded as their canonical JSON so that floats stay floats (1.0).
      const jobs = result.jobs.map(
        (j) => `{"index":${j.index},"name":${JSON.stringify(j.name)},"kind":${JSON.stringify(kindText)},"point":${j.pointJson},"configHash":"${j.configHash}","config":${j.configJson}}`,
      );
      io.stdout(
        `{"ok":true,"file":${JSON.stringify(file)},"kind":${JSON.stringify(kindText)},"sweep":${JSON.stringify(result.sweep)},"warnings":${JSON.stringify(result.warnings)},"problems":${JSON.stringify(problems)},"jobs":[\n${jobs.join(',\n')}\n]}\n`,
      );
      return status;
    }
    const s = result.sweep;
    const lines = [
      `${file}: sweep ${s.sweepName ?? '(unnamed)'} of project ${s.project ?? '?'} — ${s.jobCount} job${s.jobCount === 1 ? '' : 's'}, kind ${kindText}`,
      `parameters (grid order, last fastest): ${s.parameters.map((p) => `${p.name} (${p.values})`).join(', ') || 'none'}`,
      ...result.warnings.map((w) => `warning: ${formatIssue(w)}`),
      '',
    ];
    const width = Math.max(5, ...result.jobs.map((j) => String(j.index).length));
    const nameWidth = Math.max(4, ...result.jobs.map((j) => j.name.length));
    lines.push(`${'index'.padEnd(width)}  ${'kind'.padEnd(5)}  ${'name'.padEnd(nameWidth)}  point`);
    for (const j of result.jobs) {
      lines.push(`${String(j.index).padEnd(width)}  ${kindText.padEnd(5)}  ${j.name.padEnd(nameWidth)}  ${pointText(j.point)}`);
      lines.push(`${' '.repeat(width)}  config ${j.configHash.slice(0, 12)}: ${j.configJson}`);
    }
    if (problems.length > 0) {
      lines.push('', `${problemJobs} of ${result.jobs.length} job${result.jobs.length === 1 ? '' : 's'} cannot run here:`);
      for (const p of problems) lines.push(`  jobs[${p.job}]${p.path ? `.${p.path}` : ''} (${p.name}): ${p.message}`);
    }
    io.stdout(`${lines.join('\n')}\n`);
    return status;
  },
};
