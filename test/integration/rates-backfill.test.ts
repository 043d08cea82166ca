import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../services/cli/audit';
import { createPrisma } from '../../services/db';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { bearer, createTestKey } from './auth-helpers';
import { eventually, testConfig, uniqueCode } from './helpers';

/*
 * Counters through the real stack: a dossier loaded with POST /v1/admin/backfill and one received
 * live go through the worker, JetStream and the projector; the backfilled one lands in the
 * backfilled buckets (included by default, excluded or alone on request).
 */

const H = 3_600_000;
const D = 24 * H;
const iso = (ms: number) => new Date(ms).toISOString();
const vnDay = (ms: number) => new Date(ms + 7 * H).toISOString().slice(0, 10);

let world: ApiWorld;
let admin: string;
let auditor: string;
beforeAll(async () => {
  world = await startApiWorld('RB');
  admin = (await createTestKey(world.services.prisma, { role: 'admin', agencyCode: '*' })).token;
  auditor = (await createTestKey(world.services.prisma, { role: 'auditor', agencyCode: '*' })).token;
}, 300_000);
afterAll(async () => {
  await world?.stop();
});

const rates = async (query: string) => {
  const res = await fetch(`${world.services.apiUrl}/v1/rates?${query}`, { headers: bearer(auditor) });
  expect(res.status).toBe(200);
  return (await res.json()) as { counts: Record<string, number> };
};

describe('counters of backfilled and live dossiers through the real stack', () => {
  it('counts a backfilled late dossier apart from a live one, and the rebuild agrees', async () => {
    // A Monday 08:00 (+07:00) about four weeks ago.
    const local = new Date(Date.now() - 28 * D + 7 * H);
    const back = (local.getUTCDay() + 6) % 7;
    const received = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - back, 1, 0);
    const old = uniqueCode('RB');
    const res = await fetch(`${world.services.apiUrl}/v1/admin/backfill`, {
      method: 'POST',
      headers: bearer(admin),
      body: JSON.stringify({
        ...world.intake(old, { receivedAt: iso(received) }),
        actions: [
          // The four steps of the sample procedure (desk, review, approval, return desk).
          ...[0, 1, 2, 3].flatMap((step) => [
            { action: 'hand-off', at: iso(received + (2 * step + 1) * H) },
            { action: 'complete-step', at: iso(received + (2 * step + 1) * H + 30 * 60_000) },
          ]),
          { action: 'result-ready', at: iso(received + 10 * D), resultKind: 'paper' },
          { action: 'return-result', at: iso(received + 10 * D + H) },
        ],
      }),
    });
    const answer = await res.json();
    expect(res.status, JSON.stringify(answer)).toBe(201);
    const live = uniqueCode('RB');
    const desk = await world.as('intake');
    await desk.receive(world.intake(live, { receivedAt: new Date().toISOString() }));
    await eventually(async () => {
      const [a, b] = await Promise.all([
        world.services.prisma.dossier.findUnique({ where: { code: old } }),
        world.services.prisma.dossier.findUnique({ where: { code: live } }),
      ]);
      return a?.status === 'returned' && b ? true : undefined;
    }, 60_000);

    const range = `agency=${world.agency}&from=${vnDay(received)}&to=${vnDay(Date.now() + D)}`;
    const only = await rates(`${range}&backfilled=only`);
    expect(only.counts).toMatchObject({
      receivedDirect: 1,
      resolvedLate: 1,
      resolved: 1,
      returned: 1,
      becameOverdue: 1,
      closedOverdue: 1,
      handoffsIn: 4,
    });
    const excluded = await rates(`${range}&backfilled=exclude`);
    expect(excluded.counts).toMatchObject({
      receivedDirect: 1,
      resolved: 0,
      becameOverdue: 0,
      handoffsIn: 0,
    });
    const included = await rates(range);
    expect(included.counts).toMatchObject({ receivedDirect: 2, resolvedLate: 1 });

    const out: string[] = [];
    let exitCode = 0;
    await auditCommand({
      prisma: () => createPrisma(testConfig().DATABASE_URL!),
      out: (s) => out.push(s),
      err: () => {},
      setExitCode: (c) => {
        exitCode = c;
      },
    }).parseAsync(
      [
        'rebuild-counters',
        '--from',
        vnDay(received - D),
        '--to',
        vnDay(Date.now() + D),
        '--agency',
        world.agency,
      ],
      { from: 'user' },
    );
    expect(out.join('')).toContain('ok:');
    expect(exitCode).toBe(0);
  });
});
