import { describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { memoryIo } from '../test-io.js';

const GOOD = `
project: demo
sweep_name: tiny
base_config:
  data: {dataset: mnist}
  trainer: {max_grad_norm: 1.0, writer: {tag_group: other}}
sweep_configuration:
  data:
    dataset: {sweep: true, values: [mnist, cifar10]}
`;

const BAD = `
project: demo
base_config:
  data: {dataset: mnist}
sweep_configuration:
  data:
    dy__eval:
      expression: "__import__('os').system('true')"
`;

describe('dgm-ood expand', () => {
  it('--json prints pure JSON with float fidelity, kind and the jobs', async () => {
    const io = memoryIo({ 'm.yaml': GOOD });
    expect(await runCli(['expand', 'm.yaml', '--json', '--kind', 'train'], io)).toBe(0);
    expect(io.err).toBe('');
    const out = JSON.parse(io.out);
    expect(out.ok).toBe(true);
    expect(out.sweep.jobCount).toBe(2);
    expect(out.jobs.map((j: { index: number; kind: string; point: unknown }) => [j.index, j.kind, j.point])).toEqual([
      [0, 'train', { dataset: 'mnist' }],
      [1, 'train', { dataset: 'cifar10' }],
    ]);
    expect(out.jobs[1].config).toEqual({ data: { dataset: 'cifar10' }, trainer: { max_grad_norm: 1, writer: { tag_group: 'other' } } });
    expect(out.jobs[1].name).toMatch(/^cifar10_[a-z]+$/); // change_name for kind train, non-flow tag group
    expect(io.out).toContain('"max_grad_norm":1.0');
  });

  it('prints a readable table by default, inferring the kind from the config shape', async () => {
    const io = memoryIo({ 'm.yaml': GOOD });
    expect(await runCli(['expand', 'm.yaml'], io)).toBe(0);
    expect(io.out).toMatch(/sweep tiny of project demo — 2 jobs, kind train/);
    expect(io.out).toMatch(/^0\s+train\s+mnist_\w+\s+dataset=mnist$/m);
    expect(io.out).toMatch(/^1\s+train\s+cifar10_\w+\s+dataset=cifar10$/m);
    expect(io.out).toContain('config ');
  });

  it('exits 2 and lists the errors with file, line and YAML path on invalid input', async () => {
    const io = memoryIo({ 'bad.yaml': BAD });
    expect(await runCli(['expand', 'bad.yaml'], io)).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toMatch(/bad\.yaml:8: sweep_configuration\.data\.dy__eval\.expression: name '__import__' is not defined/);
    expect(io.err).toContain('[eval.unknown_name]');
  });

  it('exits 2 with a JSON error list when --json is given', async () => {
    const io = memoryIo({ 'bad.yaml': BAD });
    expect(await runCli(['expand', 'bad.yaml', '--json'], io)).toBe(2);
    const out = JSON.parse(io.out);
    expect(out.ok).toBe(false);
    expect(out.errors[0]).toMatchObject({ code: 'eval.unknown_name', path: 'sweep_configuration.data.dy__eval.expression', file: 'bad.yaml', line: 8 });
  });

  it('exits 2 for an unreadable file and 1 for bad usage', async () => {
    const io = memoryIo();
    expect(await runCli(['expand', 'missing.yaml'], io)).toBe(2);
    expect(io.err).toContain('file.unreadable');
    expect(await runCli(['expand'], memoryIo())).toBe(1);
    expect(await runCli(['expand', 'm.yaml', '--kind', 'eval'], memoryIo({ 'm.yaml': GOOD }))).toBe(1);
    expect(await runCli(['expand', 'm.yaml', '--frobnicate'], memoryIo({ 'm.yaml': GOOD }))).toBe(1);
  });

  it("names jobs generically, with one warning, when the kind's default run-name changer does not apply", async () => {
    // A plain dysweep training sweep: no trainer.writer, which change_name reads.
    const plain = 'project: demo\nbase_config:\n  data: {dataset: mnist}\n  trainer: {max_epochs: 1}\nsweep_configuration:\n  trainer:\n    max_epochs: {sweep: true, values: [1, 2, 3]}\n';
    const text = memoryIo({ 'plain.yaml': plain });
    expect(await runCli(['expand', 'plain.yaml', '--kind', 'train'], text)).toBe(0);
    expect(text.err).toBe('');
    expect(text.out.match(/^warning: /gm)).toHaveLength(1);
    expect(text.out).toMatch(/^warning: plain\.yaml: <option defaultRunNameChanger>: change_name does not apply \(KeyError: 'writer'.*3 of 3 jobs\).*\[run_name\.fallback\]$/m);
    expect(text.out).toMatch(/^0\s+train\s+mnist_[0-9a-f]{8}\s+max_epochs=1$/m);

    const json = memoryIo({ 'plain.yaml': plain });
    expect(await runCli(['expand', 'plain.yaml', '--json'], json)).toBe(0);
    const out = JSON.parse(json.out);
    expect(out.kind).toBe('train');
    expect(out.jobs.map((j: { name: string; configHash: string }) => j.name)).toEqual(out.jobs.map((j: { configHash: string }) => `mnist_${j.configHash.slice(0, 8)}`));
    expect(out.warnings.map((w: { code: string }) => w.code)).toEqual(['run_name.fallback']);
  });

  it("still exits 2 when the file's own run-name changer cannot name a job", async () => {
    const own = 'project: demo\nrun_name_changer: meta_configurations.change_name\nbase_config:\n  data: {dataset: mnist}\n  trainer: {max_epochs: 1}\nsweep_configuration:\n  trainer:\n    max_epochs: {sweep: true, values: [1, 2]}\n';
    const io = memoryIo({ 'own.yaml': own });
    expect(await runCli(['expand', 'own.yaml', '--kind', 'train'], io)).toBe(2);
    expect(io.err).toMatch(/own\.yaml:2: run_name_changer: KeyError: 'writer'/);
  });

  it('honours --max-jobs', async () => {
    const io = memoryIo({ 'm.yaml': GOOD });
    expect(await runCli(['expand', 'm.yaml', '--max-jobs', '1'], io)).toBe(2);
    expect(io.err).toContain('grid.too_large');
  });

  it('reports the jobs that cannot run here, located; --check makes them exit 2', async () => {
    const sweep = `
project: demo
base_config:
  base_model: {sweep: flows, job: 0}
  data:
    in_distribution: {dataloader_args: {dataset: fashion-mnist}}
    out_of_distribution: {dataloader_args: {dataset: mnist}}
  ood: {seed: 1, method: ood.intrinsic_dimension.LID_OOD}
sweep_configuration:
  ood:
    method: {sweep: true, values: [ood.intrinsic_dimension.LID_OOD, ood.sampling.ProbabilityMassSampling]}
`;
    const text = memoryIo({ 's.yaml': sweep });
    expect(await runCli(['expand', 's.yaml', '--kind', 'ood'], text)).toBe(0);
    expect(text.out).toMatch(/^1 of 2 jobs cannot run here:$/m);
    expect(text.out).toMatch(/^ {2}jobs\[1\]\.ood\.method \(.+\): config ood\.method: ood\.sampling\.ProbabilityMassSampling is not available: probability-mass sampling/m);
    const json = memoryIo({ 's.yaml': sweep });
    expect(await runCli(['expand', 's.yaml', '--kind', 'ood', '--json', '--check'], json)).toBe(2);
    expect(JSON.parse(json.out).problems).toEqual([expect.objectContaining({ job: 1, path: 'ood.method' })]);
  });
});
