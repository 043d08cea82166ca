import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServices, startServices } from '../../services/app';
import { createCalendarStore } from '../../services/calendars';
import { createPrisma, type PrismaClient } from '../../services/db';
import { revokeApiKey } from '../../services/keys';
import { agencyExists, procedureRulesAt } from '../../services/reference';
import { type ReferenceCache, startReferenceCache } from '../../services/reference-cache';
import { createTestKey } from './auth-helpers';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';

/*
 * Reference data in memory (services/reference-cache.ts): the API process keeps API keys, the
 * catalogue, agencies and calendars in memory and drops them when PostgreSQL announces a change.
 * Every change here is made through ANOTHER client (as the CLI in another process would): the
 * process under test only learns of it through the notification.
 */

const ADMIN_TOKEN = 'reference-cache-admin-token-0123456789';
const config = testConfig({ MOTCUA_ADMIN_TOKEN: ADMIN_TOKEN });
const suffix = uniqueCode('RC').replace(/[^A-Za-z0-9-]/g, '-');
const AGENCY = `A-${suffix}`;
let services: RunningServices;
/** "Another process": the CLI or an admin API elsewhere. */
let other: PrismaClient;
let cache: ReferenceCache;
const appName = `motcua-reference-cache-${suffix}`.slice(0, 63);

const poll = <T>(probe: () => Promise<T | undefined>) => eventually(probe, 10_000);

beforeAll(async () => {
  other = createPrisma(config.DATABASE_URL!);
  await other.agency.create({ data: { code: AGENCY, name: 'Xã thử bộ nhớ đệm', level: 'commune' } });
  services = await startServices(config, testLogger(), { api: true });
  cache = await startReferenceCache(config.DATABASE_URL!, testLogger(), {
    applicationName: appName,
    reconnectMs: 300,
    heartbeatMs: 200,
  });
}, 60_000);

afterAll(async () => {
  await cache?.close();
  await services?.stop();
  await other?.$disconnect();
});

