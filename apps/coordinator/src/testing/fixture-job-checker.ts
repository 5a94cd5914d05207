import { checkJobConfig } from '@dgm-ood/catalog';
import type { JobChecker } from '../plugins/services.js';

/**
 * Jobs of the worker's named fixtures (`config.fixture`) are runnable by the fixture handlers; every other config
 * is checked by the catalog, as in a deployment.
 */
export const fixtureOrCatalogJobChecker: JobChecker = (kind, jobConfig, lookup) =>
  typeof jobConfig === 'object' && jobConfig !== null && !Array.isArray(jobConfig) && typeof jobConfig.fixture === 'string'
    ? { problems: [] }
    : checkJobConfig(kind, jobConfig, lookup);
