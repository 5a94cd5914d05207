#!/usr/bin/env node
// `pnpm exec dgm-ood` / `npx dgm-ood`: the CLI's TypeScript sources run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
