import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DossierListQuery, MotcuaApiError, type MotcuaClient } from '../../services/api/client';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { eventually, uniqueCode } from './helpers';

/*
 * GET /v1/dossiers on the real stack: filters, keyset pagination and the caller's scope.
 *
 *   code  received by  received at         what happened               held by
 *   d1    A            2030-03-04 08:00    —                           A
 *   d2    A            2030-03-05 08:00    handed off (khai sinh)      A
 *   e1    B            2030-03-05 09:00    —                           B
 *   d3    A            2030-03-06 08:00    result ready                A
 *   d4    A            2030-03-07 08:00    rejected                    A
 *   d5    A            2030-03-08 08:00    handed off to B (liên thông) B
 *   o1    A            2026-10-05 08:00    overdue (timer fired)       A
 */

let world: ApiWorld;
let deskA: MotcuaClient;
let officerA: MotcuaClient;
let officerB: MotcuaClient;
let province: MotcuaClient;
const c: Record<'d1' | 'd2' | 'd3' | 'd4' | 'd5' | 'e1' | 'o1', string> = {
  d1: uniqueCode('L1'),
  d2: uniqueCode('L2'),
  d3: uniqueCode('L3'),
  d4: uniqueCode('L4'),
  d5: uniqueCode('L5'),
  e1: uniqueCode('E1'),
  o1: uniqueCode('O1'),
};

beforeAll(async () => {
  world = await startApiWorld('LIST');
  deskA = await world.as('intake');
  officerA = await world.as('officer');
  officerB = await world.as('officer', world.otherAgency);
  province = await world.as('supervisor', 'T-MAU');
  const deskB = await world.as('intake', world.otherAgency);

  await deskA.receive(world.intake(c.d1, { receivedAt: '2030-03-04T08:00:00+07:00' }));
  await deskA.receive(
    world.intake(c.d2, { receivedAt: '2030-03-05T08:00:00+07:00', procedureCode: 'MAU-DANG-KY-KHAI-SINH' }),
  );
  await officerA.handOff(c.d2, { at: '2030-03-05T08:30:00+07:00' });
  await deskB.receive(
    world.intake(c.e1, { receivedAt: '2030-03-05T09:00:00+07:00', agencyCode: world.otherAgency }),
  );
  await deskA.receive(world.intake(c.d3, { receivedAt: '2030-03-06T08:00:00+07:00' }));
  await officerA.markResultReady(c.d3, { at: '2030-03-06T10:00:00+07:00', resultKind: 'electronic' });
  await deskA.receive(world.intake(c.d4, { receivedAt: '2030-03-07T08:00:00+07:00' }));
  await deskA.reject(c.d4, { at: '2030-03-07T09:00:00+07:00', reason: 'Hồ sơ không hợp lệ' });
  // Liên thông: a procedure whose first step is B's (a handoff names only the agency a step plans).
  const lienThong = `L-${world.agency}`;
  await world.services.prisma.procedure.create({
    data: {
      code: lienThong,
      name: 'Thủ tục liên thông (test)',
      level: 'commune',
      deadlineWorkingDays: 5,
      steps: [
        {
          key: 'xac-minh',
          name: 'Xác minh tại cơ quan B',
          role: 'officer',
          agencyCode: world.otherAgency,
          budgetWorkingHours: 16,
        },
      ],
    },
  });
  await deskA.receive(
    world.intake(c.d5, { receivedAt: '2030-03-08T08:00:00+07:00', procedureCode: lienThong }),
  );
  await officerA.handOff(c.d5, { at: '2030-03-08T08:30:00+07:00', toAgencyCode: world.otherAgency });
  // Received long ago: its due instant has passed, so the workflow's overdue timer fires at once.
  await deskA.receive(world.intake(c.o1, { receivedAt: '2026-10-05T08:00:00+07:00' }));

  // The read model catches up with every workflow.
  await eventually(async () => {
    const rows = await world.services.prisma.dossier.findMany({ where: { code: { in: Object.values(c) } } });
    const by = new Map(rows.map((r) => [r.code, r]));
    const ready =
      rows.length === 7 &&
      by.get(c.d2)?.status === 'processing' &&
      by.get(c.d3)?.status === 'result_ready' &&
      by.get(c.d4)?.status === 'rejected' &&
      by.get(c.d5)?.currentAgencyCode === world.otherAgency &&
      by.get(c.o1)?.overdue === true;
    return ready || undefined;
  }, 30_000);
});
afterAll(async () => {
  await world?.stop();
});

