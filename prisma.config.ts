import { defineConfig } from 'prisma/config';

// Must not throw when DATABASE_URL is unset: `prisma generate` never connects.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/root' },
});
