/**
 * The environment of a single run, read from where the user typed the command: its `.env` (else the workspace
 * root's, as loadConfig finds it) under the process environment. The handlers run in this process and read
 * DATA_DIR, MODEL_DIR, DGM_OOD_BACKEND… themselves, so the file's values are put into process.env for the run
 * (the directories as the absolute paths the command uses) and taken out again afterwards.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { loadConfig, type AppConfig } from '@dgm-ood/config';

export function enterRunEnvironment(invokingDir: string): { config: AppConfig; restore(): void } {
  const config = loadConfig({ cwd: invokingDir });
  const fromFile = config.envFile ? (parseEnv(readFileSync(config.envFile, 'utf8')) as Record<string, string>) : {};
  const values: Record<string, string> = { ...fromFile, DATA_DIR: config.dataDir, MODEL_DIR: config.modelDir };
  const previous = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(values)) {
    const current = process.env[key];
    // The process environment wins over the file, as with dotenv (an empty variable counts as unset).
    if (current !== undefined && current !== '' && key !== 'DATA_DIR' && key !== 'MODEL_DIR') continue;
    previous.set(key, current);
    process.env[key] = value;
  }
  return {
    config,
    restore() {
      for (const [key, value] of previous) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}
