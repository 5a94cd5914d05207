// `pnpm coordinator`: the REST service (PORT, default 8080; HOST, default 127.0.0.1; see the README's Configuration).
import { runMain } from '@dgm-ood/config';
import { runCoordinator } from './service.js';

await runMain(() => runCoordinator());
