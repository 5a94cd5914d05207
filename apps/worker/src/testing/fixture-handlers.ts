/**
 * Named failure fixtures for worker tests (BullMQ style): each behaviour is one handler, selected by
 * `config.fixture`. Registered for both queues.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeterministicJobError, type JobContext, type JobHandler, type JobKind, type JsonValue } from '@dgm-ood/jobs';

type Fixture = (ctx: JobContext, config: Record<string, JsonValue>) => Promise<JsonValue | void>;

function num(config: Record<string, JsonValue>, key: string, fallback: number): number {
  const value = config[key];
  return typeof value === 'number' ? value : fallback;
}

function rows(count: number, start = 0) {
  return Array.from({ length: count }, (_, i) => ({
    dataset: 'fixture',
    split: 'test',
    pointIndex: start + i,
    scores: { log_likelihood: -(start + i), lid: (start + i) % 7 },
  }));
}

/** Sleeps in small steps so cancellation and shutdown are noticed quickly. */
async function wait(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => {
    throw new Error(`aborted: ${String(signal.reason)}`);
  });
}

const fixtures: Record<string, Fixture> = {
  async noop() {
    return null;
  },

  async succeed(ctx, config) {
    const points = num(config, 'points', 3);
    await ctx.progress({ backend: 'fixture', fraction: 0.5, message: 'halfway' });
    ctx.log.info('scoring', { points });
    await ctx.results.write(rows(points));
    writeFileSync(join(ctx.workdir, 'model.txt'), `trained by attempt ${ctx.job.attempt}\n`);
    await ctx.artifacts.save('model.txt', 'checkpoint');
    await ctx.progress({ fraction: 1 });
    return { ok: true, points, attempt: ctx.job.attempt };
  },

  /** Fails transiently on the first `failTimes` attempts. */
  async flaky(ctx, config) {
    if (ctx.job.attempt <= num(config, 'failTimes', 1)) throw new Error(`transient failure on attempt ${ctx.job.attempt}`);
    await ctx.results.write(rows(2));
    return { attempt: ctx.job.attempt };
  },

  async hang(ctx) {
    ctx.log.info('hanging until stopped');
    await wait(3_600_000, ctx.signal);
  },

  /** Kills the process it runs in (the worker, or its handler process) on the first attempt. */
  async crash(ctx) {
    if (ctx.job.attempt === 1) {
      await ctx.progress({ message: 'about to die' });
      process.kill(process.pid, 'SIGKILL');
      await sleep(10_000);
    }
    await ctx.results.write(rows(4));
    return { survivedOnAttempt: ctx.job.attempt };
  },

  /** First attempt writes half its rows and fails; later attempts write all of them. */
  async partial(ctx, config) {
    const points = num(config, 'points', 10);
    if (ctx.job.attempt === 1) {
      await ctx.results.write(rows(points / 2, 1000));
      throw new Error('failed after writing partial results');
    }
    await ctx.results.write(rows(points));
    return { points };
  },

  /**
   * Scores `points` points of `data.out_of_distribution` like a model with the paradox: other datasets
   * get higher likelihood (+100) but lower LID (−100) than the in-distribution one (and its samples).
   */
  async score(ctx, config) {
    const data = config.data as { in_distribution: { dataloader_args: { dataset: string } }; out_of_distribution: { dataloader_args: { dataset: string }; pick_loader?: string } };
    const inDist = data.in_distribution.dataloader_args.dataset;
    const dataset = data.out_of_distribution.dataloader_args.dataset;
    const ood = dataset !== inDist && dataset !== 'dgm-generated';
    const points = num(config, 'points', 10);
    await ctx.results.write(
      Array.from({ length: points }, (_, i) => ({
        dataset,
        split: data.out_of_distribution.pick_loader ?? 'test',
        pointIndex: i,
        scores: { log_likelihood: i + (ood ? 100 : 0), lid: 200 + i - (ood ? 100 : 0) },
      })),
    );
    return { dataset, points };
  },

  /**
   * Writes `points` rows in `batches` writes (as a scoring job writes one part at a time), with a progress report
   * after each: long COPYs that a chaos test interrupts (a killed worker, a PostgreSQL restart).
   */
  async ingest(ctx, config) {
    const points = num(config, 'points', 1000);
    const size = Math.ceil(points / num(config, 'batches', 1));
    for (let start = 0; start < points; start += size) {
      await ctx.results.write(rows(Math.min(size, points - start), start));
      await ctx.progress({ fraction: Math.min(1, (start + size) / points), message: `wrote ${Math.min(points, start + size)} rows` });
    }
    return { points, attempt: ctx.job.attempt };
  },

  /**
   * First attempt: records checkpoint step 1, writes step 2 over it and dies (SIGKILL of its own process) before
   * recording that, as a process killed between a checkpoint's write and its record. Later attempts resume from the
   * checkpoint their working directory holds.
   */
  async 'unrecorded-checkpoint'(ctx) {
    const file = join(ctx.workdir, 'checkpoint.json');
    if (ctx.job.attempt === 1) {
      writeFileSync(file, JSON.stringify({ step: 1 }));
      await ctx.artifacts.save('checkpoint.json', 'checkpoint');
      writeFileSync(file, JSON.stringify({ step: 2 }));
      process.kill(process.pid, 'SIGKILL');
      await sleep(10_000);
    }
    const resumedFrom = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { step: number }).step : 0;
    await ctx.results.write(rows(3));
    return { resumedFrom, attempt: ctx.job.attempt };
  },

  /** Reads the model file the referenced training job saved (`succeed` writes model.txt). */
  async 'read-model'(ctx) {
    const model = ctx.models.base_model;
    if (!model) throw new Error('no base_model reference resolved');
    return { model: readFileSync(join(model.workdir, 'model.txt'), 'utf8'), from: model.jobId };
  },

  /** Reports a backend and adds provenance in two calls (the second adds a key, the first's stay). */
  async provenance(ctx) {
    await ctx.progress({ backend: 'fixture-backend' });
    await ctx.provenance({ seed: 7, datasets: [{ name: 'fixture', origin: 'generated', sha256: 'f'.repeat(64) }] });
    await ctx.provenance({ device: 'fixture-device' });
    return { attempt: ctx.job.attempt };
  },

  /**
   * Records provenance, writes `ready` in its working directory, waits for the test to hand the job to
   * another attempt and write `go`, then tries again; the second try's outcome goes to `outcome.json`.
   */
  async 'provenance-stale'(ctx) {
    await ctx.provenance({ seed: 1 });
    writeFileSync(join(ctx.workdir, 'ready'), '');
    while (!existsSync(join(ctx.workdir, 'go'))) await wait(50, ctx.signal);
    const outcome = await ctx.provenance({ seed: 2, late: true }).then(
      () => ({ written: true }),
      (error: { code?: string; message?: string }) => ({ written: false, code: error.code ?? null, message: error.message ?? null }),
    );
    writeFileSync(join(ctx.workdir, 'outcome.json'), JSON.stringify(outcome));
    return outcome;
  },

  async nan(ctx) {
    await ctx.progress({ step: 3, loss: 1.5 });
    throw new DeterministicJobError('non-finite loss at step 4 (batch 4); last finite loss 1.5 at step 3');
  },

  /**
   * Throws an error shaped like the packages' coded errors: `config.code`, and `deterministic: true`
   * when `config.deterministic` is set (as DataError, EngineError or FlowError carry it).
   */
  async throws(_ctx, config) {
    const error = Object.assign(new Error(String(config.message)), { code: config.code });
    throw config.deterministic === true ? Object.assign(error, { deterministic: true }) : error;
  },

  /** Blocks the event loop of the process it runs in for `blockMs`, like a long tensor op. */
  async busy(ctx, config) {
    const until = Date.now() + num(config, 'blockMs', 3000);
    while (Date.now() < until) {
      // spin
    }
    await ctx.results.write(rows(1));
    return { blocked: true };
  },

  /**
   * Counts to `steps`, checkpointing after each step (file + artifact), resuming from the checkpoint
   * it finds in its working directory; on shutdown it checkpoints and stops.
   */
  async counter(ctx, config) {
    const steps = num(config, 'steps', 10);
    const stepMs = num(config, 'stepMs', 200);
    const file = join(ctx.workdir, 'checkpoint.json');
    const resumedFrom = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { step: number }).step : 0;
    ctx.log.info('counting', { resumedFrom });
    for (let step = resumedFrom; step < steps; step++) {
      if (ctx.signal.aborted) throw new Error(`stopped at step ${step}: ${String(ctx.signal.reason)}`);
      await wait(stepMs, ctx.signal).catch((error) => {
        throw error;
      });
      writeFileSync(file, JSON.stringify({ step: step + 1 }));
      await ctx.artifacts.save('checkpoint.json', 'checkpoint');
      await ctx.progress({ step: step + 1, fraction: (step + 1) / steps });
    }
    await ctx.results.write(rows(steps));
    return { resumedFrom, steps, attempt: ctx.job.attempt };
  },
};

