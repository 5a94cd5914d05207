/**
 * @dgm-ood/catalog — the registered model families and OOD methods, the job handlers over them, and the
 * submission check the coordinator runs on every job of a sweep. Loads no tensor library.
 */
import { FamilyRegistry } from '@dgm-ood/models';
import { MethodRegistry } from '@dgm-ood/methods/registry';
import { MODEL_FAMILIES, OOD_METHODS } from './registrations.js';

export const families = new FamilyRegistry(MODEL_FAMILIES);
export const methods = new MethodRegistry(OOD_METHODS);
export { MODEL_FAMILIES, OOD_METHODS } from './registrations.js';
export { checkJobConfig, type JobCheck, type ModelConfigLookup } from './check-job.js';
