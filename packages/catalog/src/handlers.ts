/**
 * The job handlers a worker loads by default over the catalog: `train` (training runs, and imports of PyTorch
 * checkpoints) and `ood`.
 */
import type { JobHandler } from '@dgm-ood/jobs';
import { createOodHandler } from '@dgm-ood/methods/handler';
import { createImportHandler, createTrainHandler } from '@dgm-ood/training/handler';
import { families, methods } from './index.js';

export const handlers: JobHandler[] = [createImportHandler(families), createTrainHandler(families), createOodHandler(families, methods)];
