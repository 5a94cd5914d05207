import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { DEFAULT_RUN_NAME_CHANGER, expandMetaConfig, inferJobKindFromPath, inferJobKindFromSource, type JobKind, type JsonValue } from '@dgm-ood/metaconfig';
import { readOodPlan } from '@dgm-ood/methods';
import { readTrainingPlan } from '@dgm-ood/training';

// Our own example sweeps (meta_configurations/) must stay valid: they expand, and every job's config is
// accepted by the handler of its kind, which reads the very datasets the job's config names (whatever
// they are: each example is checked against itself, not against one dataset).
const root = fileURLToPath(new URL('../meta_configurations', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.yaml') ? [path] : [];
  });

const at = (config: JsonValue, path: string): JsonValue | undefined =>
  path.split('.').reduce<JsonValue | undefined>((v, key) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v[key] : undefined), config);

/** The datasets a job's config names, and the same datasets as its kind's handler reads them. */
const DATASETS: Record<JobKind, (config: JsonValue) => { named: (JsonValue | undefined)[]; read: string[] }> = {
  train: (config) => ({ named: [at(config, 'data.dataset')], read: [readTrainingPlan(config).dataset] }),
  ood: (config) => {
    const plan = readOodPlan(config);
    return {
      named: [at(config, 'data.in_distribution.dataloader_args.dataset'), at(config, 'data.out_of_distribution.dataloader_args.dataset')],
      read: [plan.inDistribution, plan.dataset],
    };
  },
};

describe('meta_configurations/', () => {
  for (const file of files(root)) {
    test(`${relative(root, file)} expands and its jobs are accepted by their handler`, () => {
      const source = readFileSync(file, 'utf8').replaceAll('DEMO_TRAIN_SWEEP', '00000000-0000-4000-8000-000000000000');
      const kind = inferJobKindFromSource(source) ?? inferJobKindFromPath(file);
      expect(kind).toBeDefined();
      const result = expandMetaConfig(source, { file, runNameChanger: DEFAULT_RUN_NAME_CHANGER[kind!] });
      if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
      expect(result.jobs.length).toBeGreaterThan(0);
      for (const job of result.jobs) {
        const { named, read } = DATASETS[kind!](job.config);
        // Named explicitly: a handler's default dataset must not stand in for a missing one.
        for (const dataset of named) expect(dataset).toEqual(expect.any(String));
        expect(read).toEqual(named);
      }
    });
  }
});
