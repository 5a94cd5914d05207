// A worker thread starts from plain JavaScript: register tsx's loader in this thread, then load the TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./evaluation-thread.ts');
