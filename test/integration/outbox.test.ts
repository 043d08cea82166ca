import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type PrismaClient } from '../../services/db';
import { DELIVERY_BACKOFF_MS, startOutboxDispatcher } from '../../services/outbox';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';

/*
 * The one outbox dispatcher on the real PostgreSQL (alert deliveries and applicant notices share
 * it): a failing provider is retried later and later, then the row is dead; several dispatchers
 * never send the same row twice.
 */

let prisma: PrismaClient;
const logger = testLogger();
beforeAll(() => {
  prisma = createPrisma(testConfig().DATABASE_URL!);
});
afterAll(async () => {
  await prisma?.$disconnect();
});

async function notice(dossierCode: string) {
  const id = randomUUID();
  await prisma.applicantNotice.create({
    data: {
      id,
      dossierCode,
      eventId: randomUUID(),
      kind: 'received',
      channel: 'email',
      target: 'nguoidan@example.vn',
      subject: 'Hồ sơ đã được tiếp nhận',
      text: 'Kính gửi Ông/Bà',
    },
  });
  return id;
}

function dispatcher(dossierCode: string, send: (id: string) => Promise<void>) {
  return startOutboxDispatcher({
    prisma,
    logger,
    table: 'applicant_notice',
    what: 'applicant notice',
    intervalMs: 50,
    // Only this test's rows: other files share the database.
    async load(id) {
      const n = await prisma.applicantNotice.findUnique({ where: { id } });
      return n?.status === 'pending' && n.dossierCode === dossierCode ? n : null;
    },
    send: (n) => send(n.id),
    context: (n) => ({ noticeId: n.id }),
  });
}

describe('outbox dispatcher', () => {
  it('retries a failing send later each time, then moves it to the dead letters', async () => {
    const code = uniqueCode('OUTBOX');
    const id = await notice(code);
    let calls = 0;
    const d = dispatcher(code, async () => {
      calls++;
      throw new Error('smtp: 421 service not available');
    });
    try {
      const first = await eventually(async () => {
        const n = await prisma.applicantNotice.findUniqueOrThrow({ where: { id } });
        return n.attempts === 1 ? n : undefined;
      });
      expect(first.status).toBe('pending');
      expect(first.lastError).toContain('421');
      const wait = first.nextAttemptAt.getTime() - Date.now();
      expect(wait).toBeGreaterThan(DELIVERY_BACKOFF_MS[0]! - 2_000);
      expect(wait).toBeLessThanOrEqual(DELIVERY_BACKOFF_MS[0]!);
      expect(calls).toBe(1);

      // The last allowed attempt: due now, and it fails again.
      await prisma.applicantNotice.update({
        where: { id },
        data: { attempts: DELIVERY_BACKOFF_MS.length, nextAttemptAt: new Date() },
      });
      d.poke();
      const dead = await eventually(async () => {
        const n = await prisma.applicantNotice.findUniqueOrThrow({ where: { id } });
        return n.status === 'dead' ? n : undefined;
      });
      expect(dead.attempts).toBe(DELIVERY_BACKOFF_MS.length + 1);
      expect(dead.sentAt).toBeNull();
    } finally {
      await d.stop();
    }
    const before = calls;
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toBe(before);
  });

  it('sends each row once when several dispatchers share the outbox', async () => {
    const code = uniqueCode('OUTBOX');
    const ids = await Promise.all(Array.from({ length: 60 }, () => notice(code)));
    const sent: string[] = [];
    const send = async (id: string) => {
      await new Promise((r) => setTimeout(r, 5));
      sent.push(id);
    };
    const ds = [dispatcher(code, send), dispatcher(code, send), dispatcher(code, send)];
    try {
      await eventually(async () => {
        const n = await prisma.applicantNotice.count({ where: { dossierCode: code, status: 'sent' } });
        return n === ids.length || undefined;
      });
    } finally {
      await Promise.all(ds.map((d) => d.stop()));
    }
    expect(sent.sort()).toEqual([...ids].sort());
    const rows = await prisma.applicantNotice.findMany({ where: { dossierCode: code } });
    expect(rows.every((r) => r.attempts === 1 && r.sentAt && r.lastError === null)).toBe(true);
  });
});
