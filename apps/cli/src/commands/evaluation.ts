/**
 * `dgm-ood evaluation SWEEP [--json] [--refresh] [--protocol exact|reference-randomised]`: the AUC table
 * of an OOD sweep (by id or unique name), read from the database (DATABASE_URL); computed and stored
 * when the sweep has finished and no table is stored yet.
 */
import { loadConfig } from '@dgm-ood/config';
import { createPool } from '@dgm-ood/db';
import { DUAL_THRESHOLD_BOOTSTRAP_CAP, DUAL_THRESHOLD_MIN_RESAMPLES, formatEvaluationTable, isProtocolName, protocolNamed } from '@dgm-ood/evaluation';
import { evaluateSweep, storedEvaluation } from '@dgm-ood/jobs';
import { parseArgs, type Command } from '../command.js';
import { EXIT, type CliIo } from '../io.js';

const USAGE = 'dgm-ood evaluation SWEEP [--json] [--refresh] [--protocol exact|reference-randomised]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const evaluationCommand: Command = {
  name: 'evaluation',
  summary: 'print the AUC table of an OOD sweep per model and method (each score, dual thresholds, max; bootstrap intervals)',
  usage: USAGE,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const parsed = parseArgs(args, { booleans: ['--json', '--refresh'], values: ['--protocol'] });
    if ('error' in parsed || parsed.positionals.length !== 1) {
      io.stderr(`${'error' in parsed ? `dgm-ood evaluation: ${parsed.error}\n` : ''}usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const protocolName = parsed.flags.get('--protocol') ?? 'exact';
    if (typeof protocolName !== 'string' || !isProtocolName(protocolName)) {
      io.stderr(`dgm-ood evaluation: --protocol must be exact or reference-randomised\n`);
      return EXIT.usage;
    }
    let config;
    try {
      config = loadConfig();
    } catch (error) {
      io.stderr(`dgm-ood evaluation: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    const pool = createPool(config.databaseUrl);
    try {
      const ref = parsed.positionals[0]!;
      const { rows } = await pool.query(
        UUID.test(ref) ? 'SELECT id, name, kind FROM sweeps WHERE id = $1' : 'SELECT id, name, kind FROM sweeps WHERE name = $1 ORDER BY created_at DESC',
        [ref],
      );
      if (rows.length === 0) {
        io.stderr(`dgm-ood evaluation: no sweep ${UUID.test(ref) ? 'with id' : 'named'} ${ref}\n`);
        return EXIT.invalidInput;
      }
      if (rows.length > 1) {
        io.stderr(`dgm-ood evaluation: ${rows.length} sweeps are named ${ref}; use an id: ${rows.map((r) => r.id).join(', ')}\n`);
        return EXIT.invalidInput;
      }
      const sweep = rows[0];
      const protocol = protocolNamed(protocolName);
      const evaluation =
        (!parsed.flags.has('--refresh') && protocol.name === 'exact' ? await storedEvaluation(pool, sweep.id) : undefined) ??
        (await evaluateSweep(pool, sweep.id, protocol));
      if (parsed.flags.has('--json')) {
        io.stdout(`${JSON.stringify({ sweep: { id: sweep.id, name: sweep.name }, ...evaluation }, null, 2)}\n`);
        return EXIT.ok;
      }
      const { bootstrap } = evaluation;
      // Dual-threshold intervals of large sets use fewer resamples (see DUAL_THRESHOLD_BOOTSTRAP_BUDGET): say so.
      const fewer = evaluation.rows.flatMap((r) => r.metrics.flatMap((m) => (m.ci && m.ci.resamples < bootstrap.resamples ? [m.ci.resamples] : [])));
      const uncapped = bootstrap.resamples > 0 && evaluation.rows.some((r) => r.metrics.some((m) => m.kind === 'dual-threshold' && !m.ci));
      const resamples =
        `${bootstrap.resamples} resamples${fewer.length ? `, ${Math.min(...fewer)}–${Math.max(...fewer)} for dual thresholds on large sets` : ''}` +
        (uncapped ? `; none for dual thresholds past ${Math.sqrt(DUAL_THRESHOLD_BOOTSTRAP_CAP / DUAL_THRESHOLD_MIN_RESAMPLES)} points in a pair (exact value, no interval)` : '');
      io.stdout(
        `sweep ${sweep.name} (${sweep.id}), ${evaluation.complete ? 'finished' : 'still running: provisional'}; protocol ${evaluation.protocol.name}; ` +
          `AUC [${Math.round(bootstrap.level * 100)}% percentile bootstrap interval, ${resamples}]; ±: std over seeds\n`,
      );
      if (evaluation.rows.length === 0) {
        io.stdout(`no pairs to evaluate: a model and method need its test split (or samples) and another dataset scored, with results\n`);
        return EXIT.ok;
      }
      io.stdout(`${formatEvaluationTable(evaluation.rows)}\n`);
      return EXIT.ok;
    } catch (error) {
      io.stderr(`dgm-ood evaluation: ${(error as Error).message}\n`);
      return EXIT.invalidInput;
    } finally {
      await pool.end();
    }
  },
};
