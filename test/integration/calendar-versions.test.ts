import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommanderError } from 'commander';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDeadlineActivities } from '../../activities/deadlines';
import {
  amendCalendar,
  type CalendarAmendment,
  computeDue,
  createCalendar,
  defaultCalendar,
  listDays,
  workingMsBetween,
} from '../../domain/calendar';
import { buildDueRequest } from '../../domain/deadline';
import type { DossierEvent } from '../../domain/events';
import { applyEvent, type DossierState } from '../../domain/lifecycle';
import { ruleSetInForce } from '../../domain/rulesets';
import { type RunningServices, startServices } from '../../services/app';
import { type CalendarStore, createCalendarStore } from '../../services/calendars';
import { calendarCommand } from '../../services/cli/calendar';
import { createPrisma, type PrismaClient, prepareDatabase } from '../../services/db';
import { dossierColumns } from '../../services/projector';
import { importCatalogue, procedureRulesAt, seedSampleReferenceData } from '../../services/reference';
import { testConfig, testLogger } from './helpers';

// Calendar publications change the national calendar for everything using the database: these
// tests run on a scratch database of their own, so no other test file sees their versions.
const ADMIN = 'test-admin-token-pin-0123456789';
let scratchUrl: string;
let dbName: string;
let prisma: PrismaClient;
let store: CalendarStore;

const day = (date: string, name: string) => ({
  date,
  kind: 'holiday' as const,
  name,
  source: 'Thông báo thử nghiệm (test)',
  provisional: false,
});

