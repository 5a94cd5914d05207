import { describe, expect, it } from 'vitest';
import { RUN_NAME_FALLBACK, expandMetaConfig, runWordFor, type ExpansionResult } from './index.js';

// A plain dysweep training file: it never asked for dgm's naming, so it has no trainer.writer.
const PLAIN_TRAINING = `project: p
sweep_name: plain
base_config:
  data: {dataset: mnist}
  model: {preset: rqnsf-grayscale-cpu}
  trainer: {max_epochs: 1}
sweep_configuration:
  trainer:
    max_epochs: {sweep: true, values: [1, 2, 3]}
`;

const okJobs = (r: ExpansionResult) => {
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return r;
};

describe('defaultRunNameChanger', () => {
  it('names jobs the default changer cannot name <dataset>_<short id>, with one warning for the sweep', () => {
    const r = okJobs(expandMetaConfig(PLAIN_TRAINING, { file: 'plain.yaml', defaultRunNameChanger: 'change_name' }));
    expect(r.jobs.map((j) => j.name)).toEqual(r.jobs.map((j) => `mnist_${j.configHash.slice(0, 8)}`));
    expect(new Set(r.jobs.map((j) => j.name)).size).toBe(3);
    expect(r.warnings).toEqual([
      {
        code: RUN_NAME_FALLBACK,
        path: '<option defaultRunNameChanger>',
        file: 'plain.yaml',
        message: expect.stringMatching(/^change_name does not apply \(KeyError: 'writer' .*first in job 0, 3 of 3 jobs\)/),
      },
    ]);
    // It named no job, so the sweep does not claim it.
    expect(r.sweep.runNameChanger).toBeUndefined();
  });

  it('gives one warning however many jobs fall back (900 jobs, which an explicit changer stops at)', () => {
    const big = `project: p\nbase_config: {a: 0, b: 0}\nsweep_configuration:\n  a: {sweep: true, values: [${[...Array(30).keys()].join(', ')}]}\n  b: {sweep: true, values: [${[...Array(30).keys()].join(', ')}]}\n`;
    const r = okJobs(expandMetaConfig(big, { defaultRunNameChanger: 'ood_run_name_changer' }));
    expect(r.jobs).toHaveLength(900);
    expect(r.warnings.map((w) => w.code)).toEqual([RUN_NAME_FALLBACK]);
    expect(r.warnings[0]?.message).toContain('900 of 900 jobs');
    // No dataset in these configs: the flat grid point stands in for it.
    expect(r.jobs[31]?.name).toBe(`a=1,b=1_${r.jobs[31]?.configHash.slice(0, 8)}`);
  });

  it("finds an OOD config's in-distribution dataset and keeps the file's run_name prefix", () => {
    const ood = `project: p
run_name: exp
base_config:
  base_model: {path: m.pt}
  data: {in_distribution: {dataloader_args: {dataset: cifar10}}}
  ood: {seed: 1}
sweep_configuration:
  ood:
    seed: {sweep: true, values: [1, 2]}
`;
    const r = okJobs(expandMetaConfig(ood, { defaultRunNameChanger: 'ood_run_name_changer' }));
    expect(r.jobs.map((j) => j.name)).toEqual(r.jobs.map((j) => `cifar10_exp-${j.configHash.slice(0, 8)}`));
    expect(r.warnings[0]?.message).toMatch(/^ood_run_name_changer does not apply \(KeyError: 'out_of_distribution'/);
  });

  it('keeps the changer for the jobs it can name and falls back only for the others', () => {
    const mixed = `project: p
base_config:
  data: {dataset: svhn}
  trainer: {writer: {tag_group: other}}
sweep_configuration:
  trainer:
    writer: {sweep: true, sweep_alias: [named, unnamed], values: [{tag_group: other}, null]}
`;
    const r = okJobs(expandMetaConfig(mixed, { defaultRunNameChanger: 'change_name' }));
    const [named, unnamed] = r.jobs;
    expect(named?.name).toBe(`svhn_${runWordFor(named!.configHash)}`);
    expect(unnamed?.name).toBe(`svhn_${unnamed!.configHash.slice(0, 8)}`);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]?.message).toContain('first in job 1, 1 of 2 jobs');
    expect(r.sweep.runNameChanger).toBe('meta_configurations.change_name');
  });

  it('leaves a default that applies alone: names as before, no warning', () => {
    const withWriter = PLAIN_TRAINING.replace('trainer: {max_epochs: 1}', 'trainer: {max_epochs: 1, writer: {tag_group: other}}');
    const r = okJobs(expandMetaConfig(withWriter, { defaultRunNameChanger: 'change_name' }));
    expect(r.jobs.map((j) => j.name)).toEqual(r.jobs.map((j) => `mnist_${runWordFor(j.configHash)}`));
    expect(r.warnings).toEqual([]);
  });
});

describe('changers someone named still fail loudly', () => {
  it('an explicit runNameChanger that cannot name a job is an error on its option path, even beside a default', () => {
    for (const options of [{ runNameChanger: 'change_name' }, { runNameChanger: 'change_name', defaultRunNameChanger: 'change_name' }]) {
      const r = expandMetaConfig(PLAIN_TRAINING, options);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.errors.map((e) => [e.code, e.path])).toEqual([['eval.runtime', '<option runNameChanger>']]);
      expect(r.errors[0]?.message).toMatch(/KeyError: 'writer'/);
    }
  });

  it("the file's own run_name_changer that cannot name a job is an error on run_name_changer, with its line", () => {
    const own = PLAIN_TRAINING.replace('sweep_name: plain', 'sweep_name: plain\nrun_name_changer: meta_configurations.change_name');
    const r = expandMetaConfig(own, { file: 'own.yaml', defaultRunNameChanger: 'change_name' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([expect.objectContaining({ code: 'eval.runtime', path: 'run_name_changer', file: 'own.yaml', line: 3, message: expect.stringMatching(/KeyError: 'writer'/) })]);
  });
});
