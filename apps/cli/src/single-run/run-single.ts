/**
 * One concrete config run in this process by the handler a worker would pick for it (HandlerRegistry over the
 * same modules), recorded in PostgreSQL as a one-job sweep when it is reachable (and not --local), and always
 * written to a local results directory. See docs/single-runs.md.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { redactUrl, type AppConfig } from '@dgm-ood/config';
import { checkDatabase, createPool, type Pool } from '@dgm-ood/db';
import {
  completeAttempt, configuredArtifactStore, failAttempt, findModelReferences, isStaleAttempt, restoreWorkdir,
  type ArtifactStore, type JobHandler, type JobInfo, type JobKind, type JsonValue, type ResolvedModelDir,
} from '@dgm-ood/jobs';
import { inferJobKind } from '@dgm-ood/metaconfig';
import {
  baseProvenance, createDatabaseHost, detectCodeVersion, HandlerRegistry, InlineExecutor, resolveModelDirs, type DatabaseHost, type ExecutionHost,
} from '@dgm-ood/worker';
import { EXIT, type CliIo } from '../io.js';
import { loadSingleConfig, type Override, type SingleConfig } from './config-file.js';
import { cancelSingleRunJob, openSingleRunJob, referencedModel, type OpenedJob } from './database-job.js';
import { enterRunEnvironment } from './environment.js';
import { createLocalHost, JsonFileCache, recordingHost } from './local-host.js';
import { createProgressDisplay } from './progress-display.js';
import { RunRecord, type RunDescription, type RunOutcome } from './run-record.js';
import { readLocalWorkdirState, singleRunWorkdirKey, writeLocalWorkdirState } from './workdir.js';

export interface SingleRunRequest {
  kind: JobKind;
  /** As typed; relative to `invokingDir`. */
  configFile: string;
  overrides: Override[];
  /** The `--set` arguments as typed (recorded with the run). */
  overrideTexts: string[];
  name?: string;
  local: boolean;
  /** The results directory as typed; default `results/<name>-<time>` under `invokingDir`. */
  out?: string;
  handlerModules: string[];
  invokingDir: string;
  /** Aborted with reason 'shutdown' on Ctrl-C: the handler checkpoints and stops. */
  signal: AbortSignal;
}

/** Where the run is recorded: PostgreSQL (and the results directory), or the results directory only. */
type Recording = { mode: 'database'; pool: Pool; store: ArtifactStore } | { mode: 'local'; reason: string };

const fileSafe = (text: string) => text.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
const stamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');

async function chooseRecording(config: AppConfig, local: boolean): Promise<Recording> {
  if (local) return { mode: 'local', reason: '--local' };
  try {
    await checkDatabase(config.databaseUrl);
  } catch (error) {
    return { mode: 'local', reason: (error as Error).message };
  }
  const pool = createPool(config.databaseUrl, { max: 4 });
  return { mode: 'database', pool, store: configuredArtifactStore(config, pool) };
}

function problemList(file: string, what: string, messages: string[]): string {
  return `${file}: ${what} (${messages.length} problem${messages.length === 1 ? '' : 's'})\n${messages.map((m) => `  ${m}`).join('\n')}\n`;
}

/** The handler for the config, checked as the coordinator checks a submission when it is one of the catalog's. */
async function pickHandler(
  registry: HandlerRegistry,
  kind: JobKind,
  job: SingleConfig,
  modelConfigOf: (path: string) => JsonValue | undefined,
): Promise<{ handler: JobHandler } | { problems: string[] }> {
  const handler = registry.handlers.find((h) => h.kind === kind && h.matches(job.config));
  const { handlers: catalogHandlers } = await import('@dgm-ood/catalog/handlers');
  // The catalog's checker knows the catalog's configs only: a config of another module's handler is its own business.
  if (!handler || catalogHandlers.includes(handler)) {
    const { checkJobConfig } = await import('@dgm-ood/catalog');
    const check = checkJobConfig(kind, job.config, modelConfigOf);
    if (check.problems.length > 0) return { problems: check.problems.map((p) => p.message) };
  }
  if (!handler) return { problems: [`no ${kind} handler runs this config (handlers: ${registry.handlers.map((h) => h.name).join(', ') || 'none'})`] };
  return { handler };
}

