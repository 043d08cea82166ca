/**
 * A dossier worker alone in its own process (forked by worker-memory.bench.ts), so its resident
 * memory can be measured. Config from the environment like `motcua worker`; with
 * BENCH_SDK_DEFAULT_CACHE=1 the workflow cache keeps the Temporal SDK's own default size (the
 * baseline). Answers 'rss' messages with its memory after a full GC; stops on 'stop'.
 */
import { loadConfig } from '../../services/config';
import { createPrisma } from '../../services/db';
import { createLogger } from '../../services/logger';
import { connectNats } from '../../services/nats';
import { createDossierWorker } from '../../services/worker';

const config = loadConfig();
const logger = createLogger('bench-worker', 'warn');
const prisma = createPrisma(config.DATABASE_URL!);
const nats = await connectNats(config, logger);
const sdkDefault = process.env.BENCH_SDK_DEFAULT_CACHE === '1';
const worker = await createDossierWorker({
  config,
  logger,
  prisma,
  nats,
  ...(sdkDefault ? { overrides: { maxCachedWorkflows: undefined } } : {}),
});
const running = worker.run();

process.on('message', async (m: unknown) => {
  if (m === 'rss') {
    (globalThis as { gc?: () => void }).gc?.();
    const mem = process.memoryUsage();
    process.send?.({ rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external });
  } else if (m === 'stop') {
    worker.shutdown();
    await running.catch(() => {});
    await nats.close();
    await prisma.$disconnect();
    process.exit(0);
  }
});
process.send?.({ ready: true, maxCachedWorkflows: worker.options.maxCachedWorkflows });
