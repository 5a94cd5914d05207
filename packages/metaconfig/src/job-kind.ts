/** Job kind (training vs OOD detection) — not stated in a meta-config, so inferred or given explicitly. */
import type { JsonValue } from './types.js';
import type { PyValue } from './value.js';

export type JobKind = 'train' | 'ood';

/** The run-name changer dgm's agent files use for each kind. */
export const DEFAULT_RUN_NAME_CHANGER: Readonly<Record<JobKind, string>> = {
  train: 'change_name',
  ood: 'ood_run_name_changer',
};

function keysOf(v: JsonValue | PyValue): string[] {
  if (v instanceof Map) return [...v.keys()];
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.keys(v);
  return [];
}

/** From a config's shape: `model`/`trainer` → train; `ood`/`base_model` → ood. */
export function inferJobKind(config: JsonValue | PyValue): JobKind | undefined {
  const keys = new Set(keysOf(config));
  if (keys.has('ood') || keys.has('base_model')) return 'ood';
  if (keys.has('trainer') || keys.has('model')) return 'train';
  return undefined;
}

/** From the file's folder, as dgm lays them out (`meta_configurations/training/...`, `.../ood/...`). */
export function inferJobKindFromPath(file: string): JobKind | undefined {
  const parts = file.split(/[\\/]/);
  if (parts.includes('training')) return 'train';
  if (parts.includes('ood')) return 'ood';
  return undefined;
}
