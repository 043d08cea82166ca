import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { dossierSearchAttributes } from '../../domain/search-attributes';
import { loadConfig } from '../../services/config';
import { createPrisma, createScratchDatabase, ensureAppRole, prepareDatabase } from '../../services/db';
import { startStack } from '../../services/infra';
import { createLogger } from '../../services/logger';
import { generatePayloadKey } from '../../services/payload-codec';
import { seedSampleReferenceData } from '../../services/reference';

export interface ProvidedStack {
  temporalAddress: string;
  temporalUiUrl: string;
  natsUrl: string;
  /** The app's connection: a role that owns nothing (cannot disable triggers or truncate). */
  databaseUrl: string;
  /** The schema owner (a superuser on the embedded server): migrations, scratch databases, tampering tests. */
  databaseOwnerUrl: string;
  natsStream: string;
  /** MOTCUA_EVENT_SIGNING_KEYS generated for this run. */
  eventSigningKeys: string;
  /** MOTCUA_PAYLOAD_KEYS generated for this run: applicant data is encrypted in every test's history. */
  payloadKeys: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: ProvidedStack;
  }
}

/**
 * Starts the real servers once for all integration tests, through the same code as `motcua dev`.
 * The tests never write into the database DATABASE_URL names: on that server they create their own
 * scratch database `motcua_test_<pid>` and drop it afterwards (or refuse to run when they cannot).
 */
export default async function setup(project: TestProject) {
  const config = loadConfig();
  const logger = createLogger('test-stack', process.env.LOG_LEVEL ?? 'warn');
  const databaseName = `motcua_test_${process.pid}`;
  const stack = await startStack({
    home: config.MOTCUA_HOME,
    logger,
    databaseUrl: config.DATABASE_URL,
    databaseName,
    persistent: false,
    searchAttributes: dossierSearchAttributes,
  });
  const cleanups: Array<() => Promise<void>> = [() => stack.stop()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => logger.error({ err }, 'test stack cleanup'));
  };
  let ownerUrl = stack.databaseUrl;
  let appUrl: string;
  try {
    if (config.DATABASE_URL) {
      const scratch = await createScratchDatabase(config.DATABASE_URL, databaseName);
      cleanups.push(() => scratch.drop());
      ownerUrl = scratch.url;
    }
    const appRole = `${databaseName}_app`;
    appUrl = await ensureAppRole(ownerUrl, appRole, randomBytes(18).toString('base64url'));
    cleanups.push(() => dropRole(ownerUrl, config.DATABASE_URL, appRole));
    await prepareDatabase(appUrl, logger, { ownerUrl });
    const prisma = createPrisma(appUrl);
    await seedSampleReferenceData(prisma);
    await prisma.$disconnect();
  } catch (err) {
    await cleanup();
    throw err;
  }
  // Also in the environment, so processes the tests spawn with `...process.env` read the histories.
  const payloadKeys = generatePayloadKey('test1');
  process.env.MOTCUA_PAYLOAD_KEYS = payloadKeys;
  project.provide('stack', {
    temporalAddress: stack.temporalAddress,
    temporalUiUrl: stack.temporalUiUrl,
    natsUrl: stack.natsUrl,
    databaseUrl: appUrl,
    databaseOwnerUrl: ownerUrl,
    natsStream: `DOSSIER_EVENTS_TEST_${process.pid}`,
    eventSigningKeys: `test:${randomBytes(32).toString('base64url')}`,
    payloadKeys,
  });
  return cleanup;
}

/** The per-run app role of an external server (an embedded server is removed whole). */
async function dropRole(ownerUrl: string, externalUrl: string | undefined, role: string): Promise<void> {
  if (!externalUrl) return;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query(`DROP OWNED BY ${pg.escapeIdentifier(role)}`);
  } finally {
    await client.end();
  }
  const admin = new pg.Client({ connectionString: externalUrl });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
  } finally {
    await admin.end();
  }
}
