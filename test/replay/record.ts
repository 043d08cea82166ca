import { randomBytes } from 'node:crypto';
/**
 * Records the scenario histories replayed by test/replay/replay.test.ts.
 *
 *   npm run record-histories                 # every scenario without a history yet
 *   npm run record-histories -- early reject # only these
 *   npm run record-histories -- --force      # re-record (overwrites!)
 *   npm run record-histories -- --out /tmp/h # somewhere else (trying the machinery out)
 *
 * Each scenario runs on the Java time-skipping server with the real worker and activities, on a
 * throwaway NATS and PostgreSQL (the stack the tests use); each run's history is saved as
 * test/histories/<scenario>.json (<scenario>.run<N>.json after a continue-as-new) in the JSON
 * form the Temporal CLI and UI produce.
 *
 * Keep histories once committed: they are what old, still-running dossiers look like. After a
 * workflow change, replay them (the change goes behind `patched()` if they fail) and record
 * histories of new paths under new scenario names rather than overwriting old ones.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { dossierSearchAttributes } from '../../domain/search-attributes';
import { loadConfig } from '../../services/config';
import { createPrisma, prepareDatabase } from '../../services/db';
import { startStack } from '../../services/infra';
import { createLogger } from '../../services/logger';
import { connectNats } from '../../services/nats';
import { seedSampleReferenceData } from '../../services/reference';
import { installTemporalLogging } from '../../services/temporal';
import { createDossierWorker } from '../../services/worker';
import { createTimeSkippingEnvironment } from '../setup/time-skipping';
import { historiesDir, historyFiles } from './histories';
import { type Scenario, scenarioContext, scenarios } from './scenarios';

/** Every run of a workflow, following continue-as-new from the first. */
async function runHistories(client: Client, workflowId: string, firstRunId: string) {
  const histories = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.push(history);
    const last = history.events?.at(-1);
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return histories;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { force: { type: 'boolean', default: false }, out: { type: 'string' } },
  });
  const outDir = path.resolve(values.out ?? historiesDir);
  const unknown = positionals.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  const chosen: Scenario[] = scenarios.filter(
    (s) =>
      (positionals.length === 0 || positionals.includes(s.name)) &&
      (values.force || !existsSync(path.join(outDir, `${s.name}.json`))),
  );
  if (chosen.length === 0) {
    console.log(`nothing to record: every scenario has a history in ${outDir} (--force to re-record)`);
    return;
  }

  const base = loadConfig();
  const logger = createLogger('record-histories', process.env.LOG_LEVEL ?? 'warn');
  console.error('starting NATS, PostgreSQL and the time-skipping Temporal server…');
  const stack = await startStack({
    home: base.MOTCUA_HOME,
    logger,
    databaseUrl: undefined,
    persistent: false,
    searchAttributes: dossierSearchAttributes,
  });
  installTemporalLogging(logger); // before the environment creates the SDK runtime
  const env = await createTimeSkippingEnvironment({ home: base.MOTCUA_HOME, logger });
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    NATS_URL: stack.natsUrl,
    NATS_STREAM: 'DOSSIER_EVENTS_RECORDING',
    TEMPORAL_TASK_QUEUE: 'record-histories',
    MOTCUA_EVENT_SIGNING_KEYS: `recording:${randomBytes(32).toString('base64url')}`,
    // Committed histories stay plain (the scenarios read them with the time-skipping client, which
    // has no codec); the replay suite encrypts copies of them itself.
    MOTCUA_PAYLOAD_KEYS: '',
  });
  const prisma = createPrisma(stack.databaseUrl);
  const nats = await connectNats(config, logger);
  try {
    await prepareDatabase(stack.databaseUrl, logger);
    await seedSampleReferenceData(prisma);
    const worker = await createDossierWorker({
      config,
      logger,
      prisma,
      nats,
      overrides: { connection: env.nativeConnection },
    });
    await mkdir(outDir, { recursive: true });
    await worker.runUntil(async () => {
      for (const scenario of chosen) {
        const handle = await scenario.run(scenarioContext(env, config.TEMPORAL_TASK_QUEUE, scenario.name));
        const runs = await runHistories(env.client, handle.workflowId, handle.firstExecutionRunId);
        const files = historyFiles(scenario.name, runs.length);
        for (const [i, history] of runs.entries()) {
          await writeFile(path.join(outDir, files[i]!), `${historyToJSON(history)}\n`);
        }
        console.log(`${scenario.name}: ${files.join(', ')} (${scenario.description})`);
      }
    });
  } finally {
    await nats.close();
    await prisma.$disconnect();
    await env.teardown();
    await stack.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
