import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/config';
import { ensureNatsServer, ensureTemporalCli, type RunningStack, startStack } from '../../services/infra';
import { infraContext } from '../../services/infra/context';
import { startPostgres } from '../../services/infra/postgres';
import { isAlive, pickPort } from '../../services/infra/process';
import { createLogger } from '../../services/logger';

const config = loadConfig();
const logger = createLogger('test-infra', process.env.LOG_LEVEL ?? 'warn');

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function searchAttributes(address: string): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address });
  try {
    const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return { ...res.customAttributes };
  } finally {
    await connection.close();
  }
}

async function waitDead(pids: number[], ms = 10_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && pids.some(isAlive)) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(isAlive);
}

describe('startStack (fresh temporary data, free ports)', () => {
  let stack: RunningStack;

  beforeAll(async () => {
    stack = await startStack({
      home: config.MOTCUA_HOME,
      logger,
      databaseUrl: undefined, // always the embedded PostgreSQL here
      databaseName: 'motcua_infra_test',
      searchAttributes: { MotcuaInfraKeyword: 'Keyword', MotcuaInfraDatetime: 'Datetime' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('Temporal answers gRPC with the search attributes registered', async () => {
    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
    } finally {
      await connection.close();
    }
    const attrs = await searchAttributes(stack.temporalAddress);
    expect(Object.keys(attrs)).toEqual(expect.arrayContaining(['MotcuaInfraKeyword', 'MotcuaInfraDatetime']));
    const ui = await fetch(stack.temporalUiUrl);
    expect(ui.status).toBe(200);
  });

  it('NATS answers with JetStream enabled', async () => {
    const health = await fetch(`${stack.natsMonitorUrl}/healthz?js-enabled-only=true`);
    expect(health.status).toBe(200);
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const account = await jsm.getAccountInfo();
      expect(account.limits).toBeDefined();
    } finally {
      await nc.close();
    }
  });

  it('PostgreSQL has the requested database, UTF-8 with Unicode case mapping', async () => {
    const [row] = await sql<{ db: string; up: string; enc: string }>(
      stack.databaseUrl,
      "SELECT current_database() AS db, upper('đường phố') AS up, pg_encoding_to_char(encoding) AS enc " +
        'FROM pg_database WHERE datname = current_database()',
    );
    expect(row).toEqual({ db: 'motcua_infra_test', up: 'ĐƯỜNG PHỐ', enc: 'UTF8' });
  });

  it('uses an external DATABASE_URL as is, and says so when it does not answer', async () => {
    const ctx = infraContext({ logger, progress: () => {} });
    const common = {
      databaseName: 'ignored',
      port: 0,
      dataDir: '/nonexistent',
      persistent: false,
      logFile: '',
    };
    const external = await startPostgres(ctx, { ...common, databaseUrl: stack.databaseUrl });
    expect(external.url).toBe(stack.databaseUrl);
    expect(external.pid).toBeUndefined();
    await external.stop();
    const closed = await pickPort();
    await expect(
      startPostgres(ctx, { ...common, databaseUrl: `postgresql://u:p@127.0.0.1:${closed}/x` }),
    ).rejects.toThrow(/DATABASE_URL is set but the server does not answer/);
  });

  it('writes one log file per server under <home>/logs/<run>', () => {
    expect(stack.logDir.startsWith(path.join(config.MOTCUA_HOME, 'logs'))).toBe(true);
    for (const p of stack.processes) expect(existsSync(p.logFile)).toBe(true);
    expect(stack.processes.map((p) => p.name).sort()).toEqual(['nats', 'postgres', 'temporal']);
  });

  it('stop() ends every server and removes the temporary data', async () => {
    const pids = stack.processes.map((p) => p.pid);
    expect(pids.every(isAlive)).toBe(true);
    await stack.stop();
    expect(await waitDead(pids, 2000)).toEqual([]);
    expect(existsSync(stack.dataDir)).toBe(false);
  });
});

describe('startStack persistent (motcua dev): data survives a restart', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'motcua-home-'));
    await chmod(home, 0o755); // as root, PostgreSQL runs as `postgres` and must reach <home>/data
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('keeps PostgreSQL rows and registers search attributes added later', async () => {
    // Binaries from the shared cache; data, logs and locks under a throwaway home.
    const env = {
      ...process.env,
      MOTCUA_TEMPORAL_BIN: await ensureTemporalCli({ logger }),
      MOTCUA_NATS_BIN: await ensureNatsServer({ logger }),
    };
    const opts = {
      home,
      env,
      logger,
      persistent: true,
      preferredPorts: true,
      databaseUrl: undefined,
      databaseName: 'motcua_dev',
    };
    const first = await startStack({ ...opts, searchAttributes: { MotcuaFirst: 'Keyword' } });
    try {
      await sql(first.databaseUrl, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('x')");
    } finally {
      await first.stop();
    }
    const second = await startStack({
      ...opts,
      searchAttributes: { MotcuaFirst: 'Keyword', MotcuaLater: 'Int' },
    });
    try {
      expect(await sql(second.databaseUrl, 'SELECT v FROM kept')).toEqual([{ v: 'x' }]);
      expect(Object.keys(await searchAttributes(second.temporalAddress))).toEqual(
        expect.arrayContaining(['MotcuaFirst', 'MotcuaLater']),
      );
      expect(second.dataDir).toBe(path.join(home, 'data', 'dev'));
    } finally {
      await second.stop();
    }
    expect(existsSync(path.join(home, 'data', 'dev', 'postgres', 'PG_VERSION'))).toBe(true);
  });
});
