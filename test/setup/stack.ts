import type { TestProject } from 'vitest/node';
import { dossierSearchAttributes } from '../../domain/search-attributes';
import { loadConfig } from '../../services/config';
import { createPrisma, prepareDatabase } from '../../services/db';
import { startStack } from '../../services/infra';
import { createLogger } from '../../services/logger';
import { seedSampleReferenceData } from '../../services/reference';

export interface ProvidedStack {
  temporalAddress: string;
  temporalUiUrl: string;
  natsUrl: string;
  databaseUrl: string;
  natsStream: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: ProvidedStack;
  }
}

/** Starts the real servers once for all integration tests, through the same code as `motcua dev`. */
export default async function setup(project: TestProject) {
  const config = loadConfig();
  const logger = createLogger('test-stack', process.env.LOG_LEVEL ?? 'warn');
  const stack = await startStack({
    home: config.MOTCUA_HOME,
    logger,
    databaseUrl: config.DATABASE_URL,
    databaseName: `motcua_test_${process.pid}`,
    persistent: false,
    searchAttributes: dossierSearchAttributes,
  });
  try {
    await prepareDatabase(stack.databaseUrl, logger);
    const prisma = createPrisma(stack.databaseUrl);
    await seedSampleReferenceData(prisma);
    await prisma.$disconnect();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  project.provide('stack', {
    temporalAddress: stack.temporalAddress,
    temporalUiUrl: stack.temporalUiUrl,
    natsUrl: stack.natsUrl,
    databaseUrl: stack.databaseUrl,
    natsStream: `DOSSIER_EVENTS_TEST_${process.pid}`,
  });
  return async () => {
    await stack.stop();
  };
}
