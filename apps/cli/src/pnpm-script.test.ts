/** The root script as users call it: `pnpm --silent dgm-ood expand FILE --json` must print pure JSON. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) dir = dirname(dir);
  return dir;
}

const root = repoRoot();
const fixture = upstreamFixture('meta_configurations');

describe('pnpm --silent dgm-ood expand', () => {
  it('prints only JSON on stdout for a valid file', () => {
    const stdout = execFileSync('pnpm', ['--silent', 'dgm-ood', 'expand', join(fixture, 'training/flows/medmnist_flows.yaml'), '--json'], { cwd: root, encoding: 'utf8' });
    const out = JSON.parse(stdout);
    expect(out.jobs).toHaveLength(6);
    expect(out.kind).toBe('train');
    expect(out.jobs[0].name).toMatch(/^PiecewiseRationalQuadraticCouplingTransform_medmnist_[a-z]+$/);
  });

  it('exits 2 for an invalid file', () => {
    const r = spawnSync('pnpm', ['--silent', 'dgm-ood', 'expand', join(fixture, 'ood/deriv_norm/grayscale_deriv_norm.yaml'), '--json'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).errors[0].code).toBe('sweep.empty');
  });
});
