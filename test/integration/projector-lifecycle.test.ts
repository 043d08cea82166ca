import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierEvent, DossierEventBody } from '../../domain/events';
import { applyEvent, type DossierState } from '../../domain/lifecycle';
import { createPrisma, type PrismaClient } from '../../services/db';
import { chainHash, GENESIS_HASH } from '../../services/eventlog';
import { foldStoredEvents, projectEvent } from '../../services/projector';
import {
  body,
  completeStep,
  desk,
  handOff,
  officer,
  received,
  resultReady,
  supplementRequested,
} from '../lifecycle/fixtures';
import { testConfig, uniqueCode } from './helpers';

/*
 * The projector on real PostgreSQL, event by event: every event type of the catalogue moves the
 * dossier row and folds into its state exactly as the workflow folds it, once, in order.
 */

let prisma: PrismaClient;
beforeAll(() => {
  prisma = createPrisma(testConfig().DATABASE_URL!);
});
afterAll(async () => {
  await prisma?.$disconnect();
});

/** The full history of one dossier touching all 17 event types, with envelopes for `code`. */
function history(code: string): DossierEvent[] {
  const bodies: DossierEventBody[] = [
    handOff('2026-11-02T02:00:00.000Z'),
    body('dossier.digitized', '2026-11-02T02:10:00.000Z', {
      components: ['Tờ khai'],
      result: false,
      actor: desk,
    }),
    body('dossier.payment_recorded', '2026-11-02T02:20:00.000Z', {
      amountVnd: 30_000,
      online: true,
      actor: desk,
    }),
    supplementRequested('2026-11-03T03:00:00.000Z'),
    body('dossier.supplement_received', '2026-11-04T03:00:00.000Z', {
      pausedFrom: '2026-11-03T03:00:00.000Z',
      dueAt: '2026-11-10T01:00:00.000Z',
      warningAt: '2026-11-09T01:00:00.000Z',
      actor: desk,
    }),
    body('dossier.step_overdue', '2026-11-05T01:00:00.000Z', {
      step: 0,
      stepKey: 'tham-dinh',
      agencyCode: 'X-AN-BINH',
      stepDueAt: '2026-11-05T01:00:00.000Z',
    }),
    completeStep('2026-11-05T02:00:00.000Z', 0, true),
    handOff('2026-11-05T03:00:00.000Z', 1, 0, 'T-MAU'),
    body('dossier.delay_reported', '2026-11-06T02:00:00.000Z', {
      reason: 'Chờ ý kiến Sở',
      proposedDueAt: '2026-11-12T01:00:00.000Z',
      faultParty: 'other_agency',
      actor: officer,
    }),
    body('dossier.apology_issued', '2026-11-06T03:00:00.000Z', {
      reason: 'Chờ ý kiến Sở',
      faultParty: 'other_agency',
      originalDueAt: '2026-11-10T01:00:00.000Z',
      dueAt: '2026-11-12T01:00:00.000Z',
      warningAt: '2026-11-11T01:00:00.000Z',
      signedBy: 'Chủ tịch UBND xã',
      actor: officer,
    }),
    body('dossier.due_soon', '2026-11-11T01:00:00.000Z', {
      dueAt: '2026-11-12T01:00:00.000Z',
      warningAt: '2026-11-11T01:00:00.000Z',
      apologyIssued: true,
    }),
    body('dossier.overdue', '2026-11-12T01:00:00.000Z', {
      dueAt: '2026-11-12T01:00:00.000Z',
      apologyIssued: true,
      agencyCode: 'T-MAU',
      step: 1,
    }),
    completeStep('2026-11-12T02:00:00.000Z', 1),
    resultReady('2026-11-12T03:00:00.000Z'),
    body('dossier.rating_recorded', '2026-11-12T04:00:00.000Z', {
      score: 4,
      comment: 'Hơi chậm',
      actor: desk,
    }),
    body('dossier.result_returned', '2026-11-12T05:00:00.000Z', {
      returnedAt: '2026-11-12T05:00:00.000Z',
      actor: desk,
    }),
  ];
  const first = received();
  const events: DossierEvent[] = [
    { ...first, id: `${code}:1`, dossierCode: code, workflowId: `dossier-${code}` },
  ];
  for (const b of bodies) {
    const seq = events.length + 1;
    events.push({
      ...b,
      id: `${code}:${seq}`,
      dossierCode: code,
      workflowId: `dossier-${code}`,
      seq,
      version: 1,
    } as DossierEvent);
  }
  return events;
}

const fold = (events: DossierEvent[]) =>
  events.reduce<DossierState | undefined>((s, e) => applyEvent(s, e), undefined)!;

