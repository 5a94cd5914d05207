/**
 * `dgm-ood import --checkpoint FILE --config FILE [--name SWEEP] [--run NAME] [--no-check] [--json]`: registers a
 * reference PyTorch checkpoint (and its run's config) as an "imported" training job, so OOD sweeps reference it as
 * `{sweep, job}` like a model trained here. The file is first imported here (the same importer the worker runs), so
 * a checkpoint that does not fit its config is refused now, naming the parameter, both shapes and the config key;
 * then it is stored as the job's artifact and a worker converts it. Uses DATABASE_URL, REDIS_URL and the
 * artifact store of the environment, like the services.
 */
import { basename, dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { families } from '@dgm-ood/catalog';
import { loadConfig } from '@dgm-ood/config';
import { createPool } from '@dgm-ood/db';
import { initEngine } from '@dgm-ood/engine';
import { configuredArtifactStore, registerImport } from '@dgm-ood/jobs';
import { importTorchModel, readRunConfig } from '@dgm-ood/models';
import { closeQueues, createQueues, createRedis, enqueueJobs } from '@dgm-ood/queue';
import { parseArgs, type Command } from '../command.js';
import { EXIT, type CliIo } from '../io.js';

const USAGE = 'dgm-ood import --checkpoint FILE --config FILE [--name SWEEP] [--run NAME] [--no-check] [--json]';

/** The reference's layout `<run>/checkpoints/<x>_best_valid.pt` names the run; else the file's own name. */
export function defaultRunName(checkpoint: string): string {
  const dir = dirname(checkpoint);
  if (basename(dir) === 'checkpoints' && basename(dirname(dir))) return basename(dirname(dir));
  return basename(checkpoint).replace(/\.(pt|pth|ckpt|bin)$/i, '');
}

export const importCommand: Command = {
  name: 'import',
  summary: 'register a reference PyTorch checkpoint (with its run config) as an imported model that OOD sweeps reference as {sweep, job}',
  usage: USAGE,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const parsed = parseArgs(args, { booleans: ['--no-check', '--json'], values: ['--checkpoint', '--config', '--name', '--run'] });
    if ('error' in parsed || parsed.positionals.length > 0) {
      io.stderr(`${'error' in parsed ? `dgm-ood import: ${parsed.error}\n` : ''}usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const flag = (name: string) => {
      const v = parsed.flags.get(name);
      return typeof v === 'string' ? v : undefined;
    };
    const [checkpointArg, configArg] = [flag('--checkpoint'), flag('--config')];
    if (!checkpointArg || !configArg) {
      io.stderr(`dgm-ood import: --checkpoint and --config are both required\nusage: ${USAGE}\n`);
      return EXIT.usage;
    }
    // Relative to where the user typed the command (pnpm runs scripts from the workspace root).
    const base = process.env.INIT_CWD ?? process.cwd();
    const checkpoint = resolve(base, checkpointArg);
    const configFile = resolve(base, configArg);
    for (const [what, path] of [['--checkpoint', checkpoint], ['--config', configFile]] as const) {
      if (!existsSync(path)) {
        io.stderr(`dgm-ood import: ${what}: no file at ${path}\n`);
        return EXIT.invalidInput;
      }
    }
    const runName = flag('--run') ?? defaultRunName(checkpoint);
    const sweepName = flag('--name') ?? runName;

    let model;
    let report: unknown = null;
    try {
      model = readRunConfig(configFile, '--config');
      families.forConfig(model, `--config ${configArg}: model`);
      if (!parsed.flags.has('--no-check')) {
        await initEngine();
        const imported = await importTorchModel({ checkpoint, model, where: { checkpoint: '--checkpoint', config: '--config' } }, families);
        report = imported.report;
        imported.dispose();
      }
    } catch (error) {
      const e = error as Error & { code?: string };
      io.stderr(`dgm-ood import: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      return EXIT.invalidInput;
    }

    const config = loadConfig();
    const pool = createPool(config.databaseUrl);
    const redis = createRedis(config.redisUrl);
    const queues = createQueues(redis, config.queuePrefix);
    try {
      const store = configuredArtifactStore(config, pool);
      const registered = await registerImport(pool, store, { sweepName, runName, checkpointPath: checkpoint, model, configSource: configFile });
      await enqueueJobs(queues, [{ jobId: registered.jobId, sweepId: registered.sweepId, kind: 'train', retry: { attempts: 1, backoffMs: 0 } }]);
      const reference = { sweep: sweepName, job: runName };
      if (parsed.flags.has('--json')) {
        io.stdout(`${JSON.stringify({ ok: true, sweepId: registered.sweepId, jobId: registered.jobId, sha256: registered.sha256, bytes: registered.bytes, reference, report }, null, 2)}\n`);
      } else {
        io.stdout(
          `registered ${basename(checkpoint)} (${registered.bytes} bytes, sha256 ${registered.sha256.slice(0, 12)}…) as sweep ${sweepName} (${registered.sweepId}), job ${runName} (${registered.jobId})\n` +
            `${report ? 'checked here: it fits its config; ' : ''}a worker converts it; OOD configs reference it as base_model: {sweep: ${JSON.stringify(sweepName)}, job: ${JSON.stringify(runName)}}\n`,
        );
      }
      return EXIT.ok;
    } catch (error) {
      io.stderr(`dgm-ood import: ${(error as Error).message}\n`);
      return EXIT.invalidInput;
    } finally {
      await closeQueues(queues);
      redis.disconnect();
      await pool.end();
    }
  },
};
