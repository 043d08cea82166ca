import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agencySubjects } from '../../domain/events';
import { createMotcuaClient } from '../../services/api/client';
import { type RunningServices, startServices } from '../../services/app';
import { auditCommand } from '../../services/cli/audit';
import { eventSigningKeys } from '../../services/config';
import { createPrisma } from '../../services/db';
import { streamMessageOf } from '../../services/event-reader';
import { processMessage } from '../../services/projector';
import { bearer, createTestKey } from './auth-helpers';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';
import {
  expectedCounts,
  expectedPending,
  expectedPeriodRow,
  expectedRates,
  generateMonth,
  type MonthDossier,
  type MonthWorld,
  vnDay,
} from './rates-month-generator';

/*
 * Issue 10's acceptance: a generated month of realistic traffic through the REAL stack. Each
 * dossier of a seeded month (October 2026, with stock carried over from September and dossiers
 * still pending at the end) is loaded with POST /v1/admin/backfill, so it goes through the API's
 * dry run, a Temporal workflow, signed events on JetStream and the projector into PostgreSQL; a
 * few dossiers are received live. Every count, rate, pending figure, report cell and Decision 766
 * count must equal what rates-month-generator.ts computes from the generated facts with its own
 * arithmetic (not domain/counters.ts or domain/rates.ts). Then the whole stream is delivered to
 * the projector again (nothing changes) and the buckets are rebuilt from the event log (no
 * difference).
 */

const DOSSIERS = 80;
const SEED = 20261001;
const FROM = '2026-10-01';
const TO = '2026-10-31';

let services: RunningServices;
let world: MonthWorld & { all: string[] };
let data: MonthDossier[];
let live: { code: string; channel: 'online' | 'direct'; day: string }[];
let admin: string;
let auditor: string;

