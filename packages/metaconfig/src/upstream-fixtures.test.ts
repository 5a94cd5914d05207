/**
 * Acceptance 1: every reference meta-configuration expands to the number of jobs the reference tool
 * produced (table in test/fixtures/upstream/README.md); the two deriv_norm files are rejected with the
 * reason; the two agent files are recognised as such.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandMetaConfig } from './index.js';
import { DEFAULT_RUN_NAME_CHANGER, inferJobKindFromPath } from './job-kind.js';
import { listYamlFiles, UPSTREAM_FIXTURES } from './test-support.js';

const root = join(UPSTREAM_FIXTURES, 'meta_configurations');

const EXPECTED_JOBS: Record<string, number | 'invalid'> = {
  'training/flows/grayscale_flows.yaml': 10,
  'training/flows/colorful_flows.yaml': 12,
  'training/flows/grayscale_background_flows.yaml': 10,
  'training/flows/colorful_background_flows.yaml': 12,
  'training/flows/grayscale_embedded_flows.yaml': 10,
  'training/flows/colorful_embedded_flows.yaml': 12,
  'training/flows/medmnist_flows.yaml': 6,
  'training/diffusions/grayscale_diffusions.yaml': 8,
  'training/diffusions/colorful_diffusions.yaml': 12,
  'training/diffusions/medmnist_diffusions.yaml': 6,
  'ood/complexity/grayscale_complexity.yaml': 20,
  'ood/complexity/rgb_complexity.yaml': 30,
  'ood/deriv_norm/grayscale_deriv_norm.yaml': 'invalid',
  'ood/deriv_norm/rgb_deriv_norm.yaml': 'invalid',
  'ood/intrinsic_dimension/diffusions/ablation_LID_vs_likelihood_ve_sde.yaml': 36,
  'ood/intrinsic_dimension/diffusions/ablation_score_vs_likelihood.yaml': 36,
  'ood/intrinsic_dimension/diffusions/grayscale_LID_vs_likelihood.yaml': 60,
  'ood/intrinsic_dimension/diffusions/grayscale_LID_vs_likelihood_patch.yaml': 24,
  'ood/intrinsic_dimension/diffusions/medical_LID_vs_likelihood.yaml': 48,
  'ood/intrinsic_dimension/diffusions/rgb_LID_vs_likelihood.yaml': 105,
  'ood/intrinsic_dimension/diffusions/rgb_LID_vs_likelihood_fast.yaml': 105,
  'ood/intrinsic_dimension/diffusions/rgb_LID_vs_likelihood_patch.yaml': 24,
  'ood/intrinsic_dimension/diffusions/rgb_LID_vs_likelihood_ve_sde.yaml': 105,
  'ood/intrinsic_dimension/flows/grayscale_ID_vs_likelihood.yaml': 440,
  'ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml': 360,
  'ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood_random.yaml': 24,
  'ood/intrinsic_dimension/flows/grayscale_deriv_rho_r_trend.yaml': 40,
  'ood/intrinsic_dimension/flows/grayscale_rho_r_trend.yaml': 40,
  'ood/intrinsic_dimension/flows/medical_LID_vs_likelihood.yaml': 48,
  'ood/intrinsic_dimension/flows/rgb_ID_vs_likelihood.yaml': 660,
  'ood/intrinsic_dimension/flows/rgb_LID_vs_likelihood.yaml': 630,
  'ood/intrinsic_dimension/flows/rgb_LID_vs_likelihood_random.yaml': 30,
  'ood/intrinsic_dimension/flows/rgb_deriv_rho_r_trend.yaml': 60,
  'ood/intrinsic_dimension/flows/rgb_rho_r_trend.yaml': 60,
  'ood/numerical_invertibility/grayscale_invertibility_check.yaml': 80,
  'ood/numerical_invertibility/rgb_invertibility_check.yaml': 120,
  'ood/ratios/grayscale_diffusion_ratio.yaml': 300,
  'ood/ratios/grayscale_ratios.yaml': 16,
  'ood/ratios/rgb_diffusion_ratio.yaml': 525,
  'ood/ratios/rgb_ratios.yaml': 16,
  'ood/reconstruction_based/grayscale_degrade_denoise.yaml': 60,
  'ood/reconstruction_based/rgb_degrade_denoise.yaml': 105,
  'ood/sampling/grayscale_sampling.yaml': 8,
  'ood/sampling/rgb_sampling.yaml': 8,
  'ood/sampling/lightweight_gaussian_ambient.yaml': 24,
  'ood/sampling/metropolis_hasting_volumes.yaml': 24,
};
/** The agent files (`dysweep_run_resume --config`), not sweeps. */
const AGENT_FILES = ['ood/base.yaml', 'training/base.yaml'];

function expand(rel: string) {
  const kind = inferJobKindFromPath(rel);
  return expandMetaConfig(readFileSync(join(root, rel), 'utf8'), {
    file: rel,
    ...(kind ? { runNameChanger: DEFAULT_RUN_NAME_CHANGER[kind] } : {}),
  });
}

describe('reference meta-configurations', () => {
  it('the table above is the README table, and covers every file of the folder', () => {
    const readme = readFileSync(join(UPSTREAM_FIXTURES, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| ([\w/.-]+\.yaml) \| (\d+|invalid)[^|]*\|$/gm)].map((m) => [m[1], m[2] === 'invalid' ? 'invalid' : Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(EXPECTED_JOBS);
    expect(listYamlFiles(root).sort()).toEqual([...Object.keys(EXPECTED_JOBS), ...AGENT_FILES].sort());
  });

  const sweeps = Object.entries(EXPECTED_JOBS).filter(([, n]) => n !== 'invalid') as [string, number][];
  it.each(sweeps)('%s expands to %i jobs', (rel, n) => {
    const r = expand(rel);
    if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 1));
    expect(r.jobs).toHaveLength(n);
    expect(r.sweep.jobCount).toBe(n);
    expect(r.jobs.map((j) => j.index)).toEqual([...Array(n).keys()]);
    for (const j of r.jobs) {
      expect(j.configHash).toMatch(/^[0-9a-f]{64}$/);
      expect(j.name.length).toBeGreaterThan(0);
    }
  });

  it.each(['ood/deriv_norm/grayscale_deriv_norm.yaml', 'ood/deriv_norm/rgb_deriv_norm.yaml'])('%s is rejected for its dangling swept item', (rel) => {
    const r = expand(rel);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'sweep.empty', path: 'sweep_configuration.dy__upsert[1]', file: rel });
    expect(r.errors[0]?.message).toMatch(/neither 'values' nor 'value'/);
    expect(r.errors[0]?.line).toBeTypeOf('number');
  });

  it.each(AGENT_FILES)('%s is recognised as an agent file', (rel) => {
    const r = expand(rel);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.code).toBe('config.agent_file');
  });
});
