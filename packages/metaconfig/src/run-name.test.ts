import { describe, expect, it } from 'vitest';
import { expandMetaConfig } from './index.js';
import { RUN_NAME_WORDS, baseRunName, runWordFor } from './run-name.js';

const yaml = (extra = '') => `project: p
${extra}
base_config:
  data: {dataset: mnist}
  trainer: {writer: {tag_group: none}}
sweep_configuration:
  data:
    dataset: {sweep: true, values: [mnist, svhn, cifar10]}
`;

describe('run names', () => {
  it('derives the word from the config hash, deterministically', () => {
    const h = 'ab'.repeat(32);
    expect(runWordFor(h)).toBe(RUN_NAME_WORDS[parseInt('abababab', 16) % RUN_NAME_WORDS.length]);
    expect(baseRunName(h, undefined)).toBe(runWordFor(h));
    expect(baseRunName(h, 'exp')).toBe(`exp-${runWordFor(h)}`);
    const a = expandMetaConfig(yaml());
    const b = expandMetaConfig(yaml());
    if (!a.ok || !b.ok) throw new Error('expansion failed');
    expect(a.jobs.map((j) => j.name)).toEqual(b.jobs.map((j) => j.name));
    for (const j of a.jobs) expect(j.name).toBe(runWordFor(j.configHash));
  });

  it('prefixes run_name and passes the result through the changer', () => {
    const r = expandMetaConfig(yaml('run_name: exp'), { runNameChanger: 'change_name' });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    for (const j of r.jobs) expect(j.name).toBe(`${(j.config as { data: { dataset: string } }).data.dataset}_exp-${runWordFor(j.configHash)}`);
    expect(r.sweep.runNameChanger).toBe('meta_configurations.change_name');
  });

  it("the file's own run_name_changer wins over the option", () => {
    const own = `run_name_changer:\n  expression: "lambda conf, name: 'own_' + name"`;
    const r = expandMetaConfig(yaml(own), { runNameChanger: 'change_name' });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    for (const j of r.jobs) expect(j.name).toBe(`own_${runWordFor(j.configHash)}`);
  });

  it('refuses a changer that does not return a string', () => {
    const r = expandMetaConfig(yaml(`run_name_changer: "lambda conf, name: 3"`));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ code: 'eval.runtime', path: 'run_name_changer' });
  });
});

describe('run-name changer failures', () => {
  it('stops after many failing jobs and keeps every issue on the changer\'s path', () => {
    const big = `project: p\nbase_config: {a: 0, b: 0}\nsweep_configuration:\n  a: {sweep: true, values: [${[...Array(30).keys()].join(', ')}]}\n  b: {sweep: true, values: [${[...Array(30).keys()].join(', ')}]}\n`;
    const r = expandMetaConfig(big, { runNameChanger: 'ood_run_name_changer' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.path])).toEqual([
      ['eval.runtime', '<option runNameChanger>'],
      ['expand.stopped', '<option runNameChanger>'],
    ]);
    expect(r.errors[0]?.message).toMatch(/KeyError: 'data'/);
    expect(r.errors[1]?.message).toMatch(/stopped after 500 failing jobs; the remaining 400 were not checked/);
  });
});
