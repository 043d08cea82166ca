import { defineConfig } from 'prisma/config';

// The CLI reads the URL from here (migrate deploy on machines that have the schema engine);
// runtime connects through @prisma/adapter-pg in services/db.ts.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/motcua' },
});