async function backfillAll(items: MonthDossier[], concurrency: number) {
  const queue = [...items];
  const worker = async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      const res = await fetch(`${services.apiUrl}/v1/admin/backfill`, {
        method: 'POST',
        headers: bearer(admin),
        body: JSON.stringify(g.request),
      });
      const body = (await res.json()) as { dueAt?: string; originalDueAt?: string };
      if (res.status !== 201) throw new Error(`${g.code}: ${res.status} ${JSON.stringify(body)}`);
      // The engine's due instants agree with the generator's working-day arithmetic.
      expect(Date.parse(body.originalDueAt!), g.code).toBe(g.dueAt);
      expect(Date.parse(body.dueAt!), g.code).toBe(g.currentDueAt);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const finalStatus = (g: MonthDossier) =>
  !g.closure
    ? undefined
    : g.closure.kind === 'resolved'
      ? g.returnedAt
        ? 'returned'
        : 'result_ready'
      : g.closure.kind;

beforeAll(async () => {
  const t0 = Date.now();
  services = await startServices(testConfig(), testLogger(), { worker: true, projector: true, api: true });
  const prefix = uniqueCode('RM').replace(/[^A-Za-z0-9-]/g, '-');
  world = {
    province: `T-${prefix}`,
    communes: [`XA-${prefix}`, `XB-${prefix}`],
    department: `S-${prefix}`,
    procedures: { paper: `GIAY-${prefix}`, online: `TT-${prefix}`, lienThong: `LT-${prefix}` },
    all: [],
  };
  world.all = [world.province, ...world.communes, world.department];
  await services.prisma.agency.create({
    data: { code: world.province, name: 'Ủy ban nhân dân tỉnh Thử (test)', level: 'province' },
  });
  await services.prisma.agency.createMany({
    data: [
      {
        code: world.communes[0]!,
        name: 'Ủy ban nhân dân xã Đông Hòa (test)',
        level: 'commune',
        parentCode: world.province,
      },
      {
        code: world.communes[1]!,
        name: 'Ủy ban nhân dân xã Tây Sơn (test)',
        level: 'commune',
        parentCode: world.province,
      },
      {
        code: world.department,
        name: 'Sở Tư pháp tỉnh Thử (test)',
        level: 'province',
        parentCode: world.province,
      },
    ],
  });
  const step = (
    key: string,
    name: string,
    role: string,
    hours: number,
    agencyCode: string | null = null,
  ) => ({
    key,
    name,
    role,
    agencyCode,
    budgetWorkingHours: hours,
  });
  await services.prisma.procedure.createMany({
    data: [
      {
        code: world.procedures.paper,
        name: 'Cấp giấy phép (test)',
        level: 'commune',
        deadlineWorkingDays: 5,
        steps: [
          step('tham-dinh', 'Thẩm định hồ sơ', 'officer', 24),
          step('phe-duyet', 'Lãnh đạo ký', 'supervisor', 8),
        ],
      },
      {
        code: world.procedures.online,
        name: 'Xác nhận trực tuyến toàn trình (test)',
        level: 'commune',
        deadlineWorkingDays: 3,
        fullyOnline: true,
        onlinePayment: true,
        steps: [
          step('xu-ly', 'Xử lý hồ sơ', 'officer', 16),
          step('phe-duyet', 'Lãnh đạo ký', 'supervisor', 4),
        ],
      },
      {
        code: world.procedures.lienThong,
        name: 'Liên thông xã – Sở Tư pháp (test)',
        level: 'commune',
        deadlineWorkingDays: 5,
        fullyOnline: true,
        steps: [
          step('tiep-nhan', 'Tiếp nhận, kiểm tra tại xã', 'officer', 8),
          step('so-tu-phap', 'Sở Tư pháp giải quyết', 'officer', 4, world.department),
          step('tra-ket-qua', 'Trả kết quả tại xã', 'intake', 4),
        ],
      },
    ],
  });
  admin = (await createTestKey(services.prisma, { role: 'admin', agencyCode: '*' })).token;
  auditor = (await createTestKey(services.prisma, { role: 'auditor', agencyCode: '*' })).token;

  data = generateMonth(world, DOSSIERS, SEED, prefix);
  const t1 = Date.now();
  await backfillAll(data, 8);
  const t2 = Date.now();
  // A few dossiers received live (today), so the backfilled flag has something to tell apart.
  const desk = createMotcuaClient({
    baseUrl: services.apiUrl!,
    token: (await createTestKey(services.prisma, { role: 'intake', agencyCode: world.communes[0]! })).token,
  });
  live = [];
  for (const channel of ['online', 'direct', 'online'] as const) {
    const code = `${prefix}-LIVE-${live.length}`;
    const receivedAt = new Date().toISOString();
    await desk.receive({
      code,
      procedureCode: world.procedures.paper,
      agencyCode: world.communes[0]!,
      channel,
      applicant: { name: 'Võ Thị Én' },
      receivedAt,
    });
    live.push({ code, channel, day: vnDay(Date.parse(receivedAt)) });
  }
  // Projected: every dossier in its final state (the ones left open overdue, live after the
  // backfill), and nothing left on the projector's consumer.
  const codes = [...data.map((g) => g.code), ...live.map((l) => l.code)];
  await eventually(async () => {
    const rows = await services.prisma.dossier.findMany({
      where: { code: { in: codes } },
      select: { code: true, status: true, overdue: true },
    });
    if (rows.length !== codes.length) return undefined;
    const byCode = new Map(rows.map((r) => [r.code, r]));
    const done = data.every((g) => {
      const row = byCode.get(g.code)!;
      const status = finalStatus(g);
      return status ? row.status === status : row.overdue;
    });
    return done || undefined;
  }, 180_000);
  await eventually(async () => {
    // One durable consumer per partition (projector-p<i>) and the legacy-subject ones.
    const infos = await services.nats.jsm.consumers.list(testConfig().NATS_STREAM).next();
    const projector = infos.filter((i) => i.name.startsWith('projector'));
    if (projector.length === 0) return undefined;
    return projector.every((i) => i.num_pending === 0 && i.num_ack_pending === 0) ? true : undefined;
  }, 60_000);
  console.info(
    `rates-month: stack ${t1 - t0} ms, ${DOSSIERS} backfills ${t2 - t1} ms, projected ${Date.now() - t2} ms`,
  );
}, 300_000);

afterAll(async () => {
  await services?.stop();
});

const get = async (path: string) => {
  const res = await fetch(`${services.apiUrl}${path}`, { headers: bearer(auditor) });
  return res;
};
const rates = async (query: string) => {
  const res = await get(`/v1/rates?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    agencies: string[];
    counts: Record<string, number>;
    backfilledCounts: Record<string, number>;
    rates: Record<string, unknown>;
    pending: unknown;
  };
};
const subtreeOf = (code: string) => new Set(code === world.province ? world.all : [code]);

async function cli(...args: string[]) {
  const out: string[] = [];
  let exitCode = 0;
  await auditCommand({
    prisma: () => createPrisma(testConfig().DATABASE_URL!),
    out: (s) => out.push(s),
    err: () => {},
    setExitCode: (c) => {
      exitCode = c;
    },
  }).parseAsync(args, { from: 'user' });
  return { out: out.join(''), exitCode };
}

async function bucketSnapshot() {
  return services.prisma.counterBucket.findMany({
    where: { agencyCode: { in: world.all } },
    orderBy: [{ agencyCode: 'asc' }, { procedureCode: 'asc' }, { day: 'asc' }, { backfilled: 'asc' }],
  });
}

describe('a generated month of traffic through POST /v1/admin/backfill and the real stack', () => {
  it('the month has every kind of traffic the counters and reports distinguish', () => {
    const c = expectedCounts(data, new Set(world.all), FROM, TO);
    for (const [name, value] of Object.entries(c)) expect(value, name).toBeGreaterThan(0);
    // Both verdicts differ somewhere (a result on the due day after the due instant).
    expect(c.resolvedOnTime).not.toBe(c.resolvedByDayOnTime);
    const carried = expectedPending(data, new Set(world.all), '2026-09-30');
    const atEnd = expectedPending(data, new Set(world.all), TO);
    expect(carried.pending).toBeGreaterThan(0);
    expect(atEnd.inTime).toBeGreaterThan(0);
    expect(atEnd.overdue).toBeGreaterThan(0);
    // Liên thông: the department processes dossiers it never received.
    expect(c.handoffsIn).toBeGreaterThan(0);
    const department = expectedCounts(data, new Set([world.department]), FROM, TO);
    expect(department).toMatchObject({ receivedDirect: 0, receivedOnline: 0, receivedPostal: 0 });
    expect(department.handoffsIn).toBeGreaterThan(0);
    expect(department.stepsOverBudget).toBeGreaterThan(0);
    expect(department.stepsCompleted).toBeGreaterThan(department.stepsOverBudget);
  });

  it('GET /v1/rates for the province and each agency below it equals the counts, rates and pending stock of the data', async () => {
    for (const agency of world.all) {
      const agencies = subtreeOf(agency);
      const body = await rates(`agency=${agency}&from=${FROM}&to=${TO}`);
      const c = expectedCounts(data, agencies, FROM, TO);
      expect(body.agencies.sort(), agency).toEqual([...agencies].sort());
      expect(body.counts, agency).toEqual({
        ...c,
        received: c.receivedDirect + c.receivedOnline + c.receivedPostal,
        resolved: c.resolvedEarly + c.resolvedOnTime + c.resolvedLate,
        ratings: c.rating1 + c.rating2 + c.rating3 + c.rating4 + c.rating5,
      });
      // onTime (instant) and onTimeByDay among them.
      expect(body.rates, agency).toEqual(expectedRates(c));
      expect(body.pending, agency).toEqual({
        carriedOver: expectedPending(data, agencies, '2026-09-30'),
        atEnd: expectedPending(data, agencies, TO),
      });
    }
  });

  it('the backfilled flag: included by default and counted apart, excluded or alone on request', async () => {
    const all = new Set(world.all);
    const today = vnDay(Date.now());
    const range = `agency=${world.province}&from=2026-09-14&to=${today}`;
    const generated = expectedCounts(data, all, '2026-09-14', today);
    const included = await rates(range);
    const only = await rates(`${range}&backfilled=only`);
    const excluded = await rates(`${range}&backfilled=exclude`);
    expect(only.counts).toMatchObject(generated);
    expect(included.backfilledCounts).toEqual(generated);
    const liveOnline = live.filter((l) => l.channel === 'online').length;
    expect(excluded.counts).toMatchObject({
      received: live.length,
      receivedOnline: liveOnline,
      receivedDirect: live.length - liveOnline,
      resolved: 0,
      becameOverdue: 0,
    });
    expect(excluded.backfilledCounts.receivedDirect).toBe(0);
    expect(included.counts.received).toBe((only.counts.received ?? 0) + live.length);
    expect(included.counts.receivedOnline).toBe(generated.receivedOnline + liveOnline);
  });

  it('GET /v1/reports/period as JSON: one row for the province desk, one per agency below, the total', async () => {
    const res = await get(`/v1/reports/period?agency=${world.province}&kind=month&period=2026-10`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { from: string; to: string; convention: string; rows: unknown[] };
    expect(body).toMatchObject({ from: FROM, to: TO, convention: 'calendar' });
    const below = [...world.communes, world.department].sort();
    expect(body.rows).toEqual(
      [
        {
          agencyCode: world.province,
          scope: 'own',
          ...expectedPeriodRow(data, new Set([world.province]), FROM, TO),
        },
        ...below.map((code) => ({
          agencyCode: code,
          scope: 'subtree',
          ...expectedPeriodRow(data, new Set([code]), FROM, TO),
        })),
        {
          agencyCode: world.province,
          scope: 'total',
          ...expectedPeriodRow(data, new Set(world.all), FROM, TO),
        },
      ].map((r) => expect.objectContaining(r)),
    );
  });

  it('the CSV and the XLSX (read back with exceljs) carry the Vietnamese headers and the same numbers', async () => {
    const below = [...world.communes, world.department].sort();
    const expectedRows = [
      [world.province, expectedPeriodRow(data, new Set([world.province]), FROM, TO)],
      ...below.map((code) => [code, expectedPeriodRow(data, new Set([code]), FROM, TO)] as const),
      ['', expectedPeriodRow(data, new Set(world.all), FROM, TO)],
    ] as const;
    const csv = await get(`/v1/reports/period?agency=${world.province}&kind=month&period=2026-10&format=csv`);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename=".*\.csv"$/);
    const lines = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(1 + expectedRows.length);
    expect(lines[0]).toContain('Số hồ sơ kỳ trước chuyển qua');
    expect(lines[0]).toContain('Đang giải quyết quá hạn');
    expectedRows.forEach(([code, row], i) => {
      const cells = lines[i + 1]!.split(',');
      expect(cells[0]).toBe(code);
      expect(cells.slice(2).map(Number)).toEqual(Object.values(row));
    });

    const xlsx = await get(
      `/v1/reports/period?agency=${world.province}&kind=month&period=2026-10&format=xlsx`,
    );
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-disposition')).toMatch(/^attachment; filename=".*\.xlsx"$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
    const sheet = workbook.worksheets[0]!;
    expect(String(sheet.getCell('A1').value)).toContain('Tháng 10/2026');
    const headers = (sheet.getRow(3).values as unknown[]).slice(1);
    expect(headers).toEqual(
      expect.arrayContaining([
        'Cơ quan',
        'Số hồ sơ kỳ trước chuyển qua',
        'Mới tiếp nhận trực tuyến',
        'Mới tiếp nhận trực tiếp',
        'Mới tiếp nhận qua dịch vụ bưu chính',
        'Đã giải quyết trước hạn',
        'Đã giải quyết đúng hạn',
        'Đã giải quyết quá hạn',
        'Đang giải quyết trong hạn',
        'Đang giải quyết quá hạn',
        'Số hồ sơ rút',
        'Số hồ sơ từ chối',
        'Số phiếu xin lỗi đã ban hành',
      ]),
    );
    expectedRows.forEach(([code, row], i) => {
      const values = (sheet.getRow(4 + i).values as unknown[]).slice(1);
      expect(values[0] ?? '').toBe(code);
      const numbers = values.slice(2);
      expect(numbers.every((v) => typeof v === 'number')).toBe(true);
      expect(numbers).toEqual(Object.values(row));
    });
    expect(sheet.getRow(3 + expectedRows.length).getCell(2).value).toBe('Tổng cộng');
  });

  it('GET /v1/scores/766 shows, for every criterion, the counts of the data it came from', async () => {
    const res = await get(`/v1/scores/766?agency=${world.province}&period=2026-10`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      groups: {
        key: string;
        criteria: { key: string; rate?: { numerator: number; denominator: number } }[];
      }[];
    };
    const expected = expectedRates(expectedCounts(data, new Set(world.all), FROM, TO)) as Record<
      string,
      { numerator: number; denominator: number }
    >;
    const rated = body.groups.flatMap((g) => g.criteria).filter((c) => c.rate);
    expect(rated.map((c) => c.key).sort()).toEqual(
      [
        'digitizedDossiers',
        'digitizedResults',
        'electronicResults',
        'online',
        'onlinePayment',
        'onTime',
        'satisfaction',
      ].sort(),
    );
    for (const c of rated) {
      expect(c.rate, c.key).toMatchObject({
        numerator: expected[c.key]!.numerator,
        denominator: expected[c.key]!.denominator,
      });
    }
  });

  it('delivering the whole stream to the projector again changes no counter', async () => {
    const before = await bucketSnapshot();
    const config = testConfig();
    const keys = eventSigningKeys(config);
    const receiving = [world.province, ...world.communes];
    let delivered = 0;
    for (const agency of receiving) {
      // A fresh consumer from the start of the stream, filtered to this world's subjects.
      const info = await services.nats.jsm.consumers.add(config.NATS_STREAM, {
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: agencySubjects(agency),
        inactive_threshold: nanos(60_000),
      });
      const consumer = await services.nats.js.consumers.get(config.NATS_STREAM, info.name);
      let left = info.num_pending;
      while (left > 0) {
        // Collect a batch first, then project it: a slow batch must not starve the pull's heartbeats.
        const batch = [];
        for await (const m of await consumer.fetch({ max_messages: Math.min(left, 100), expires: 5_000 })) {
          batch.push(m);
        }
        for (const m of batch) {
          const outcome = await processMessage({ prisma: services.prisma, keys }, streamMessageOf(m));
          expect(outcome).toMatchObject({ action: 'ack', result: 'duplicate' });
          m.ack();
        }
        left -= batch.length;
        delivered += batch.length;
      }
      await services.nats.jsm.consumers.delete(config.NATS_STREAM, info.name);
    }
    const codes = [...data.map((g) => g.code), ...live.map((l) => l.code)];
    expect(delivered).toBe(
      await services.prisma.dossierEvent.count({ where: { dossierCode: { in: codes } } }),
    );
    expect(await bucketSnapshot()).toEqual(before);
  });

  it('motcua audit rebuild-counters folds the event log again with zero difference', async () => {
    const res = await cli(
      'rebuild-counters',
      '--from',
      '2026-09-01',
      '--to',
      vnDay(Date.now() + 24 * 3_600_000),
      '--agency',
      world.province,
    );
    expect(res.out).toContain('ok:');
    expect(res.exitCode).toBe(0);
  });
});

describe('the audit trail: auditor calls are themselves logged (who, what, when)', () => {
  it('stores history reads, auditor rate/report/score reads and motcua audit runs; auditors read it, others may not', async () => {
    const since = new Date().toISOString();
    const auditorKey = await createTestKey(services.prisma, { role: 'auditor', agencyCode: '*' });
    const as = (token: string, path: string) =>
      fetch(`${services.apiUrl}${path}`, { headers: bearer(token) });
    const dossier = data[0]!.code;
    expect((await as(auditorKey.token, `/v1/dossiers/${dossier}/history`)).status).toBe(200);
    expect(
      (await as(auditorKey.token, `/v1/rates?agency=${world.province}&from=${FROM}&to=${TO}`)).status,
    ).toBe(200);
    expect(
      (await as(auditorKey.token, `/v1/reports/period?agency=${world.province}&kind=month&period=2026-10`))
        .status,
    ).toBe(200);
    expect(
      (await as(auditorKey.token, `/v1/scores/766?agency=${world.communes[0]}&period=2026-10`)).status,
    ).toBe(200);
    expect((await cli('verify', '--dossier', dossier)).exitCode).toBe(0);

    const res = await as(auditorKey.token, `/v1/audit/log?since=${encodeURIComponent(since)}&limit=50`);
    expect(res.status).toBe(200);
    const log = (await res.json()) as {
      entries: {
        who: string;
        role: string | null;
        via: string;
        action: string;
        at: string;
        agencyCode: string | null;
        dossierCode: string | null;
      }[];
    };
    const mine = log.entries.filter((e) => e.who === auditorKey.id);
    // Newest first: the read of the log itself, then the score, report, rates and history reads.
    expect(mine.map((e) => e.action)).toEqual([
      'audit_log',
      'scores_766',
      'period_report',
      'rates',
      'dossier_history',
    ]);
    expect(mine.find((e) => e.action === 'dossier_history')).toMatchObject({
      role: 'auditor',
      via: 'api',
      dossierCode: dossier,
      agencyCode: data[0]!.agency,
    });
    expect(mine.find((e) => e.action === 'scores_766')?.agencyCode).toBe(world.communes[0]);
    for (const e of mine) expect(Date.parse(e.at)).toBeGreaterThanOrEqual(Date.parse(since) - 1000);
    expect(log.entries).toContainEqual(
      expect.objectContaining({
        via: 'cli',
        action: 'cli:verify',
        dossierCode: dossier,
        who: expect.stringMatching(/^cli:/),
      }),
    );

    // motcua audit log prints the same trail.
    const printed = await cli('log', '--since', since, '--action', 'dossier_history', '--json');
    expect(printed.exitCode).toBe(0);
    expect(JSON.parse(printed.out).entries).toContainEqual(
      expect.objectContaining({ who: auditorKey.id, dossierCode: dossier }),
    );

    // A supervisor reading a history is logged too; a supervisor cannot read the trail.
    const supervisor = await createTestKey(services.prisma, {
      role: 'supervisor',
      agencyCode: world.province,
    });
    expect((await as(supervisor.token, `/v1/dossiers/${dossier}/history`)).status).toBe(200);
    expect((await as(supervisor.token, '/v1/audit/log')).status).toBe(403);
    const bySupervisor = (await (
      await as(auditorKey.token, `/v1/audit/log?who=${supervisor.id}`)
    ).json()) as { entries: { action: string }[] };
    expect(bySupervisor.entries.map((e) => e.action)).toEqual(['dossier_history']);
    // An auditor of one commune sees the entries about its own agencies only.
    const communeAuditor = await createTestKey(services.prisma, {
      role: 'auditor',
      agencyCode: world.communes[1]!,
    });
    const scoped = (await (await as(communeAuditor.token, '/v1/audit/log?limit=500')).json()) as {
      entries: { agencyCode: string | null }[];
    };
    expect(scoped.entries.every((e) => e.agencyCode === world.communes[1])).toBe(true);
  });

  it('is append-only: the app role can neither change nor delete an entry', async () => {
    const [entry] = await services.prisma.auditLog.findMany({ take: 1, orderBy: { id: 'asc' } });
    expect(entry).toBeDefined();
    await expect(
      services.prisma.auditLog.update({ where: { id: entry!.id }, data: { who: 'someone-else' } }),
    ).rejects.toThrow();
    await expect(services.prisma.auditLog.delete({ where: { id: entry!.id } })).rejects.toThrow();
    await expect(services.prisma.$executeRawUnsafe('TRUNCATE audit_log')).rejects.toThrow();
    expect((await services.prisma.auditLog.findUnique({ where: { id: entry!.id } }))?.who).toBe(entry!.who);
  });
});
