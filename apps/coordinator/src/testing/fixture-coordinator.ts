// The coordinator service exactly as `pnpm coordinator` runs it, except that it also accepts the worker's named
// fixture jobs: system tests (the chaos suite) run it as a process of its own next to fixture workers.
import { runMain } from '@dgm-ood/config';
import { runCoordinator } from '../service.js';
import { fixtureOrCatalogJobChecker } from './fixture-job-checker.js';

await runMain(() => runCoordinator({ checkJob: fixtureOrCatalogJobChecker }));