export async function runSingle(io: CliIo, request: SingleRunRequest): Promise<number> {
  const { kind, configFile } = request;
  const say = (text: string) => io.stderr(`dgm-ood ${kind}: ${text}\n`);

  let text: string;
  try {
    text = io.readFile(configFile);
  } catch (error) {
    say(`cannot read --config ${configFile}: ${(error as Error).message}`);
    return EXIT.invalidInput;
  }
  const loaded = loadSingleConfig(text, configFile, request.overrides, kind);
  if (!loaded.ok) {
    io.stderr(problemList(configFile, `invalid ${kind} config`, loaded.problems.map((p) => p.message)));
    return EXIT.invalidInput;
  }
  const job = loaded.job;
  const shape = inferJobKind(job.config);
  if (shape !== undefined && shape !== kind) {
    say(`${configFile} is ${shape === 'ood' ? 'an OOD config (base_model, ood)' : 'a training config (model, trainer)'}: run it with \`dgm-ood ${shape} --config ${configFile}\``);
    return EXIT.invalidInput;
  }

  let environment: ReturnType<typeof enterRunEnvironment>;
  try {
    environment = enterRunEnvironment(request.invokingDir);
  } catch (error) {
    say((error as Error).message);
    return EXIT.usage;
  }
  let registry: HandlerRegistry;
  try {
    registry = await HandlerRegistry.load(request.handlerModules);
  } catch (error) {
    environment.restore();
    say(`--handlers: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const config = environment.config;
  const recording = await chooseRecording(config, request.local);
  try {
    return await runRecorded(io, request, job, config, registry, recording);
  } finally {
    if (recording.mode === 'database') await recording.pool.end();
    environment.restore();
  }
}

async function runRecorded(io: CliIo, request: SingleRunRequest, job: SingleConfig, config: AppConfig, registry: HandlerRegistry, recording: Recording): Promise<number> {
  const { kind, configFile } = request;
  const say = (text: string) => io.stderr(`dgm-ood ${kind}: ${text}\n`);

  // Models named as {sweep, job}: resolved (and checked) before anything is created.
  const references = findModelReferences(job.config);
  const trainingConfigs = new Map<string, JsonValue>();
  const dependsOn: string[] = [];
  const referenceProblems: string[] = [];
  for (const ref of references) {
    const where = `${ref.path}: model reference {sweep: ${JSON.stringify(ref.sweep)}, job: ${JSON.stringify(ref.job)}}`;
    if (recording.mode === 'local') {
      referenceProblems.push(
        `${where} needs PostgreSQL, which this run does not use (${recording.reason}). Without it, name the model by its working directory ({directory: <the train run's working directory>}) or a PyTorch checkpoint (checkpoint_dir and config_dir relative to MODEL_DIR)`,
      );
      continue;
    }
    const found = await referencedModel(recording.pool, ref);
    if ('problem' in found) referenceProblems.push(`${where}: ${found.problem}`);
    else {
      trainingConfigs.set(ref.path, found.config);
      dependsOn.push(found.jobId);
    }
  }
  if (referenceProblems.length > 0) {
    io.stderr(problemList(configFile, `the ${kind} config names models that cannot be used`, referenceProblems));
    return EXIT.invalidInput;
  }
  const picked = await pickHandler(registry, kind, job, (path) => trainingConfigs.get(path));
  if ('problems' in picked) {
    io.stderr(problemList(configFile, `invalid ${kind} config`, picked.problems));
    return EXIT.invalidInput;
  }
  const handler = picked.handler;

  const fileName = basename(configFile);
  const sweepName = request.name ?? `single: ${fileName}`;
  const workdirKey = singleRunWorkdirKey(kind, job.configHash);
  const workdir = join(config.modelDir, workdirKey);
  const startedAt = new Date();
  const resultsDir = resolve(request.invokingDir, request.out ?? join('results', `${fileSafe(request.name ?? fileName.replace(/\.(ya?ml|json)$/i, ''))}-${stamp(startedAt)}`));
  const workerId = `single-run:${hostname()}:${process.pid}`;
  const provenance = baseProvenance(detectCodeVersion(config.codeVersion), workerId);

  // The job in PostgreSQL first: when the database cannot take it, nothing has been written yet.
  const recordingReason = recording.mode === 'local' ? recording.reason : 'PostgreSQL reachable (DATABASE_URL)';
  let opened: (OpenedJob & { pool: Pool; store: ArtifactStore }) | undefined;
  if (recording.mode === 'database') {
    try {
      const openedJob = await openSingleRunJob(
        recording.pool,
        {
          kind, sweepName, sourceText: job.sourceText, configJson: job.configJson, configHash: job.configHash, runName: job.runName, workdirKey, dependsOn,
          options: { singleRun: { file: configFile, overrides: request.overrideTexts, handlers: request.handlerModules }, maxAttempts: 1, file: fileName },
        },
        { workerId, provenance },
      );
      opened = { ...openedJob, pool: recording.pool, store: recording.store };
    } catch (error) {
      say(`cannot record the run in PostgreSQL (${redactUrl(config.databaseUrl)}): ${(error as Error).message}. Run \`pnpm db:migrate\` for a database without tables, or pass --local to run without it`);
      return EXIT.runFailed;
    }
  }

  mkdirSync(workdir, { recursive: true });
  const record = new RunRecord(resultsDir);
  const continued = record.begin(job.configHash) === 'continued';
  record.provenance(provenance);
  const display = createProgressDisplay(io, kind);
  let jobInfo: JobInfo;
  let database: { pool: Pool; store: ArtifactStore; sweepId: string; sweepName: string; host: DatabaseHost } | undefined;
  let host: ExecutionHost;
  let models: Record<string, ResolvedModelDir> = {};

  if (opened) {
    const { pool, store } = opened;
    jobInfo = opened.started.job;
    const dbHost = createDatabaseHost({
      pool, store,
      job: { id: jobInfo.id, attempt: jobInfo.attempt, workdir, workdirKey: opened.started.workdirKey },
      // Shown and written to log.jsonl by the record beside it.
      log: () => {},
      onLogFlushError: (error) => display.note(`warning: could not store log lines: ${(error as Error).message}`),
    });
    database = { pool, store, sweepId: opened.sweepId, sweepName: opened.sweepName, host: dbHost };
    host = recordingHost(dbHost.host, record);
    display.note(
      `recording in PostgreSQL: sweep ${JSON.stringify(opened.sweepName)} (${opened.sweepId}), job ${jobInfo.id}, attempt ${jobInfo.attempt}${opened.resumed ? ' (taking up the unfinished run of this config)' : ''}`,
    );
  } else {
    const state = readLocalWorkdirState(workdir);
    const attempt = state.attempts + 1;
    writeLocalWorkdirState(workdir, { attempts: attempt, artifacts: state.artifacts });
    for (const artifact of state.artifacts) record.artifact(artifact);
    jobInfo = { id: `local-${job.configHash.slice(0, 16)}`, sweepId: 'local', sweepName, kind, name: job.runName, gridIndex: 0, attempt, config: job.config, configHash: job.configHash };
    host = createLocalHost(record, workdir, new JsonFileCache(join(config.modelDir, 'single-runs', 'shared-cache.json')));
    display.note(`not recording in PostgreSQL (${recordingReason}): results go to the results directory only`);
  }
  if (continued) display.note(`continuing the results of the unfinished run of this config in ${resultsDir}`);

  const description: RunDescription = {
    name: sweepName, kind, configFile, overrides: request.overrideTexts, config: job.config, configHash: job.configHash, runName: job.runName,
    handler: handler.name,
    recording: { mode: recording.mode, reason: recordingReason },
    database: database ? { sweepId: database.sweepId, sweepName: database.sweepName, jobId: jobInfo.id, attempt: jobInfo.attempt, reference: { sweep: database.sweepId, job: 0 } } : null,
    workdir, modelDir: config.modelDir, dataDir: config.dataDir, attempt: jobInfo.attempt,
  };
  display.note(`${kind} ${configFile} (run ${job.runName}, config ${job.configHash.slice(0, 12)}) with handler ${handler.name}, attempt ${jobInfo.attempt}`);
  display.note(`working directory: ${workdir}`);
  display.note(`results directory: ${resultsDir}`);

  const shown: ExecutionHost = {
    ...host,
    progress: (report) => (display.progress(report), host.progress(report)),
    log: (line) => (display.log(line), host.log(line)),
  };

  let outcome: RunOutcome = 'failed';
  let summary: JsonValue | null = null;
  let errorText: string | null = null;
  let exit: number = EXIT.runFailed;
  try {
    writeFileSync(join(workdir, 'run_config.json'), `${JSON.stringify(job.config, null, 4)}\n`);
    if (database) {
      const restored = await restoreWorkdir(database.pool, database.store, jobInfo.id, workdir);
      if (restored.length > 0) display.note(`restored ${restored.length} file(s) of the working directory from the artifact store`);
      models = await resolveModelDirs(database.pool, database.store, config.modelDir, jobInfo.config);
    }
    if (request.signal.aborted) throw new Error('stopped before start');
    summary = (await new InlineExecutor(registry).run({ handlerName: handler.name, job: jobInfo, workdir, models, modelDir: config.modelDir }, shown, request.signal)) ?? null;
    if (database) {
      await database.host.flushLogs();
      const released = await completeAttempt(database.pool, jobInfo.id, jobInfo.attempt, summary);
      if (released.length > 0) display.note(`${released.length} job(s) waiting for this one are queued now (the coordinator enqueues them)`);
    }
    outcome = 'succeeded';
    exit = EXIT.ok;
  } catch (error) {
    errorText = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    await database?.host.flushLogs();
    if (isStaleAttempt(error)) {
      say(`another run of this config took its job over: this one stops (${errorText})`);
    } else if (request.signal.aborted && request.signal.reason === 'shutdown') {
      outcome = 'interrupted';
      exit = EXIT.interrupted;
      if (database) await cancelSingleRunJob(database.pool, database.sweepId, jobInfo.id, jobInfo.attempt).catch(() => {});
    } else {
      say(`the run failed: ${errorText}${typeof code === 'string' ? ` [${code}]` : ''}`);
      if (database) await failAttempt(database.pool, jobInfo.id, jobInfo.attempt, errorText, true).catch(() => {});
    }
  } finally {
    database?.host.stop();
    display.stop();
    if (!database) writeLocalWorkdirState(workdir, { attempts: jobInfo.attempt, artifacts: record.artifactList() });
    record.write(description, { outcome, summary, error: errorText });
  }

  const seconds = ((Date.now() - startedAt.getTime()) / 1000).toFixed(1);
  if (outcome === 'interrupted') {
    say(
      `interrupted after ${seconds} s: ${errorText}. The working directory ${workdir} keeps its checkpoint; run the same command again to resume from it` +
        (database ? ` (it takes up job ${jobInfo.id} of sweep ${database.sweepId} again)` : ''),
    );
    return exit;
  }
  const lines = [
    `${kind} ${outcome} in ${seconds} s${record.backend ? ` on ${record.backend}` : ''}: ${configFile}`,
    ...(summary !== null ? [`summary: ${JSON.stringify(summary)}`] : []),
    `results: ${resultsDir} (summary.json, results.csv with ${record.resultCount} point(s), metrics.csv, log.jsonl)`,
    `working directory: ${workdir}${existsSync(join(workdir, 'checkpoints')) ? ` (checkpoints in ${join(workdir, 'checkpoints')})` : ''}`,
  ];
  if (database) {
    lines.push(`recorded as sweep ${JSON.stringify(database.sweepName)} (${database.sweepId}), job ${jobInfo.id}`);
    if (kind === 'train' && outcome === 'succeeded') lines.push(`an OOD config names this model as base_model: {sweep: ${database.sweepId}, job: 0}`);
  } else if (kind === 'train' && outcome === 'succeeded') {
    // Relative to MODEL_DIR: models are only read from under it.
    lines.push(`an OOD config names this model as base_model: {directory: ${relative(config.modelDir, workdir)}}`);
  }
  io.stdout(`${lines.join('\n')}\n`);
  return exit;
}
