import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { DEFAULT_RUN_NAME_CHANGER, expandMetaConfig, inferJobKindFromPath, inferJobKindFromSource } from '@dgm-ood/metaconfig';
import { readOodPlan } from '@dgm-ood/methods';
import { readTrainingPlan } from '@dgm-ood/training';

// Our own example sweeps (meta_configurations/) must stay valid: they expand, and every job's config is
// accepted by the handler of its kind.
const root = fileURLToPath(new URL('../meta_configurations', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.yaml') ? [path] : [];
  });

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
        if (kind === 'train') expect(readTrainingPlan(job.config).dataset).toBe('fashion-mnist');
        else expect(readOodPlan(job.config).inDistribution).toBe('fashion-mnist');
      }
    });
  }
});
