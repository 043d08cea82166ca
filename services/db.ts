import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { createCalendarStore } from './calendars';
import { projectRoot } from './config';
import type { Logger } from './logger';

export type { Prisma } from '../generated/prisma/client';
export { PrismaClient };

/** The one Prisma client factory (Rust-free client over node-postgres). */
export function createPrisma(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

export const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');

/** Same lock id `prisma migrate deploy` takes, so both never interleave. */
const MIGRATE_ADVISORY_LOCK = 72707369;

/**
 * Applies prisma/migrations exactly as `prisma migrate deploy` would: each pending
 * folder's migration.sql in name order, recorded in `_prisma_migrations` with its SHA-256
 * checksum, so a machine that has the Prisma schema engine sees the same history.
 */
export async function applyMigrations(databaseUrl: string, logger?: Logger): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_ADVISORY_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const applied = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const done = new Map(applied.rows.map((r) => [r.migration_name, r.checksum]));
    const names = (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    const newlyApplied: string[] = [];
    for (const name of names) {
      const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = done.get(name);
      if (previous !== undefined) {
        if (previous !== checksum) {
          logger?.warn({ migration: name }, 'migration was modified after it was applied');
        }
        continue;
      }
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
          [id, checksum, name],
        );
        await client.query(sql);
        await client.query(
          'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
          [id],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(err as Error).message}`);
      }
      logger?.info({ migration: name }, 'migration applied');
      newlyApplied.push(name);
    }
    return newlyApplied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_ADVISORY_LOCK]).catch(() => {});
    await client.end();
  }
}

/** Schema plus the reference data every installation needs (the bundled national calendar). */
export async function prepareDatabase(databaseUrl: string, logger?: Logger): Promise<string[]> {
  const applied = await applyMigrations(databaseUrl, logger);
  const prisma = createPrisma(databaseUrl);
  try {
    await createCalendarStore(prisma).ensureBundled();
  } finally {
    await prisma.$disconnect();
  }
  return applied;
}
