/** The job handlers a worker loads by default: one `train` handler and one `ood` handler over the catalog. */
import type { JobHandler } from '@dgm-ood/jobs';
import { createOodHandler } from '@dgm-ood/methods/handler';
import { createTrainHandler } from '@dgm-ood/training/handler';
import { families, methods } from './index.js';

export const handlers: JobHandler[] = [createTrainHandler(families), createOodHandler(families, methods)];
