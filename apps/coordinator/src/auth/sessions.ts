/**
 * Dashboard sessions, in memory: a restart (or a second coordinator process) signs everyone out, which is
 * acceptable for a tool whose users hold the token they signed in with.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'dgm_ood_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

interface Session {
  tokenName: string;
  expires: number;
}

/** Ids are kept only as sha256 digests, so a lookup never compares the secret id itself. */
const key = (id: string) => createHash('sha256').update(id).digest('base64');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly ttlMs = SESSION_TTL_MS, private readonly now = () => Date.now()) {}

  create(tokenName: string): { id: string; maxAgeSeconds: number } {
    this.prune();
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(key(id), { tokenName, expires: this.now() + this.ttlMs });
    return { id, maxAgeSeconds: Math.floor(this.ttlMs / 1000) };
  }

  /** The token name the session was opened with, while it has not expired. */
  tokenNameOf(id: string | undefined): string | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(key(id));
    if (!session) return undefined;
    if (session.expires <= this.now()) {
      this.sessions.delete(key(id));
      return undefined;
    }
    return session.tokenName;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(key(id));
  }

  private prune(): void {
    const now = this.now();
    for (const [k, session] of this.sessions) if (session.expires <= now) this.sessions.delete(k);
  }
}

/** The value of one cookie in a Cookie header (the only cookie the coordinator reads). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