/** A 12×12 grey ramp (PNG): what a sample grid artifact looks like to the dashboard. */
const SAMPLE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAwAAAAMCAAAAABzHgM7AAAASklEQVR4nGNgENGwCUip6Fmw5cQdBi45I7eovKZpq/ZdeoYs8YEBSeIXA5IECwOSBB8DkoQEA5KEEgOShA4DkoQZA5KEAwOShBcAqb9I0fIUsfkAAAAASUVORK5CYII=',
  'base64',
);

/** Like a training run for a person to look at: per-step and per-epoch loss series, a sample grid, log lines. */
fixtures.curves = async (ctx, config) => {
  const steps = num(config, 'steps', 20);
  await ctx.progress({ backend: 'fixture', fraction: 0, message: 'training' });
  await ctx.metrics(
    Array.from({ length: steps }, (_, step) => ({ name: 'train_loss', scope: 'step' as const, step, epoch: Math.floor(step / 10), value: 10 / (step + 1) })),
  );
  await ctx.metrics([0, 1].map((epoch) => ({ name: 'valid_loss', scope: 'epoch' as const, step: epoch, epoch, value: 2 - epoch * 0.5 })));
  ctx.log.info('epoch 1: train loss 1.2');
  ctx.log.warn('learning rate reduced', { lr: 0.0005 });
  mkdirSync(join(ctx.workdir, 'samples'), { recursive: true });
  writeFileSync(join(ctx.workdir, 'samples', 'epoch-001.png'), SAMPLE_PNG);
  await ctx.artifacts.save('samples/epoch-001.png', 'samples');
  await ctx.progress({ fraction: 1 });
  return { steps };
};

function handlersFor(kind: JobKind): JobHandler[] {
  return Object.entries(fixtures).map(([behaviour, run]) => ({
    name: `fixture.${kind}.${behaviour}`,
    kind,
    matches: (config: JsonValue) =>
      typeof config === 'object' && config !== null && !Array.isArray(config) && config.fixture === behaviour,
    run: (ctx: JobContext) => run(ctx, ctx.job.config as Record<string, JsonValue>),
  }));
}

export const handlers: JobHandler[] = [...handlersFor('train'), ...handlersFor('ood')];
