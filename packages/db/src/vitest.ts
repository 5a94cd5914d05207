import { afterAll, beforeAll } from 'vitest';
import { createPool, type Pool } from './connection.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

/** In a vitest file: a fresh migrated database and a pool for the whole file, dropped afterwards. */
export function useTestDatabase(): { readonly db: TestDatabase; readonly pool: Pool } {
  const state: { db?: TestDatabase; pool?: Pool } = {};
  beforeAll(async () => {
    state.db = await createTestDatabase();
    state.pool = createPool(state.db.url);
  });
  afterAll(async () => {
    await state.pool?.end();
    await state.db?.drop();
  });
  return {
    get db() {
      return state.db!;
    },
    get pool() {
      return state.pool!;
    },
  };
}
