/** Secure by default: without an API token the coordinator answers only on loopback. */
import { isIP } from 'node:net';
import { createError, type AppConfig } from '@dgm-ood/config';

export const AuthRequiredError = createError<[string]>(
  'DGM_AUTH_REQUIRED',
  'HOST=%s is not a loopback address and no API token is set: set DGM_OOD_API_TOKEN (e.g. `DGM_OOD_API_TOKEN=$(openssl rand -hex 32)`) or DGM_OOD_API_TOKEN_FILE (one name:secret per line), or listen on HOST=127.0.0.1',
);

/** Whether `host` (HOST) reaches only this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(bare) || /^::ffff:127\./.test(bare);
  return false;
}

/** Throws (one line naming the variables) when the coordinator would listen beyond loopback unauthenticated. */
export function assertSafeToListen(config: Pick<AppConfig, 'host' | 'apiTokens'>): void {
  if (config.apiTokens.length === 0 && !isLoopbackHost(config.host)) throw new AuthRequiredError(config.host);
}
