import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDue } from '../../domain/calendar';
import { buildDueRequest } from '../../domain/deadline';
import { importCatalogue } from '../../services/reference';
import { uniqueCode } from './helpers';
import { desk, type Harness, startHarness } from './lifecycle-harness';

// Rules pinned at receipt, on the time-skipping server with the real activities and catalogue.
let h: Harness;
const PROCEDURE = uniqueCode('TS-PIN');
const CALENDAR_DAYS = uniqueCode('TS-PIN-NGAY');

const catalogue = (deadlineWorkingDays: number, effectiveFrom?: string) =>
  JSON.stringify({
    source: `Quyết định công bố thử nghiệm (${deadlineWorkingDays} ngày làm việc)`,
    ...(effectiveFrom && { effectiveFrom }),
    procedures: [
      {
        code: PROCEDURE,
        name: 'Thủ tục thử nghiệm ghim thời hạn',
        level: 'commune',
        deadlineWorkingDays,
        steps: [{ key: 'xu-ly', name: 'Xử lý', role: 'officer', agencyCode: null, budgetWorkingHours: 8 }],
      },
      {
        code: CALENDAR_DAYS,
        name: 'Thủ tục thử nghiệm thời hạn theo ngày',
        level: 'commune',
        deadlineCalendarDays: 5,
      },
    ],
  });

beforeAll(async () => {
  h = await startHarness('timeskip-pin');
  const first = await importCatalogue(h.prisma, catalogue(5), 'json');
  expect(first.ok).toBe(true);
});

afterAll(async () => {
  await h?.stop();
});

describe('rules pinned at receipt', () => {
  it('keeps the deadline of its receipt when a later import changes the catalogue, through a supplement', async () => {
    const { code, state } = await h.start({ procedureCode: PROCEDURE });
    expect(state.rules).toMatchObject({
      deadline: { amount: 5, unit: 'working_days' },
      procedureVersion: 1,
      ruleSet: { id: 'nd-118-2025', classificationGranularity: 'instant' },
    });
    const [receivedEvent] = await h.waitForEvent(code, 'dossier.received');
    expect(receivedEvent!.payload.rules).toEqual(state.rules);

    // The province publishes a new deadline while the dossier is open.
    const second = await importCatalogue(h.prisma, catalogue(10, await h.now()), 'json');
    expect(second.ok && second.summary.procedures.updated).toContain(PROCEDURE);
    const versions = await h.prisma.procedureVersion.findMany({
      where: { procedureCode: PROCEDURE },
      orderBy: { version: 'asc' },
    });
    expect(versions.map((v) => [v.version, v.deadlineWorkingDays])).toEqual([
      [1, 5],
      [2, 10],
    ]);

    await h.act(code, 'requestSupplement', { reason: 'Thiếu giấy tờ', items: ['cccd'], actor: desk });
    await h.env.sleep('2 hours');
    const resumed = await h.act(code, 'receiveSupplement', { actor: desk });
    const pause = resumed.pauses[0]!;
    const calendar = await h.calendars.forAgency('X-AN-BINH');
    const pinned = computeDue(
      calendar,
      buildDueRequest({ amount: 5, unit: 'working_days' }, new Date(state.receivedAt), {
        pauses: [{ start: new Date(pause.start), end: new Date(pause.end) }],
      }),
    );
    expect(resumed.dueAt).toBe(pinned.due.toISOString());
    expect(resumed.rules?.procedureVersion).toBe(1);

    // A dossier received after the import takes the new version.
    const later = await h.start({ procedureCode: PROCEDURE });
    expect(later.state.rules).toMatchObject({ deadline: { amount: 10 }, procedureVersion: 2 });
    await h.act(code, 'withdraw', { actor: desk });
    await h.act(later.code, 'withdraw', { actor: desk });
  });

  it('records both verdicts and the pinned granularity with the result', async () => {
    const { code, handle } = await h.start({ procedureCode: PROCEDURE });
    await h.act(code, 'handOff', {});
    await h.act(code, 'completeStep', {});
    const ready = await h.act(code, 'markResultReady', { resultKind: 'electronic' });
    expect(ready.result).toMatchObject({
      outcome: 'early',
      outcomeByInstant: 'early',
      outcomeByDay: 'early',
    });
    const [resultEvent] = await h.waitForEvent(code, 'dossier.result_ready');
    expect(resultEvent!.payload).toMatchObject({
      outcome: 'early',
      outcomeByInstant: 'early',
      outcomeByDay: 'early',
      granularity: 'instant',
    });
    await h.act(code, 'returnResult', { actor: desk });
    await h.act(code, 'recordRating', { score: 5, actor: desk });
    await handle.result();
  });

  it('pins a calendar-day deadline and is due at a working day closing', async () => {
    const { code, state } = await h.start({ procedureCode: CALENDAR_DAYS });
    expect(state.rules?.deadline).toEqual({ amount: 5, unit: 'calendar_days' });
    const due = new Date(Date.parse(state.dueAt) + 7 * 3_600_000).toISOString();
    expect(due.slice(11, 16)).toBe('17:00');
    const calendar = await h.calendars.forAgency('X-AN-BINH');
    expect(state.dueAt).toBe(
      computeDue(calendar, { received: new Date(state.receivedAt), calendarDays: 5 }).due.toISOString(),
    );
    await h.act(code, 'withdraw', { actor: desk });
  });
});