describe('API keys held in memory by the API', () => {
  const get = (token: string) =>
    fetch(`${services.apiUrl}/v1/procedures`, { headers: { authorization: `Bearer ${token}` } });

  it('refuses a key revoked by another process once the revocation is committed', async () => {
    const key = await createTestKey(other, { role: 'officer', agencyCode: AGENCY });
    expect((await get(key.token)).status).toBe(200);
    expect((await get(key.token)).status).toBe(200); // now from memory
    const revokedAt = Date.now();
    await revokeApiKey(other, key.id);
    const refusedAfterMs = await poll(async () =>
      (await get(key.token)).status === 401 ? Date.now() - revokedAt : undefined,
    );
    testLogger().info({ refusedAfterMs }, 'revoked key refused');
    // Stays refused: no stale row comes back.
    for (let i = 0; i < 3; i++) expect((await get(key.token)).status).toBe(401);
  });

  it('refuses a key revoked through this API from the very next request (no wait for the notification)', async () => {
    const key = await createTestKey(other, { role: 'officer', agencyCode: AGENCY });
    expect((await get(key.token)).status).toBe(200);
    const revoked = await fetch(`${services.apiUrl}/v1/admin/keys/${key.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(revoked.status).toBe(200);
    expect((await get(key.token)).status).toBe(401);
  });

  it('refuses a key whose expiry another process moved into the past', async () => {
    const key = await createTestKey(other, { role: 'officer', agencyCode: AGENCY });
    expect((await get(key.token)).status).toBe(200);
    await other.apiKey.update({ where: { id: key.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    await poll(async () => ((await get(key.token)).status === 401 ? true : undefined));
  });

  it("still records the key's last use (at most once a minute) with the row in memory", async () => {
    const key = await createTestKey(other, { role: 'officer', agencyCode: AGENCY });
    for (let i = 0; i < 3; i++) expect((await get(key.token)).status).toBe(200);
    const row = await poll(async () => {
      const r = await other.apiKey.findUnique({ where: { id: key.id } });
      return r?.lastUsedAt ? r : undefined;
    });
    expect(row.revokedAt).toBeNull();
  });

  it('accepts a key created by another process at its first use (unknown ids are not remembered)', async () => {
    expect((await get(`mck_${'0'.repeat(16)}_${'A'.repeat(43)}`)).status).toBe(401);
    const key = await createTestKey(other, { role: 'officer', agencyCode: AGENCY });
    expect((await get(key.token)).status).toBe(200);
  });
});

describe('catalogue, agencies and calendars held in memory', () => {
  it('sees a procedure change and a new version made by another process', async () => {
    const code = `P-${suffix}`;
    await other.procedure.create({
      data: { code, name: 'Thủ tục thử', level: 'commune', deadlineWorkingDays: 5 },
    });
    await poll(async () => cache.live || undefined);
    expect((await procedureRulesAt(services.prisma, code, new Date(), cache))?.deadline).toEqual({
      amount: 5,
      unit: 'working_days',
    });
    await other.procedure.update({ where: { code }, data: { deadlineWorkingDays: 7 } });
    await poll(async () =>
      (await procedureRulesAt(services.prisma, code, new Date(), cache))?.deadline.amount === 7
        ? true
        : undefined,
    );
    await other.procedureVersion.create({
      data: {
        procedureCode: code,
        version: 1,
        effectiveFrom: new Date(Date.now() - 86_400_000),
        deadlineWorkingDays: 3,
      },
    });
    const rules = await poll(async () => {
      const r = await procedureRulesAt(services.prisma, code, new Date(), cache);
      return r?.version === 1 ? r : undefined;
    });
    expect(rules.deadline.amount).toBe(3);
  });

  it('knows an agency created by another process at once', async () => {
    const code = `N-${suffix}`;
    expect(await agencyExists(services.prisma, code, cache)).toBe(false);
    await other.agency.create({ data: { code, name: 'Xã mới', level: 'commune' } });
    expect(await agencyExists(services.prisma, code, cache)).toBe(true);
  });

  it("uses an agency's new calendar layer published by another process", async () => {
    const calendars = createCalendarStore(services.prisma, cache);
    const elsewhere = createCalendarStore(other);
    await elsewhere.setAgencyOverride(AGENCY, { source: 'lần 1' }, 'test');
    const first = await poll(async () => {
      const c = await calendars.forAgency(AGENCY);
      return c.version.endsWith(`+${AGENCY}.1`) ? c : undefined;
    });
    expect(first.version).toMatch(/\.1$/);
    await elsewhere.setAgencyOverride(AGENCY, { source: 'lần 2' }, 'test');
    await poll(async () =>
      (await calendars.forAgency(AGENCY)).version.endsWith(`+${AGENCY}.2`) ? true : undefined,
    );
  });

  it('stays live across heartbeats: its own notifications come back on the LISTEN connection', async () => {
    await poll(async () => cache.live || undefined);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 250)); // more than one beat each
      expect(cache.live).toBe(true);
    }
  });

  it('caches nothing while its LISTEN connection is down, and starts empty once back', async () => {
    const code = `Q-${suffix}`;
    await other.procedure.create({
      data: { code, name: 'Thủ tục thử 2', level: 'commune', deadlineWorkingDays: 2 },
    });
    await poll(async () => cache.live || undefined);
    expect((await procedureRulesAt(services.prisma, code, new Date(), cache))?.deadline.amount).toBe(2);
    const admin = new pg.Client({ connectionString: config.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [appName],
      );
    } finally {
      await admin.end();
    }
    await poll(async () => (!cache.live ? true : undefined));
    // Changed while nobody listens: the notification is lost, the cache must not rely on it.
    await other.procedure.update({ where: { code }, data: { deadlineWorkingDays: 9 } });
    await poll(async () => cache.live || undefined);
    expect((await procedureRulesAt(services.prisma, code, new Date(), cache))?.deadline.amount).toBe(9);
  });
});
