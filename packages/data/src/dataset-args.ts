import { isMedmnistSubclass, MEDMNIST_SUBCLASSES } from './datasets-medmnist.js';
import type { LoadDatasetOptions } from './dataset-definition.js';

/** What the reference's `additional_dataset_args` may set for our readers: the output size and the MedMNIST subset. */
export interface DatasetArgs {
  /** `resize_image: [height, width]`. */
  size: [number, number] | null;
  /** medmnist only: `subclass` (required) and `align` (default true). */
  medmnist: { subclass: string; align: boolean } | null;
}

/**
 * Reads `additional_dataset_args` (at `path` of a job config) for `dataset`; a problem comes back located rather
 * than thrown, so that each plan reader reports it in its own error style.
 */
export function readDatasetArgs(value: unknown, dataset: string, path: string): { args: DatasetArgs } | { path: string; message: string } {
  const args = value === undefined || value === null ? {} : value;
  if (typeof args !== 'object' || Array.isArray(args)) return { path, message: `must be a mapping (got ${JSON.stringify(value)})` };
  const a = args as Record<string, unknown>;
  const resize = a['resize_image'];
  const positive = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (resize !== undefined && !(Array.isArray(resize) && resize.length === 2 && resize.every(positive))) {
    return { path: `${path}.resize_image`, message: `must be [height, width] (got ${JSON.stringify(resize)})` };
  }
  let medmnist: DatasetArgs['medmnist'] = null;
  if (dataset === 'medmnist') {
    const subclass = a['subclass'];
    if (!isMedmnistSubclass(subclass)) {
      return { path: `${path}.subclass`, message: `medmnist needs one of ${MEDMNIST_SUBCLASSES.join(', ')} (got ${JSON.stringify(subclass)})` };
    }
    const align = a['align'];
    if (align !== undefined && typeof align !== 'boolean') return { path: `${path}.align`, message: `must be true or false (got ${JSON.stringify(align)})` };
    medmnist = { subclass, align: align !== false };
  }
  return { args: { size: resize === undefined ? null : (resize as [number, number]), medmnist } };
}

/** The loader options a DatasetArgs stands for. */
export function datasetArgsOptions(args: DatasetArgs): Pick<LoadDatasetOptions, 'size' | 'medmnist'> {
  return { ...(args.size ? { size: args.size } : {}), ...(args.medmnist ? { medmnist: args.medmnist } : {}) };
}