describe('projecting the whole event catalogue', () => {
  it('moves the dossier row through every event type and keeps the same state the workflow folds', async () => {
    const code = uniqueCode('PJ');
    const events = history(code);
    // Every type but the two side exits, which close a dossier (next test).
    expect(new Set(events.map((e) => e.type)).size).toBe(15);
    for (const [i, e] of events.entries()) {
      expect(await projectEvent(prisma, e, 1000 + i)).toBe('applied');
      const row = await prisma.dossier.findUniqueOrThrow({ where: { code } });
      expect(row.lastSeq).toBe(e.seq);
      expect(row.state).toEqual(JSON.parse(JSON.stringify(fold(events.slice(0, i + 1)))));
      // Spot checks along the way: the columns lists filter on follow the state.
      if (e.type === 'dossier.supplement_requested') {
        expect(row).toMatchObject({
          status: 'waiting_supplement',
          pausedAt: new Date('2026-11-03T03:00:00.000Z'),
        });
      }
      if (e.type === 'dossier.supplement_received') {
        expect(row).toMatchObject({
          status: 'processing',
          pausedAt: null,
          dueAt: new Date('2026-11-10T01:00:00.000Z'),
        });
      }
      if (e.type === 'dossier.handed_off' && e.seq > 2) {
        expect(row).toMatchObject({
          currentStep: 1,
          currentAgencyCode: 'T-MAU',
          participants: ['X-AN-BINH', 'T-MAU'],
        });
      }
    }
    const row = await prisma.dossier.findUniqueOrThrow({ where: { code } });
    expect(row).toMatchObject({
      status: 'returned',
      originalDueAt: new Date('2026-11-10T01:00:00.000Z'),
      dueAt: new Date('2026-11-12T01:00:00.000Z'),
      dueSoon: true,
      overdue: true,
      apologyIssuedAt: new Date('2026-11-06T03:00:00.000Z'),
      completedAt: new Date('2026-11-12T03:00:00.000Z'),
      outcome: 'early',
      resultKind: 'electronic',
      returnedAt: new Date('2026-11-12T05:00:00.000Z'),
      componentsDigitized: true,
      resultDigitized: false,
      paidOnline: true,
      ratingScore: 4,
      participants: ['X-AN-BINH', 'T-MAU'],
      currentAgencyCode: 'X-AN-BINH',
    });
    // The stored log is hash-chained over exactly these events.
    const stored = await prisma.dossierEvent.findMany({
      where: { dossierCode: code },
      orderBy: { seq: 'asc' },
    });
    let prev = GENESIS_HASH;
    for (const [i, s] of stored.entries()) {
      expect(s.prevHash).toBe(prev);
      expect(s.hash).toBe(chainHash(prev, events[i]!));
      prev = s.hash;
    }
  });

  it('projects the side exits: rejected (Mẫu 03) and withdrawn', async () => {
    for (const [type, payload] of [
      ['dossier.rejected', { reason: 'Không đủ điều kiện', actor: officer }],
      ['dossier.withdrawn', { reason: 'Người dân rút hồ sơ', actor: desk }],
    ] as const) {
      const code = uniqueCode('PJ');
      const [r] = history(code);
      const exit = {
        ...body(type, '2026-11-03T02:00:00.000Z', payload as never),
        id: `${code}:2`,
        dossierCode: code,
        workflowId: `dossier-${code}`,
        seq: 2,
        version: 1,
      } as DossierEvent;
      expect(await projectEvent(prisma, r!, 1)).toBe('applied');
      expect(await projectEvent(prisma, exit, 2)).toBe('applied');
      const row = await prisma.dossier.findUniqueOrThrow({ where: { code } });
      expect(row.status).toBe(type === 'dossier.rejected' ? 'rejected' : 'withdrawn');
      expect(row.state).toEqual(JSON.parse(JSON.stringify(fold([r!, exit]))));
    }
  });

  it('applies each event once: redelivery is a duplicate, an event ahead of its predecessor waits', async () => {
    const code = uniqueCode('PJ');
    const [r, h, d] = history(code);
    expect(await projectEvent(prisma, r!, 1)).toBe('applied');
    expect(await projectEvent(prisma, d!, 3)).toBe('out_of_order');
    expect(await projectEvent(prisma, h!, 2)).toBe('applied');
    expect(await projectEvent(prisma, h!, 2)).toBe('duplicate');
    expect(await projectEvent(prisma, r!, 1)).toBe('duplicate');
    expect(await projectEvent(prisma, d!, 3)).toBe('applied');
    const row = await prisma.dossier.findUniqueOrThrow({ where: { code } });
    expect(row).toMatchObject({ lastSeq: 3, status: 'processing', componentsDigitized: true });
    expect((row.state as unknown as DossierState).timeline.map((t) => t.seq)).toEqual([1, 2, 3]);
  });

  it('refuses an event for a dossier that was never received, storing nothing', async () => {
    const code = uniqueCode('PJ');
    const events = history(code);
    const orphan = { ...events[1]!, seq: 1, id: `${code}:1` } as DossierEvent;
    await expect(projectEvent(prisma, orphan, 1)).rejects.toThrow(/never received/);
    expect(await prisma.dossierEvent.count({ where: { dossierCode: code } })).toBe(0);
  });

  it('re-folds a row projected before the state column existed from its stored events', async () => {
    const code = uniqueCode('PJ');
    const events = history(code).slice(0, 4);
    for (const [i, e] of events.slice(0, 3).entries()) await projectEvent(prisma, e, i + 1);
    // A row written by the first slice's projector: no state.
    await prisma.$executeRaw`UPDATE dossier SET state = NULL WHERE code = ${code}`;
    expect(await foldStoredEvents(prisma, code)).toEqual(
      JSON.parse(JSON.stringify(fold(events.slice(0, 3)))),
    );
    expect(await projectEvent(prisma, events[3]!, 4)).toBe('applied');
    const row = await prisma.dossier.findUniqueOrThrow({ where: { code } });
    expect(row.state).toEqual(JSON.parse(JSON.stringify(fold(events))));
    expect(row.paidOnline).toBe(true);
  });
});
