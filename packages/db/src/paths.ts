import { fileURLToPath } from 'node:url';

/** prisma/migrations of this checkout. */
export const migrationsDir = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