async function adminQuery(sql: string) {
  // The schema owner creates databases; the app's role (DATABASE_URL) may not.
  const client = new pg.Client({ connectionString: inject('stack').databaseOwnerUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  dbName = `motcua_pin_${process.pid}_${Date.now()}`;
  await adminQuery(`CREATE DATABASE "${dbName}"`);
  const url = new URL(testConfig().DATABASE_URL!);
  url.pathname = `/${dbName}`;
  scratchUrl = url.toString();
  const owner = new URL(inject('stack').databaseOwnerUrl);
  owner.pathname = `/${dbName}`;
  await prepareDatabase(scratchUrl, undefined, { ownerUrl: owner.toString() });
  prisma = createPrisma(scratchUrl);
  await seedSampleReferenceData(prisma);
  store = createCalendarStore(prisma);
});

afterAll(async () => {
  await prisma?.$disconnect();
  if (dbName) await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
});

/** A dossier of the read model as the projector would store it (procedure: 5 working days). */
async function openDossier(code: string, receivedAt: string, status?: 'returned'): Promise<DossierState> {
  const calendar = await store.forAgency('X-AN-BINH');
  const deadline = { amount: 5, unit: 'working_days' as const };
  const due = computeDue(calendar, buildDueRequest(deadline, new Date(receivedAt)));
  const received: DossierEvent = {
    id: `${code}:1`,
    dossierCode: code,
    workflowId: `dossier-${code}`,
    seq: 1,
    type: 'dossier.received',
    version: 1,
    occurredAt: receivedAt,
    payload: {
      procedureCode: 'MAU-DANG-KY-KET-HON',
      agencyCode: 'X-AN-BINH',
      channel: 'direct',
      applicantName: 'Nguyễn Văn Thử',
      receivedAt,
      dueAt: due.due.toISOString(),
      warningAt: due.warning.toISOString(),
      calendarVersion: due.calendarVersion,
      steps: [],
      rules: { deadline, procedureVersion: 1, ruleSet: ruleSetInForce(new Date(receivedAt)) },
    },
  };
  let state = applyEvent(undefined, received);
  if (status) state = { ...state, status };
  await prisma.dossier.create({
    data: { code, workflowId: `dossier-${code}`, ...dossierColumns(state), lastSeq: 1, lastHash: 'x' },
  });
  return state;
}

describe('a newer bundled calendar and the amendments admins published', () => {
  it('keeps the days an admin added when a newer bundled calendar ships', async () => {
    const admin: CalendarAmendment = {
      version: 'vn-test-admin.1',
      year: 2026,
      add: [day('2026-12-15', 'Ngày nghỉ bổ sung (thử nghiệm)')],
      sources: ['Thông báo thử nghiệm (test)'],
    };
    await store.publish(admin, 'admin-test');
    expect((await store.national()).version).toBe('vn-test-admin.1');

    // The next release ships newer official data (here: a day off in 2030 it did not have).
    const shipped = defaultCalendar();
    const newer = createCalendar({
      version: 'vn-2099.1',
      years: {
        ...structuredClone(shipped.years),
        2030: {
          year: 2030,
          provisional: false,
          sources: ['Thông báo lịch nghỉ năm 2030 (test)'],
          days: [day('2030-03-05', 'Ngày nghỉ mới của dữ liệu đi kèm (thử nghiệm)')],
        },
      },
    });
    await store.ensureBundled(newer);
    await store.ensureBundled(newer); // idempotent on every start

    const inForce = await store.national();
    expect(inForce.version).toBe('vn-2099.1+vn-test-admin.1');
    expect(listDays(inForce, 2026).map((d) => d.date)).toContain('2026-12-15');
    expect(listDays(inForce, 2030).map((d) => d.date)).toContain('2030-03-05');
    const versions = (await store.versions()).map((v) => v.version);
    expect(versions.slice(0, 3)).toEqual(['vn-2099.1+vn-test-admin.1', 'vn-2099.1', 'vn-test-admin.1']);

    // And the release after that still keeps them (the carried-over version counts as the admin's).
    await store.ensureBundled(createCalendar({ version: 'vn-2099.2', years: structuredClone(newer.years) }));
    const later = await store.national();
    expect(later.version).toBe('vn-2099.2+vn-2099.1+vn-test-admin.1');
    expect(listDays(later, 2026).map((d) => d.date)).toContain('2026-12-15');
  });
});

describe('impact of a calendar version on open dossiers', () => {
  const amendment: CalendarAmendment = {
    version: 'vn-test-admin.2',
    year: 2026,
    add: [day('2026-12-22', 'Ngày nghỉ đột xuất (thử nghiệm)')],
    sources: ['Thông báo thử nghiệm (test)'],
  };
  let moved: DossierState;

  beforeAll(async () => {
    moved = await openDossier('PIN-IMPACT-OPEN', '2026-12-17T01:00:00.000Z'); // Thu 08:00, due after 22/12
    await openDossier('PIN-IMPACT-EARLY', '2026-12-01T01:00:00.000Z'); // due before 22/12
    await openDossier('PIN-IMPACT-DONE', '2026-12-17T01:00:00.000Z', 'returned');
  });

  it('lists the open dossiers whose due instant would move, and by how much, storing nothing', async () => {
    const current = await store.national();
    const impact = await store.impact(amendment);
    const next = amendCalendar(current, amendment);
    const expected = computeDue(
      next,
      buildDueRequest({ amount: 5, unit: 'working_days' }, new Date(moved.receivedAt)),
    ).due;
    expect(impact).toMatchObject({ fromVersion: current.version, toVersion: 'vn-test-admin.2', checked: 2 });
    expect(impact.moves).toEqual([
      {
        code: 'PIN-IMPACT-OPEN',
        agencyCode: 'X-AN-BINH',
        procedureCode: 'MAU-DANG-KY-KET-HON',
        dueAt: moved.dueAt,
        newDueAt: expected.toISOString(),
        movedMinutes: (expected.getTime() - Date.parse(moved.dueAt)) / 60_000,
        movedWorkingMinutes: 480,
        originalDueAt: moved.originalDueAt,
        newOriginalDueAt: expected.toISOString(),
      },
    ]);
    expect(workingMsBetween(next, new Date(moved.dueAt), expected)).toBe(480 * 60_000);
    expect(await store.recordedImpact('vn-test-admin.2')).toBeUndefined();
  });

  it('answers the same list from motcua calendar impact --version FILE', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'motcua-impact-'));
    const file = path.join(dir, 'vn-test-admin.2.json');
    await writeFile(file, JSON.stringify(amendment));
    let stdout = '';
    const cli = calendarCommand({
      out: (s) => {
        stdout += s;
      },
      err: () => {},
      impact: (a) => store.impact(a),
    });
    await cli.parseAsync(['impact', '--version', file], { from: 'user' });
    expect(stdout).toMatch(/→ vn-test-admin\.2: 1 of 2 open dossiers move/);
    expect(stdout).toMatch(/PIN-IMPACT-OPEN .*\(\+480 working min\)/);

    await writeFile(file, JSON.stringify({ ...amendment, sources: [] }));
    const bad = await cli
      .parseAsync(['impact', '--version', file], { from: 'user' })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CommanderError);
    expect((bad as CommanderError).exitCode).toBe(2);
  });

  describe('through the admin API', () => {
    let services: RunningServices;
    const call = (method: string, p: string, body?: unknown) =>
      fetch(`${services.apiUrl}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });

    beforeAll(async () => {
      services = await startServices(
        testConfig({ DATABASE_URL: scratchUrl, MOTCUA_ADMIN_TOKEN: ADMIN }),
        testLogger(),
        { api: true },
      );
    });
    afterAll(async () => {
      await services?.stop();
    });

    it('previews the impact, then records it with the version it publishes', async () => {
      const preview = await call('POST', '/v1/admin/calendars/impact', amendment);
      expect(preview.status).toBe(200);
      const previewed = (await preview.json()) as { moves: { code: string }[] };
      expect(previewed.moves.map((m) => m.code)).toEqual(['PIN-IMPACT-OPEN']);
      expect((await call('POST', '/v1/admin/calendars/impact', { ...amendment, year: 99 })).status).toBe(400);

      const published = await call('POST', '/v1/admin/calendars', amendment);
      expect(published.status).toBe(201);
      const recorded = await call('GET', '/v1/admin/calendars/vn-test-admin.2/impact');
      expect(await recorded.json()).toEqual({ version: 'vn-test-admin.2', impact: previewed });
      expect((await call('POST', '/v1/admin/calendars/impact', amendment)).status).toBe(409);
      expect((await call('GET', '/v1/admin/calendars/khong-co/impact')).status).toBe(404);
    });

    it("computes GET /v1/calendar/due?procedure= with the procedure's cut-off, like a dossier's appointment", async () => {
      // Chứng thực: 4 working hours, received after the 15:00 cut-off → counted from the next day.
      const receivedAt = '2026-11-23T15:30:00+07:00';
      const res = await call(
        'GET',
        `/v1/calendar/due?received=${encodeURIComponent(receivedAt)}&procedure=MAU-CHUNG-THUC-BAN-SAO&agency=X-AN-BINH`,
      );
      expect(res.status).toBe(200);
      const due = (await res.json()) as { due: string; deadline: unknown };
      expect(due).toMatchObject({
        due: '2026-11-24T11:30:00+07:00',
        deadline: { amount: 4, unit: 'working_hours', sameDayCutoff: '15:00' },
      });
      const plan = await createDeadlineActivities({
        prisma,
        calendarFor: (agency) => store.forAgency(agency),
      }).planDossier({ procedureCode: 'MAU-CHUNG-THUC-BAN-SAO', agencyCode: 'X-AN-BINH', receivedAt });
      expect(Date.parse(plan.dueAt)).toBe(Date.parse(due.due));
      // Without the procedure the cut-off is given explicitly, or not at all.
      const plain = await call(
        'GET',
        `/v1/calendar/due?received=${encodeURIComponent(receivedAt)}&workingHours=4&cutoff=15:00`,
      );
      expect(((await plain.json()) as { due: string }).due).toBe('2026-11-24T11:30:00+07:00');
      const ambiguous = await call(
        'GET',
        `/v1/calendar/due?received=${encodeURIComponent(receivedAt)}&procedure=MAU-CHUNG-THUC-BAN-SAO&workingDays=1`,
      );
      expect(ambiguous.status).toBe(400);
      const unknown = await call(
        'GET',
        `/v1/calendar/due?received=${encodeURIComponent(receivedAt)}&procedure=KHONG-CO`,
      );
      expect(unknown.status).toBe(404);
    });
  });
});

describe('catalogue versions with an effective date', () => {
  it('keeps the version in force for receipts before a future effective date', async () => {
    const file = (deadlineWorkingDays: number, effectiveFrom?: string) =>
      JSON.stringify({
        ...(effectiveFrom && { effectiveFrom }),
        procedures: [
          {
            code: 'PIN-HIEU-LUC',
            name: 'Thủ tục thử nghiệm hiệu lực',
            level: 'commune',
            deadlineWorkingDays,
          },
        ],
      });
    expect((await importCatalogue(prisma, file(3), 'json')).ok).toBe(true);
    expect((await importCatalogue(prisma, file(7, '2099-01-01'), 'json')).ok).toBe(true);
    // Importing the same file again adds no version.
    expect((await importCatalogue(prisma, file(7, '2099-01-01'), 'json')).ok).toBe(true);
    expect(await prisma.procedureVersion.count({ where: { procedureCode: 'PIN-HIEU-LUC' } })).toBe(2);
    expect(await procedureRulesAt(prisma, 'PIN-HIEU-LUC', new Date())).toMatchObject({
      version: 1,
      deadline: { amount: 3, unit: 'working_days' },
    });
    expect(
      await procedureRulesAt(prisma, 'PIN-HIEU-LUC', new Date('2099-01-01T00:00:00+07:00')),
    ).toMatchObject({ version: 2, deadline: { amount: 7 } });
    expect(await procedureRulesAt(prisma, 'KHONG-CO', new Date())).toBeUndefined();
  });
});

describe('the rule-set a receipt pins', () => {
  it('pins Decree 61/2018 to a receipt before 1/7/2025, Decree 118/2025 after, with the granularity chosen', async () => {
    const activities = createDeadlineActivities({
      prisma,
      calendarFor: (agency) => store.forAgency(agency),
      classificationGranularity: 'day',
    });
    const plan = (receivedAt: string) =>
      activities.planDossier({ procedureCode: 'MAU-DANG-KY-KET-HON', agencyCode: 'X-AN-BINH', receivedAt });
    expect((await plan('2025-06-30T16:00:00+07:00')).rules.ruleSet).toMatchObject({
      id: 'nd-61-2018',
      apologyForm: { title: 'Phiếu xin lỗi và hẹn lại ngày trả kết quả' },
      classificationGranularity: 'day',
    });
    expect((await plan('2025-07-01T08:00:00+07:00')).rules).toMatchObject({
      deadline: { amount: 5, unit: 'working_days' },
      procedureVersion: 1,
      ruleSet: { id: 'nd-118-2025', classificationGranularity: 'day' },
    });
  });
});
