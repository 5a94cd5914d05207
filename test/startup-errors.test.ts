import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// Acceptance: a wrong DATABASE_URL or an unreachable Redis gives one readable line, not a stack trace.

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = `${root}/node_modules/.bin/tsx`;

function run(script: string, env: Record<string, string>) {
  const result = spawnSync(tsx, [script], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderrLines: result.stderr.trim().split('\n') };
}

describe('startup errors are one readable line', () => {
  test('db:migrate with an unreachable DATABASE_URL', () => {
    const { status, stderrLines } = run('packages/db/src/cli/migrate.ts', { DATABASE_URL: 'postgresql://root@127.0.0.1:1/nowhere' });
    expect(status).toBe(1);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toMatch(/^error \[DGM_SERVICE_UNAVAILABLE\]: cannot reach PostgreSQL at postgresql:\/\/root@127\.0\.0\.1:1\/nowhere \(DATABASE_URL\): .*ECONNREFUSED/);
  });

  test('db:migrate with a DATABASE_URL that is not a postgres URL', () => {
    const { status, stderrLines } = run('packages/db/src/cli/migrate.ts', { DATABASE_URL: 'mysql://localhost/x' });
    expect(status).toBe(1);
    expect(stderrLines).toEqual([
      'error [DGM_CONFIG_INVALID]: invalid environment: DATABASE_URL: DATABASE_URL must be a postgresql:// or postgres:// URL (got "mysql://localhost/x")',
    ]);
  });

  test('check:services with an unreachable Redis', () => {
    const { status, stderrLines } = run('scripts/check-services.ts', { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(status).toBe(1);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toMatch(/^error \[DGM_SERVICE_UNAVAILABLE\]: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\): connect ECONNREFUSED/);
  });

  test('check:services names both services when both are down', () => {
    const { stderrLines } = run('scripts/check-services.ts', {
      REDIS_URL: 'redis://127.0.0.1:1',
      DATABASE_URL: 'postgresql://root@127.0.0.1:1/x',
    });
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toContain('(DATABASE_URL)');
    expect(stderrLines[0]).toContain('(REDIS_URL)');
  });

  test('check:services succeeds against the running services', () => {
    const { status, stdout } = run('scripts/check-services.ts', {});
    expect(status).toBe(0);
    expect(stdout).toMatch(/^ok: PostgreSQL and Redis answer/);
  });
});
