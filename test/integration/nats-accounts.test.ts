import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdFor } from '../../domain/dossier';
import type { DossierEvent } from '../../domain/events';
import { startAlertsConsumer } from '../../services/alerts/consumer';
import { checkpointStream, checkpointSubject } from '../../services/checkpoints';
import { type Config, eventSigningKeys, loadConfig, projectRoot } from '../../services/config';
import { createPrisma, type PrismaClient } from '../../services/db';
import { publishSignedEvent } from '../../services/event-publisher';
import { ensureNatsServer, type GuardedProcess, pickPort, spawnGuarded } from '../../services/infra';
import { connectNats, type Nats } from '../../services/nats';
import { type RunningProjector, startProjector } from '../../services/projector';
import { connectTemporalClient } from '../../services/temporal';
import { received as receivedFixture } from '../lifecycle/fixtures';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';

/*
 * The NATS accounts of docker-compose.yml, run for real: nats-server started with the very
 * `nats.conf` of the compose file. Each motcua role connects as its own user and can do its part
 * (workers publish and sign, the projector consumes and checkpoints) and nothing more.
 */

const passwords = {
  worker: 'w-secret',
  projector: 'p-secret',
  alerts: 'al-secret',
  api: 'a-secret',
  ops: 'o-secret',
};
const base = testConfig();
let server: GuardedProcess;
let dir: string;
let url: string;
let prisma: PrismaClient;
const open: Nats[] = [];
let projector: RunningProjector | undefined;

const as = (user: keyof typeof passwords): Config =>
  loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: base.DATABASE_URL,
    NATS_URL: url,
    NATS_STREAM: 'DOSSIER_EVENTS', // the name the compose permissions are written for
    NATS_USER: user,
    NATS_PASSWORD: passwords[user],
    MOTCUA_EVENT_SIGNING_KEYS: base.MOTCUA_EVENT_SIGNING_KEYS,
  });
const connect = async (user: keyof typeof passwords) => {
  const nats = await connectNats(as(user), testLogger(), `accounts-${user}`);
  open.push(nats);
  return nats;
};
const received = (code: string): DossierEvent => ({
  ...receivedFixture(),
  id: eventIdFor(code, 1),
  dossierCode: code,
  workflowId: `dossier-${code}`,
});

/** The `content: |` block of a top-level compose config (a YAML literal block, 6 spaces deep). */
function composeConfig(compose: string, name: string): string {
  const lines = compose.split('\n');
  const start = lines.indexOf(`  ${name}:`);
  if (start < 0 || lines[start + 1]?.trim() !== 'content: |') throw new Error(`no config ${name}`);
  const block: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() !== '' && !line.startsWith('      ')) break;
    block.push(line.slice(6));
  }
  return block.join('\n');
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'motcua-nats-accounts-'));
  const port = await pickPort();
  const monitor = await pickPort();
  // Compose writes `$$` for a literal `$`; the store and ports are this test's own.
  const conf = composeConfig(
    await readFile(path.join(projectRoot, 'docker-compose.yml'), 'utf8'),
    'nats.conf',
  )
    .replaceAll('$$', '$')
    .replace('port: 4222', `port: ${port}\nhost: 127.0.0.1`)
    .replace('http: 8222', `http: 127.0.0.1:${monitor}`)
    .replace('store_dir: /data', `store_dir: ${JSON.stringify(path.join(dir, 'store'))}`);
  await writeFile(path.join(dir, 'nats.conf'), conf);
  server = await spawnGuarded({
    name: 'nats-accounts',
    command: await ensureNatsServer({ home: base.MOTCUA_HOME }),
    args: ['-c', path.join(dir, 'nats.conf')],
    logFile: path.join(dir, 'nats.log'),
    env: {
      ...process.env,
      NATS_WORKER_PASSWORD: passwords.worker,
      NATS_PROJECTOR_PASSWORD: passwords.projector,
      NATS_API_PASSWORD: passwords.api,
      NATS_ALERTS_PASSWORD: passwords.alerts,
      NATS_OPS_PASSWORD: passwords.ops,
    },
  });
  url = `nats://127.0.0.1:${port}`;
  await eventually(() =>
    fetch(`http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`).then((r) => (r.ok ? true : undefined)),
  );
  prisma = createPrisma(base.DATABASE_URL!);
});

afterAll(async () => {
  await projector?.stop();
  for (const n of open) await n.close().catch(() => {});
  await prisma?.$disconnect();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the compose NATS accounts', () => {
  it('let a worker publish signed events and the projector project and checkpoint them', async () => {
    const worker = await connect('worker'); // creates the stream
    projector = await startProjector({
      config: as('projector'),
      logger: testLogger(),
      prisma,
      nats: await connect('projector'),
    });
    const code = uniqueCode('ACC');
    const keys = eventSigningKeys(as('worker'));
    expect(await publishSignedEvent(worker.js, keys, received(code), 'X-AN-BINH')).toMatchObject({
      duplicate: false,
    });
    // A retry: the duplicate check reads the stored message back, which the worker may do.
    expect(await publishSignedEvent(worker.js, keys, received(code), 'X-AN-BINH')).toMatchObject({
      duplicate: true,
    });
    await eventually(() => prisma.dossier.findUnique({ where: { code } }));
    const ops = await connect('ops');
    const head = await eventually(() =>
      ops.jsm.streams.getMessage(checkpointStream('DOSSIER_EVENTS'), {
        last_by_subj: checkpointSubject('DOSSIER_EVENTS', code),
      }),
    );
    expect(head.json()).toMatchObject({ dossierCode: code, seq: 1 });
  });

  it('let the alerts consumer read dossier events and publish alerts', async () => {
    const nats = await connect('alerts');
    const temporal = await connectTemporalClient(base);
    try {
      const consumer = await startAlertsConsumer({
        config: as('alerts'),
        logger: testLogger(),
        prisma,
        nats,
        temporal,
      });
      await consumer.stop();
      expect(await nats.jsm.consumers.info('DOSSIER_EVENTS', 'alerts-p0')).toBeTruthy();
      expect(await nats.jsm.consumers.info('DOSSIER_EVENTS', 'alerts-legacy-agency')).toBeTruthy();
      await expect(
        nats.js.publish('alerts.X-AN-BINH.overdue', '{}', { timeout: 2000 }),
      ).resolves.toBeTruthy();
    } finally {
      await temporal.connection.close();
    }
  });

  it('refuse dossier events from anyone but the workers', async () => {
    const body = JSON.stringify(received(uniqueCode('ACC')));
    for (const user of ['projector', 'alerts', 'api', 'ops'] as const) {
      const nats = await connect(user);
      await expect(nats.js.publish('dossier.X-AN-BINH.received', body, { timeout: 2000 })).rejects.toThrow(
        /permission|timeout|no responders/i,
      );
    }
  });

  it('let nobody delete or purge the event stream, nor a consumer read another durable', async () => {
    for (const user of ['worker', 'projector', 'alerts', 'api', 'ops'] as const) {
      const nats = await connect(user);
      await expect(nats.jsm.streams.purge('DOSSIER_EVENTS')).rejects.toThrow(/permissions violation/i);
      await expect(nats.jsm.streams.delete('DOSSIER_EVENTS')).rejects.toThrow(/permissions violation/i);
    }
    const worker = await connect('worker');
    await expect(worker.jsm.consumers.add('DOSSIER_EVENTS', { durable_name: 'sneaky' })).rejects.toThrow(
      /permissions violation/i,
    );
  });
});
