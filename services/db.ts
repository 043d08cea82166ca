import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { createCalendarStore } from './calendars';
import { projectRoot } from './config';
import type { Logger } from './logger';

export { Prisma } from '../generated/prisma/client';
export { PrismaClient };

/** The one Prisma client factory (Rust-free client over node-postgres). */
export function createPrisma(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

/**
 * The client for reads a replica may serve (rate queries, dossier lists): DATABASE_READ_URL when it
 * names another server, else `primary` itself. Such reads may lag the primary by the replica's
 * replication delay; a read that must see the caller's own write uses `primary`.
 */
export function createReadPrisma(
  config: { DATABASE_URL?: string | undefined; DATABASE_READ_URL?: string | undefined },
  primary: PrismaClient,
): PrismaClient {
  return config.DATABASE_READ_URL && config.DATABASE_READ_URL !== config.DATABASE_URL
    ? createPrisma(config.DATABASE_READ_URL)
    : primary;
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
    // Only when missing: the app's role (no CREATE on the schema) runs this too when nothing is pending.
    const table = await client.query(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
    if (!table.rows[0].present)
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

/**
 * Schema plus the reference data every installation needs (the bundled national calendar).
 * With `ownerUrl` (the schema owner, DATABASE_OWNER_URL) the migrations run as the owner and the role
 * of `databaseUrl` (the app) gets only what the app needs (`grantAppRole`); otherwise
 * `databaseUrl` migrates too.
 */
export async function prepareDatabase(
  databaseUrl: string,
  logger?: Logger,
  opts: { ownerUrl?: string } = {},
): Promise<string[]> {
  const ownerUrl = opts.ownerUrl ?? databaseUrl;
  const applied = await applyMigrations(ownerUrl, logger);
  const appRole = decodeURIComponent(new URL(databaseUrl).username);
  if (ownerUrl !== databaseUrl && appRole && appRole !== decodeURIComponent(new URL(ownerUrl).username)) {
    await grantAppRole(ownerUrl, appRole);
  }
  const prisma = createPrisma(databaseUrl);
  try {
    await createCalendarStore(prisma).ensureBundled();
  } finally {
    await prisma.$disconnect();
  }
  return applied;
}

/** Tables the app may only append to (and read): the auditors' event log. */
const APPEND_ONLY_TABLES = ['dossier_event', 'audit_log'];

/**
 * What the app role may do: read and write the read models, append to the event log. It owns
 * nothing, so it cannot disable the event log's triggers, truncate it or change the schema
 * (ALTER TABLE … DISABLE TRIGGER and TRUNCATE need ownership or an explicit grant).
 */
export async function grantAppRole(ownerUrl: string, appRole: string): Promise<void> {
  const role = pg.escapeIdentifier(appRole);
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
    await client.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(db)} TO ${role}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    // PUBLIC may create in `public` before PostgreSQL 15: the app role must not.
    await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC, ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    await client.query(`REVOKE INSERT, UPDATE, DELETE ON "_prisma_migrations" FROM ${role}`);
    for (const table of APPEND_ONLY_TABLES)
      await client.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${pg.escapeIdentifier(table)} FROM ${role}`);
  } finally {
    await client.end();
  }
}

/**
 * Creates (or updates the password of) a login role that owns nothing and has no special power,
 * and returns `serverUrl` with that role's credentials: the app's connection.
 */
export async function ensureAppRole(serverUrl: string, appRole: string, password: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [appRole]);
    const verb = exists.rowCount ? 'ALTER' : 'CREATE';
    await client.query(
      `${verb} ROLE ${pg.escapeIdentifier(appRole)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${pg.escapeLiteral(password)}`,
    );
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.username = encodeURIComponent(appRole);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/**
 * A fresh database `name` on the server of `serverUrl` (which must be allowed to create one), for
 * tests that must never write into the database DATABASE_URL names. `drop()` removes it.
 */
export async function createScratchDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const ident = pg.escapeIdentifier(name);
  try {
    await admin(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${ident}`);
  } catch (err) {
    throw new Error(
      `cannot create the scratch database ${name} on the DATABASE_URL server (${(err as Error).message}); ` +
        'tests never write into the DATABASE_URL database itself: grant CREATEDB or unset DATABASE_URL',
    );
  }
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`) };
}
