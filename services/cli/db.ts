import { Command } from 'commander';
import { loadConfig } from '../config';
import { createPrisma, prepareDatabase } from '../db';
import { createLogger } from '../logger';
import { seedSampleReferenceData } from '../reference';
import { cliDatabaseUrl } from './dev-stack';

function requireDatabaseUrl(): string {
  const url = cliDatabaseUrl();
  if (!url) throw new Error('DATABASE_URL is not set and no `motcua dev` is running on this machine');
  return url;
}

export function dbCommand(): Command {
  const db = new Command('db').description(
    'Database schema and reference data (PostgreSQL via DATABASE_URL)',
  );
  db.command('migrate')
    .description(
      'Apply pending prisma/migrations (recorded in _prisma_migrations like `prisma migrate deploy`) and store the bundled national calendar',
    )
    .action(async () => {
      const applied = await prepareDatabase(requireDatabaseUrl(), createLogger('db'), {
        ownerUrl: loadConfig().DATABASE_OWNER_URL,
      });
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    });
  db.command('seed-sample')
    .description('Load the sample agencies and procedures (dữ liệu mẫu)')
    .action(async () => {
      const prisma = createPrisma(requireDatabaseUrl());
      await seedSampleReferenceData(prisma);
      await prisma.$disconnect();
      console.log('sample reference data loaded');
    });
  return db;
}
