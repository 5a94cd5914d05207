import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ProvenanceFields } from '@dgm-ood/jobs';

export interface CodeVersion {
  /** A git commit (or the deployer's DGM_OOD_CODE_VERSION), or `unknown`. */
  codeVersion: string;
  /** Whether the checkout had uncommitted changes; null when that cannot be known. */
  dirty: boolean | null;
}

const CHECKOUT = fileURLToPath(new URL('.', import.meta.url));

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
}

/**
 * The code this worker runs. DGM_OOD_CODE_VERSION wins (deployments without a .git; `-dirty` suffix as
 * `git describe --dirty` writes it); else the checkout's HEAD and `git status --porcelain`; else unknown.
 * Asked once at worker start: an edit after that is not what the running process executes anyway.
 */
export function detectCodeVersion(configured: string | undefined, checkout: string = CHECKOUT): CodeVersion {
  if (configured) return { codeVersion: configured, dirty: configured.endsWith('-dirty') };
  try {
    const commit = git(['rev-parse', 'HEAD'], checkout).trim();
    const dirty = git(['status', '--porcelain'], checkout).trim().length > 0;
    return { codeVersion: commit, dirty };
  } catch {
    return { codeVersion: 'unknown', dirty: null };
  }
}

/** The record every attempt starts with; the handler (and its backend report) add to it. */
export function baseProvenance(code: CodeVersion, workerId: string): ProvenanceFields {
  return { codeVersion: code.codeVersion, dirty: code.dirty, host: hostname(), workerId, node: process.version };
}
