import { afterAll, beforeAll } from 'vitest';
import { startChaosSystem, type ChaosSystem } from './chaos-system.js';

/** In a chaos test file: the system with its coordinator running, for the whole file; everything stopped afterwards. */
export function useChaosSystem(options: { redisAppendOnly?: boolean } = {}): { readonly system: ChaosSystem } {
  const state: { system?: ChaosSystem } = {};
  beforeAll(async () => {
    state.system = await startChaosSystem(options);
    await state.system.startCoordinator();
  });
  afterAll(async () => state.system?.close());
  return {
    get system() {
      return state.system!;
    },
  };
}