const codes = async (client: MotcuaClient, query: DossierListQuery = {}) =>
  (await client.list({ limit: 200, ...query })).items.map((d) => d.code);

describe('listing dossiers', () => {
  it('returns what the caller may see, newest receipt first', async () => {
    expect(await codes(deskA)).toEqual([c.d5, c.d4, c.d3, c.d2, c.d1, c.o1]);
    // B sees what it received and what it holds now (liên thông), nothing else of A's.
    expect(await codes(officerB)).toEqual([c.d5, c.e1]);
  });

  it('filters by agency: receiving, holding or taking part', async () => {
    expect(await codes(province, { agency: world.otherAgency })).toEqual([c.d5, c.e1]);
    expect(await codes(province, { agency: world.agency })).toEqual([c.d5, c.d4, c.d3, c.d2, c.d1, c.o1]);
    // A filter never widens the caller's scope.
    expect(await codes(officerB, { agency: world.agency })).toEqual([c.d5]);
  });

  it('filters by one status or several', async () => {
    expect(await codes(deskA, { status: 'processing' })).toEqual([c.d5, c.d2]);
    expect(await codes(deskA, { status: ['received', 'rejected'] })).toEqual([c.d4, c.d1, c.o1]);
  });

  it('filters overdue dossiers', async () => {
    expect(await codes(deskA, { overdue: true })).toEqual([c.o1]);
    expect(await codes(deskA, { overdue: false })).toEqual([c.d5, c.d4, c.d3, c.d2, c.d1]);
    const [o1] = (await deskA.list({ overdue: true })).items;
    expect(o1).toMatchObject({
      overdue: true,
      dueSoon: true,
      status: 'received',
      receivedAt: '2026-10-05T08:00:00+07:00',
    });
  });

  it('filters by procedure and by receipt period (from inclusive, to exclusive)', async () => {
    expect(await codes(deskA, { procedure: 'MAU-DANG-KY-KHAI-SINH' })).toEqual([c.d2]);
    expect(
      await codes(deskA, {
        receivedFrom: '2030-03-05T08:00:00+07:00',
        receivedTo: '2030-03-07T08:00:00+07:00',
      }),
    ).toEqual([c.d3, c.d2]);
    expect(
      await codes(province, {
        agency: world.otherAgency,
        status: 'received',
        receivedFrom: '2030-03-01T00:00:00+07:00',
      }),
    ).toEqual([c.e1]);
  });

  it('pages with a cursor until nextCursor is null, without gaps or repeats', async () => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await deskA.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((d) => d.code));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([
      [c.d5, c.d4],
      [c.d3, c.d2],
      [c.d1, c.o1],
    ]);
    const all: string[] = [];
    for await (const d of deskA.listAll({ status: ['received', 'processing'], limit: 1 })) all.push(d.code);
    expect(all).toEqual([c.d5, c.d2, c.d1, c.o1]);
  });

  it('shows list rows in Vietnam time with the current agency and step', async () => {
    const [d5] = (await deskA.list({ limit: 1 })).items;
    expect(d5).toMatchObject({
      code: c.d5,
      status: 'processing',
      agencyCode: world.agency,
      currentAgencyCode: world.otherAgency,
      currentStep: 0,
      participants: [world.agency, world.otherAgency],
      receivedAt: '2030-03-08T08:00:00+07:00',
      dueAt: '2030-03-15T08:00:00+07:00',
    });
  });

  it('refuses a page size over 200, an unknown status or a forged cursor with 400', async () => {
    const bad = async (query: Record<string, string>) => {
      const err = await deskA.request('GET', '/v1/dossiers', { query }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MotcuaApiError);
      return err as MotcuaApiError;
    };
    expect(await bad({ limit: '201' })).toMatchObject({
      status: 400,
      details: [{ field: 'querystring.limit' }],
    });
    expect(await bad({ status: 'completed' })).toMatchObject({ status: 400 });
    expect(await bad({ cursor: 'not-a-cursor' })).toMatchObject({ status: 400, code: 'invalid_request' });
  });
});
