/**
 * A handler module for the single-run tests: one `train` handler (config `fixture: report-everything`) that uses
 * every channel of the job context once — progress with a backend, log lines, provenance, metric series, the
 * shared cache, point results and an artifact — so a test sees where each one lands.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobContext, JobHandler, JsonValue } from '@dgm-ood/jobs';

async function reportEverything(ctx: JobContext): Promise<JsonValue> {
  await ctx.progress({ backend: 'fixture-backend', fraction: 0, message: 'starting' });
  ctx.log.info('reporting everything', { points: 3 });
  ctx.log.warn('a warning line');
  await ctx.provenance({ seed: 11, datasets: [{ name: 'fixture', origin: 'generated' }] });
  await ctx.metrics([
    { name: 'loss', scope: 'step', step: 1, epoch: 0, value: 2.5 },
    { name: 'loss', scope: 'step', step: 2, epoch: 0, value: 1.5 },
    { name: 'valid_loss', scope: 'epoch', step: 0, epoch: 0, value: 1.75 },
  ]);
  const cached = await ctx.cache.get('fixture/calibration');
  const kept = await ctx.cache.put('fixture/calibration', { scale: 0.5, by: ctx.job.id });
  await ctx.results.write([0, 1, 2].map((i) => ({ dataset: 'fixture', split: 'test', pointIndex: i, scores: { log_likelihood: -i, lid: 10 + i } })));
  writeFileSync(join(ctx.workdir, 'weights.txt'), 'fixture weights\n');
  await ctx.artifacts.save('weights.txt', 'checkpoint');
  await ctx.progress({ fraction: 1, message: 'done' });
  return { attempt: ctx.job.attempt, cacheHit: cached !== null, kept };
}

export const handlers: JobHandler[] = [
  {
    name: 'fixture.report-everything',
    kind: 'train',
    matches: (config) => typeof config === 'object' && config !== null && !Array.isArray(config) && config.fixture === 'report-everything',
    run: reportEverything,
  },
];
