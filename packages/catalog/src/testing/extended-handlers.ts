/**
 * The catalog's handlers with one more family and one more method, as a deployment would register them: the
 * registrations are the only lines that change (see docs/extending.md).
 */
import type { JobHandler } from '@dgm-ood/jobs';
import { createOodHandler } from '@dgm-ood/methods/handler';
import { MethodRegistry } from '@dgm-ood/methods/registry';
import { FamilyRegistry } from '@dgm-ood/models';
import { createTrainHandler } from '@dgm-ood/training/handler';
import { MODEL_FAMILIES, OOD_METHODS } from '../registrations.js';
import { bitsPerDimMethod } from './bits-per-dim-method.js';
import { pixelGaussianFamily } from './pixel-gaussian-family.js';

const families = new FamilyRegistry([...MODEL_FAMILIES, pixelGaussianFamily]);
const methods = new MethodRegistry([...OOD_METHODS, bitsPerDimMethod]);

export const handlers: JobHandler[] = [createTrainHandler(families), createOodHandler(families, methods)];
