/**
 * The name a job gets when the kind's default run-name changer (one the file did not ask for) cannot
 * name it: `<dataset>_<short id>`, or `<grid point>_<short id>` when the config names no dataset.
 * The short id is the first 8 hex digits of the config hash (prefixed `<run_name>-` when the file sets
 * `run_name`), so distinct configs keep distinct names, unlike the hash-picked word.
 */
import type { JsonValue } from './types.js';
import { isDict, type PyValue } from './value.js';

/** Where dgm's configs keep the dataset: training (`data.dataset`) and OOD (`data.in_distribution...`). */
const DATASET_PATHS: readonly (readonly string[])[] = [
  ['data', 'dataset'],
  ['data', 'in_distribution', 'dataloader_args', 'dataset'],
];

/** Warning code of the one warning an expansion gives when some jobs got generic names. */
export const RUN_NAME_FALLBACK = 'run_name.fallback';

function datasetOf(config: PyValue): string | undefined {
  for (const path of DATASET_PATHS) {
    let cur: PyValue | undefined = config;
    for (const key of path) cur = isDict(cur) ? cur.get(key) : undefined;
    if (typeof cur === 'string' && cur !== '') return cur;
  }
  return undefined;
}

/** `name=value` pairs in grid order, comma-separated (aliases stand for their values, as in the point). */
function pointText(point: Readonly<Record<string, JsonValue>>): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(',');
}

export function genericRunName(config: PyValue, point: Readonly<Record<string, JsonValue>>, configHash: string, runName: string | undefined): string {
  const shortId = `${runName === undefined ? '' : `${runName}-`}${configHash.slice(0, 8)}`;
  const subject = datasetOf(config) ?? pointText(point);
  return subject === '' ? shortId : `${subject}_${shortId}`;
}
