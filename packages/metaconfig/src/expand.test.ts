import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { countMetaConfigJobs, DEFAULT_MAX_JOBS, expandMetaConfig, inferJobKindFromSource } from './index.js';

const list = (n: number) => [...Array(n).keys()].join(', ');
const grid = (n: number, m: number, k = 0) => `project: p
base_config: {a: 0, b: 0, c: 0}
sweep_configuration:
  a: {sweep: true, values: [${list(n)}]}
  b: {sweep: true, values: [${list(m)}]}
${k > 0 ? `  c: {sweep: true, values: [${list(k)}]}\n` : ''}`;

describe('expandMetaConfig', () => {
  it('identifies each job by grid index plus the sha256 of its canonical config', () => {
    const r = expandMetaConfig(grid(2, 3));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.jobs.map((j) => j.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const j of r.jobs) {
      expect(j.configHash).toBe(createHash('sha256').update(j.configJson).digest('hex'));
      expect(JSON.parse(j.configJson)).toEqual(j.config);
      expect(JSON.parse(j.pointJson)).toEqual(j.point);
    }
    expect(new Set(r.jobs.map((j) => j.configHash)).size).toBe(6);
    expect(r.sweep).toMatchObject({ project: 'p', method: 'grid', jobCount: 6, parameters: [{ name: 'a', path: 'sweep_configuration.a', values: 2 }, { name: 'b', path: 'sweep_configuration.b', values: 3 }] });
  });

  it('rejects a grid above the cap without enumerating it, and counts jobs without materialising', () => {
    expect(DEFAULT_MAX_JOBS).toBe(100_000);
    // 2.7 × 10^10 jobs: enumerating them would not finish; the rejection comes from the count alone.
    const huge = grid(3000, 3000, 3000);
    const r = expandMetaConfig(huge);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([expect.objectContaining({ code: 'grid.too_large', path: 'sweep_configuration', message: expect.stringContaining('27000000000 jobs (a: 3000 × b: 3000 × c: 3000)') })]);
    expect(countMetaConfigJobs(huge)).toMatchObject({ ok: true, jobCount: 27_000_000_000 });
    expect(expandMetaConfig(grid(3, 4), { maxJobs: 11 }).ok).toBe(false);
    expect(expandMetaConfig(grid(3, 4), { maxJobs: 12 }).ok).toBe(true);
  });

  it('adds `value:` constants to every point and expands a tree without swept nodes to one job', () => {
    const r = expandMetaConfig(`project: p\nbase_config: {a: 0, b: 0}\nsweep_configuration:\n  a: {sweep: true, value: 7}\n  b: {sweep: true, values: [1, 2]}\n`);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.jobs.map((j) => j.point)).toEqual([{ a: 7, b: 1 }, { a: 7, b: 2 }]);
    const single = expandMetaConfig(`project: p\nbase_config: {a: 0}\nsweep_configuration: {a: 3}\n`);
    if (!single.ok) throw new Error(JSON.stringify(single.errors));
    expect(single.jobs.map((j) => [j.point, j.config])).toEqual([[{}, { a: 3 }]]);
  });

  it('accepts the complete W&B form of sweep_configuration (docs/metaconfig-notes.md §1.3)', () => {
    const r = expandMetaConfig(`project: p
base_config: {a: 0}
sweep_configuration:
  name: full
  method: grid
  metric: {name: loss, goal: minimize}
  parameters:
    a: {sweep: true, values: [1, 2]}
`);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.sweep.sweepName).toBe('full');
    expect(r.jobs.map((j) => j.config)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.sweep.parameters[0]?.path).toBe('sweep_configuration.parameters.a');
  });

  it('warns that `sweep: false` still sweeps (Q1)', () => {
    const r = expandMetaConfig(`project: p\nbase_config: {a: 0}\nsweep_configuration:\n  a: {sweep: false, values: [1, 2]}\n`);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.jobs).toHaveLength(2);
    expect(r.warnings[0]).toMatchObject({ code: 'sweep.false_still_sweeps', quirk: 'Q1', line: 4 });
  });

  it('reads JSON input with float fidelity', () => {
    const r = expandMetaConfig(JSON.stringify({ project: 'p', base_config: { lr: 0.5 }, sweep_configuration: { lr: { sweep: true, values: [1.5, 2] } } }).replace('2]', '2.0]'), { format: 'json' });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.jobs.map((j) => j.configJson)).toEqual(['{"lr":1.5}', '{"lr":2.0}']);
  });

  it('collects several independent errors at once, each with file, path and line', () => {
    const r = expandMetaConfig(`project: 1\nbase_config: {a: 0}\nextra: 1\nsweep_configuration:\n  a: {sweep: true}\n  b: {sweep: true, values: [1], bogus: 2}\n`, { file: 'x.yaml' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.path, e.line, e.file])).toEqual([
      ['config.type', 'project', 1, 'x.yaml'],
      ['config.unknown_key', 'extra', 3, 'x.yaml'],
      ['sweep.empty', 'sweep_configuration.a', 5, 'x.yaml'],
      ['sweep.unknown_key', 'sweep_configuration.b.bogus', 6, 'x.yaml'],
    ]);
  });

  it('reports a snippet runtime error with the YAML line of the failing snippet line', () => {
    const r = expandMetaConfig(`project: p
base_config: {a: 0}
sweep_configuration:
  a:
    dy__eval:
      expression: |
        def f(conf):
          x = 1
          return conf['nope']
      function_of_interest: f
  b: {sweep: true, values: [1, 2]}
`);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1); // the same error in both jobs is reported once
      expect(r.errors[0]).toMatchObject({ code: 'eval.runtime', path: 'sweep_configuration.a.dy__eval.expression', line: 9 });
      expect(r.errors[0]?.message).toMatch(/KeyError: 'nope'.*first seen in job 0: b=1/);
    }
  });

  it('infers the job kind from base_config', () => {
    expect(inferJobKindFromSource('base_config: {trainer: {}, model: {}}')).toBe('train');
    expect(inferJobKindFromSource('base_config: {ood: {}, data: {}}')).toBe('ood');
    expect(inferJobKindFromSource('base_config: {x: 1}')).toBeUndefined();
  });
});
