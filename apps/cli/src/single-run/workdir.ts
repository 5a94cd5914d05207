/**
 * Where a single run works: `MODEL_DIR/single-runs/<kind>-<config hash>`, the same for every run of the same
 * config (whether recorded in PostgreSQL or not), so that running it again resumes from its checkpoints.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactRecord, JobKind } from '@dgm-ood/jobs';

export function singleRunWorkdirKey(kind: JobKind, configHash: string): string {
  return `single-runs/${kind}-${configHash.slice(0, 16)}`;
}

/** What a local run leaves in its working directory for the next run of the same config. */
export interface LocalWorkdirState {
  /** Runs started here so far (the next one is attempt attempts + 1). */
  attempts: number;
  artifacts: ArtifactRecord[];
}

const STATE_FILE = 'single-run.json';

export function readLocalWorkdirState(workdir: string): LocalWorkdirState {
  const file = join(workdir, STATE_FILE);
  if (!existsSync(file)) return { attempts: 0, artifacts: [] };
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalWorkdirState>;
    return { attempts: typeof state.attempts === 'number' ? state.attempts : 0, artifacts: Array.isArray(state.artifacts) ? state.artifacts : [] };
  } catch {
    // A state file cut short by a crash: the checkpoints themselves are what resumes.
    return { attempts: 0, artifacts: [] };
  }
}

export function writeLocalWorkdirState(workdir: string, state: LocalWorkdirState): void {
  writeFileSync(join(workdir, STATE_FILE), `${JSON.stringify(state, null, 1)}\n`);
}
