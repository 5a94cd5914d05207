import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '@dgm-ood/config';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Finds which configured token a presented secret is, in time independent of where they differ: both sides
 * are compared as sha256 digests (equal lengths for timingSafeEqual), and every token is compared.
 */
export function createTokenVerifier(tokens: readonly ApiToken[]): (presented: string) => string | undefined {
  const digests = tokens.map((token) => ({ name: token.name, digest: digest(token.secret) }));
  return (presented) => {
    const candidate = digest(presented);
    let match: string | undefined;
    for (const token of digests) if (timingSafeEqual(candidate, token.digest) && match === undefined) match = token.name;
    return match;
  };
}

/** The token of an `Authorization: Bearer <token>` header, else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}
