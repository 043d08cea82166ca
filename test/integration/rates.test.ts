import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DossierEvent, DossierEventBody, PlannedStep } from '../../domain/events';
import { type RunningServices, startServices } from '../../services/app';
import { auditCommand } from '../../services/cli/audit';
import { reportCommand } from '../../services/cli/report';
import { createPrisma } from '../../services/db';
import { projectEvent } from '../../services/projector';
import { createTestKey } from './auth-helpers';
import { testConfig, testLogger, uniqueCode } from './helpers';
import { expectedCounts, expectedPending, expectedPeriodRow, expectedRates } from './rates-month-generator';

/*
 * Counters and rates on the real PostgreSQL: a generated month of traffic (several agencies on
 * three levels, all channels, early / on-time / late, pauses, apologies, digitization, payments,
 * ratings, withdrawals, rejections, backfilled dossiers) is projected event by event with the
 * projector's own `projectEvent`. Every count, rate and pending figure of GET /v1/rates must equal
 * what is computed from the generated facts themselves: this file's generator decides the facts
 * (days, verdicts, overdue instants) with its own arithmetic, and the expectations are the plain
 * counting and divisions of rates-month-generator.ts (`expectedCounts`, `expectedPending`,
 * `expectedRates`, `expectedPeriodRow`, shared with rates-month.test.ts), never domain/counters.ts or
 * domain/rates.ts.
 */

const H = 3_600_000;
const D = 24 * H;
/** Local day in Vietnam (UTC+7, no DST), computed here independently of the domain code. */
const vnDay = (ms: number) => new Date(ms + 7 * H).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString();

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Outcome = 'early' | 'on_time' | 'late';

/** What the generator decided for one dossier: the facts the expectations are computed from. */
interface Generated {
  code: string;
  agency: string;
  procedure: string;
  channel: 'direct' | 'online' | 'postal';
  fullyOnline: boolean;
  backfilled: boolean;
  receivedAt: number;
  componentsDigitized: boolean;
  handoffs: { at: number; to: string }[];
  steps: { at: number; agency: string }[];
  supplementAt?: number;
  payments: { at: number; online: boolean }[];
  apologyAt?: number;
  overdueAt?: number;
  closure?: { kind: 'resolved' | 'rejected' | 'withdrawn'; at: number };
  result?: { kind: 'electronic' | 'paper'; outcome: Outcome; byDay: Outcome; digitizedLater: boolean };
  returnedAt?: number;
  rating?: { at: number; score: number };
  events: DossierEvent[];
}

const actor = (agencyCode: string) => ({ id: 'gen', role: 'officer' as const, agencyCode });

function generate(world: World, count: number, seed: number): Generated[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const base = Date.parse('2026-09-24T00:00:00+07:00');
  const horizon = Date.parse('2026-11-25T00:00:00+07:00');
  const out: Generated[] = [];
  for (let i = 0; i < count; i++) {
    const code = `${world.prefix}-${String(i).padStart(4, '0')}`;
    const agency = pick(world.receiving);
    const fullyOnline = rnd() < 0.4;
    const procedure = fullyOnline ? world.procedureOnline : world.procedurePaper;
    const channel = pick(['direct', 'direct', 'online', 'online', 'postal'] as const);
    const backfilled = rnd() < 0.15;
    const receivedAt = base + Math.floor(rnd() * 42 * D);
    let due = receivedAt + 2 * D + Math.floor(rnd() * 8 * D);
    const other = pick(world.all.filter((a) => a !== agency));
    const steps: PlannedStep[] = [
      { key: 's1', name: 'Thẩm định', agencyCode: agency, role: 'officer', budgetWorkingHours: 8 },
      { key: 's2', name: 'Phê duyệt', agencyCode: other, role: 'officer', budgetWorkingHours: 8 },
    ];
    const g: Generated = {
      code,
      agency,
      procedure,
      channel,
      fullyOnline,
      backfilled,
      receivedAt,
      componentsDigitized: false,
      handoffs: [],
      steps: [],
      payments: [],
      events: [],
    };
    const timeline: { at: number; body: DossierEventBody }[] = [];
    const at = (ms: number, body: Omit<DossierEventBody, 'occurredAt'>) =>
      timeline.push({ at: ms, body: { ...body, occurredAt: iso(ms) } as DossierEventBody });

    let t = receivedAt + 10 * 60_000;
    at(t, {
      type: 'dossier.handed_off',
      payload: {
        fromStep: null,
        toStep: 0,
        stepKey: 's1',
        fromAgencyCode: agency,
        toAgencyCode: agency,
        stepDueAt: iso(t + D),
        actor: actor(agency),
      },
    } as never);
    g.handoffs.push({ at: t, to: agency });
    if (rnd() < 0.5) {
      const d1 = receivedAt + Math.floor(rnd() * 20 * H);
      at(d1, {
        type: 'dossier.digitized',
        payload: { components: ['Tờ khai'], result: false, actor: actor(agency) },
      } as never);
      g.componentsDigitized = true;
      if (rnd() < 0.4) {
        at(d1 + H, {
          type: 'dossier.digitized',
          payload: { components: ['CCCD'], result: false, actor: actor(agency) },
        } as never);
      }
    }
    if (rnd() < 0.25) {
      const s = t + H;
      g.supplementAt = s;
      at(s, {
        type: 'dossier.supplement_requested',
        payload: { reason: 'Thiếu giấy tờ', items: ['CCCD'], actor: actor(agency) },
      } as never);
      due += D;
      at(s + D, {
        type: 'dossier.supplement_received',
        payload: { pausedFrom: iso(s), dueAt: iso(due), warningAt: iso(due - D), actor: actor(agency) },
      } as never);
      t = s + D;
    }
    // Fate: resolved, rejected, withdrawn, or still pending at the horizon.
    const fate = rnd();
    const closeAt = t + 2 * D + Math.floor(rnd() * 12 * D);
    const kind = fate < 0.7 ? 'resolved' : fate < 0.8 ? 'rejected' : fate < 0.9 ? 'withdrawn' : undefined;
    const closure = kind && closeAt < horizon ? { kind, at: closeAt } : undefined;
    if (closure) g.closure = closure as Generated['closure'];
    const end = closure?.at ?? horizon;
    if (rnd() < 0.6) {
      const n = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < n; k++) {
        const p = receivedAt + 30 * 60_000 + Math.floor(rnd() * Math.min(3 * D, end - receivedAt - H));
        const online = rnd() < 0.5;
        g.payments.push({ at: p, online });
        at(p, {
          type: 'dossier.payment_recorded',
          payload: { amountVnd: 20_000, online, reference: `${code}-${k}`, actor: actor(agency) },
        } as never);
      }
    }
    // liên thông: the second step at another agency of the world.
    if (rnd() < 0.4 && end - t > 2 * H) {
      const c = t + H;
      at(c, {
        type: 'dossier.step_completed',
        payload: { step: 0, stepKey: 's1', agencyCode: agency, overBudget: false, actor: actor(agency) },
      } as never);
      g.steps.push({ at: c, agency });
      at(c + 5 * 60_000, {
        type: 'dossier.handed_off',
        payload: {
          fromStep: 0,
          toStep: 1,
          stepKey: 's2',
          fromAgencyCode: agency,
          toAgencyCode: other,
          stepDueAt: iso(c + D),
          actor: actor(agency),
        },
      } as never);
      g.handoffs.push({ at: c + 5 * 60_000, to: other });
    }
    if (end > due) {
      if (rnd() < 0.5) {
        g.apologyAt = Math.max(t + 30 * 60_000, due - Math.floor(rnd() * 20 * H) - H);
        at(g.apologyAt, {
          type: 'dossier.apology_issued',
          payload: {
            reason: 'Cần xác minh thêm',
            faultParty: 'processing_agency',
            originalDueAt: iso(due),
            dueAt: iso(due + 3 * D),
            warningAt: iso(due + 2 * D),
            actor: actor(agency),
          },
        } as never);
      }
      g.overdueAt = due;
      at(due, {
        type: 'dossier.overdue',
        payload: {
          dueAt: iso(due),
          apologyIssued: g.apologyAt !== undefined,
          agencyCode: agency,
          step: null,
        },
      } as never);
    }
    if (closure?.kind === 'resolved') {
      const dueDay = vnDay(due);
      const doneDay = vnDay(closure.at);
      const outcome: Outcome = doneDay < dueDay ? 'early' : closure.at <= due ? 'on_time' : 'late';
      const byDay: Outcome = doneDay < dueDay ? 'early' : doneDay === dueDay ? 'on_time' : 'late';
      const resultKind = rnd() < 0.4 ? 'electronic' : 'paper';
      const digitizedLater = resultKind === 'paper' && rnd() < 0.4;
      g.result = { kind: resultKind, outcome, byDay, digitizedLater };
      at(closure.at, {
        type: 'dossier.result_ready',
        payload: {
          resultKind,
          completedAt: iso(closure.at),
          dueAt: iso(g.apologyAt ? due + 3 * D : due),
          originalDueAt: iso(due),
          outcome,
          actor: actor(agency),
        },
      } as never);
      if (digitizedLater) {
        at(closure.at + 30 * 60_000, {
          type: 'dossier.digitized',
          payload: { components: [], result: true, actor: actor(agency) },
        } as never);
      }
      if (rnd() < 0.6) {
        g.rating = { at: closure.at + 2 * H, score: 1 + Math.floor(rnd() * 5) };
        at(g.rating.at, {
          type: 'dossier.rating_recorded',
          payload: { score: g.rating.score, actor: actor(agency) },
        } as never);
      }
      if (rnd() < 0.8) {
        g.returnedAt = closure.at + 3 * H + Math.floor(rnd() * 2 * D);
        at(g.returnedAt, {
          type: 'dossier.result_returned',
          payload: { returnedAt: iso(g.returnedAt), actor: actor(agency) },
        } as never);
      }
    } else if (closure) {
      at(closure.at, {
        type: closure.kind === 'rejected' ? 'dossier.rejected' : 'dossier.withdrawn',
        payload: { reason: 'Người dân đề nghị', actor: actor(agency) },
      } as never);
    }

    timeline.sort((a, b) => a.at - b.at);
    const envelope = (seq: number) => ({
      id: `${code}:${seq}`,
      dossierCode: code,
      workflowId: `dossier-${code}`,
      seq,
      version: 1 as const,
      ...(backfilled ? { backfilled: true } : {}),
    });
    g.events.push({
      ...envelope(1),
      type: 'dossier.received',
      occurredAt: iso(receivedAt),
      payload: {
        procedureCode: procedure,
        agencyCode: agency,
        channel,
        applicantName: 'Nguyễn Văn An',
        receivedAt: iso(receivedAt),
        dueAt: iso(due),
        warningAt: iso(due - D),
        calendarVersion: 'test',
        steps,
      },
    } as DossierEvent);
    for (const { body } of timeline)
      g.events.push({ ...body, ...envelope(g.events.length + 1) } as DossierEvent);
    out.push(g);
  }
  return out;
}

/** The counts of the agencies `agencies` over local days from..to, from the generated facts. */
interface World {
  prefix: string;
  province: string;
  communeA: string;
  communeB: string;
  hamlet: string;
  receiving: string[];
  all: string[];
  procedurePaper: string;
  procedureOnline: string;
}

let services: RunningServices;
let world: World;
let data: Generated[];
let auditorToken: string;
const FROM = '2026-10-01';
const TO = '2026-10-31';
let streamSeq = 1_000_000;

async function getRates(token: string, query: string) {
  const res = await fetch(`${services.apiUrl}/v1/rates?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { counts: Record<string, number> },
  };
}

async function cli(factory: typeof reportCommand | typeof auditCommand, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let exitCode = 0;
  const cmd = factory({
    prisma: () => createPrisma(testConfig().DATABASE_URL!),
    out: (s: string) => out.push(s),
    err: (s: string) => err.push(s),
    setExitCode: (c: number) => {
      exitCode = c;
    },
  } as never);
  try {
    await cmd.parseAsync(args, { from: 'user' });
  } catch (e) {
    exitCode = (e as { exitCode?: number }).exitCode ?? 1;
  }
  return { out: out.join(''), err: err.join(''), exitCode };
}

async function bucketSnapshot() {
  return services.prisma.counterBucket.findMany({
    where: { OR: [{ agencyCode: { in: world.all } }] },
    orderBy: [{ agencyCode: 'asc' }, { procedureCode: 'asc' }, { day: 'asc' }, { backfilled: 'asc' }],
  });
}

beforeAll(async () => {
  services = await startServices(testConfig(), testLogger(), { api: true });
  const prefix = uniqueCode('R').replace(/[^A-Za-z0-9-]/g, '-');
  world = {
    prefix,
    province: `P-${prefix}`,
    communeA: `A-${prefix}`,
    communeB: `B-${prefix}`,
    hamlet: `H-${prefix}`,
    receiving: [],
    all: [],
    procedurePaper: `PP-${prefix}`,
    procedureOnline: `PO-${prefix}`,
  };
  world.receiving = [world.province, world.communeA, world.communeB, world.hamlet];
  world.all = world.receiving;
  await services.prisma.agency.create({
    data: { code: world.province, name: 'Tỉnh (test)', level: 'province' },
  });
  await services.prisma.agency.createMany({
    data: [
      { code: world.communeA, name: 'Xã A (test)', level: 'commune', parentCode: world.province },
      { code: world.communeB, name: 'Xã B (test)', level: 'commune', parentCode: world.province },
    ],
  });
  // Any depth: a unit below a commune.
  await services.prisma.agency.create({
    data: {
      code: world.hamlet,
      name: 'Bộ phận một cửa thôn (test)',
      level: 'unit',
      parentCode: world.communeA,
    },
  });
  await services.prisma.procedure.createMany({
    data: [
      { code: world.procedurePaper, name: 'Thủ tục giấy (test)', level: 'commune', deadlineWorkingDays: 5 },
      {
        code: world.procedureOnline,
        name: 'Thủ tục toàn trình (test)',
        level: 'commune',
        deadlineWorkingDays: 5,
        fullyOnline: true,
      },
    ],
  });
  data = generate(world, 90, 20261130);
  // Interleave dossiers as a stream would: by event instant.
  const all = data
    .flatMap((g) => g.events)
    .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || a.seq - b.seq);
  for (const event of all) expect(await projectEvent(services.prisma, event, streamSeq++)).toBe('applied');
  auditorToken = (await createTestKey(services.prisma, { role: 'auditor', agencyCode: '*' })).token;
}, 600_000);

afterAll(async () => {
  await services?.stop();
});

describe('counters and rates from a generated month of traffic', () => {
  it('the generated month covers every kind of event the counters count', () => {
    const c = expectedCounts(data, new Set(world.all), FROM, TO);
    for (const [name, value] of Object.entries(c)) {
      if (['rating1', 'rating2', 'rating3', 'stepsOverBudget'].includes(name)) continue;
      expect(value, name).toBeGreaterThan(0);
    }
    expect(data.some((g) => g.backfilled)).toBe(true);
  });

  for (const level of ['province', 'communeA', 'communeB', 'hamlet'] as const) {
    it(`GET /v1/rates for the ${level} equals the counts, rates and pending stock computed from the data`, async () => {
      const agency = world[level];
      const subtree = new Set(
        level === 'province'
          ? world.all
          : level === 'communeA'
            ? [world.communeA, world.hamlet]
            : [world[level]],
      );
      const { status, body } = await getRates(auditorToken, `agency=${agency}&from=${FROM}&to=${TO}`);
      expect(status).toBe(200);
      const c = expectedCounts(data, subtree, FROM, TO);
      const received = c.receivedDirect + c.receivedOnline + c.receivedPostal;
      const resolved = c.resolvedEarly + c.resolvedOnTime + c.resolvedLate;
      const ratings = c.rating1 + c.rating2 + c.rating3 + c.rating4 + c.rating5;
      expect(body).toMatchObject({ agency, from: FROM, to: TO, backfilled: 'include' });
      expect((body.agencies as string[]).sort()).toEqual([...subtree].sort());
      expect(body.counts).toEqual({ ...c, received, resolved, ratings });
      expect(body.rates).toEqual(expectedRates(c));
      expect(body.pending).toEqual({
        carriedOver: expectedPending(data, subtree, '2026-09-30'),
        atEnd: expectedPending(data, subtree, TO),
      });
    });
  }

  it('filters by procedure and by administrative level', async () => {
    const { body } = await getRates(
      auditorToken,
      `agency=${world.province}&from=${FROM}&to=${TO}&level=commune`,
    );
    const communes = new Set([world.communeA, world.communeB]);
    expect(body.counts).toMatchObject(expectedCounts(data, communes, FROM, TO));
    const byProcedure = await getRates(
      auditorToken,
      `agency=${world.province}&from=${FROM}&to=${TO}&procedure=${world.procedureOnline}`,
    );
    const online = data.filter((g) => g.procedure === world.procedureOnline);
    const c = expectedCounts(online, new Set(world.all), FROM, TO);
    // Handoffs of the paper procedure's dossiers are not in the online procedure's buckets.
    expect(byProcedure.body.counts).toMatchObject({ ...c, handoffsIn: c.handoffsIn });
    expect(byProcedure.body.counts.receivedOnlineFull).toBe(byProcedure.body.counts.receivedOnline);
  });

  it('counts backfilled dossiers apart: included by default, excluded or alone on request', async () => {
    const agencies = new Set(world.all);
    const only = await getRates(
      auditorToken,
      `agency=${world.province}&from=${FROM}&to=${TO}&backfilled=only`,
    );
    expect(only.body.counts).toMatchObject(expectedCounts(data, agencies, FROM, TO, true));
    const excluded = await getRates(
      auditorToken,
      `agency=${world.province}&from=${FROM}&to=${TO}&backfilled=exclude`,
    );
    expect(excluded.body.counts).toMatchObject(expectedCounts(data, agencies, FROM, TO, false));
    const included = await getRates(auditorToken, `agency=${world.province}&from=${FROM}&to=${TO}`);
    expect(included.body.backfilledCounts).toEqual(expectedCounts(data, agencies, FROM, TO, true));
  });

  it('motcua report rates --json prints exactly what the API answers', async () => {
    const api = await getRates(auditorToken, `agency=${world.province}&from=${FROM}&to=${TO}`);
    const res = await cli(
      reportCommand,
      'rates',
      '--agency',
      world.province,
      '--from',
      FROM,
      '--to',
      TO,
      '--json',
    );
    expect(res.exitCode).toBe(0);
    expect(JSON.parse(res.out)).toEqual(api.body);
    const text = await cli(reportCommand, 'rates', '--agency', world.province, '--from', FROM, '--to', TO);
    expect(text.out).toContain('onTime');
  });

  it('is scoped like dossiers: a commune supervisor sees its own subtree only, nothing above', async () => {
    const supervisor = await createTestKey(services.prisma, {
      role: 'supervisor',
      agencyCode: world.communeA,
    });
    const own = await getRates(supervisor.token, `agency=${world.communeA}&from=${FROM}&to=${TO}`);
    expect(own.status).toBe(200);
    expect((own.body.agencies as string[]).sort()).toEqual([world.communeA, world.hamlet].sort());
    expect((await getRates(supervisor.token, `agency=${world.province}&from=${FROM}&to=${TO}`)).status).toBe(
      403,
    );
    const desk = await createTestKey(services.prisma, { role: 'intake', agencyCode: world.communeA });
    const deskView = await getRates(desk.token, `agency=${world.communeA}&from=${FROM}&to=${TO}`);
    expect(deskView.body.agencies).toEqual([world.communeA]);
  });

  describe('GET /v1/rates/series: a month series in one call', () => {
    const SERIES = ['2026-08', '2026-09', '2026-10', '2026-11', '2026-12'];
    const lastDay = (m: string) =>
      new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).toISOString().slice(0, 10);
    const getSeries = async (token: string, query: string) => {
      const res = await fetch(`${services.apiUrl}/v1/rates/series?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return {
        status: res.status,
        body: (await res.json()) as Record<string, unknown> & {
          agencies: string[];
          months: (Record<string, unknown> & {
            month: string;
            from: string;
            to: string;
            counts: Record<string, number>;
          })[];
        },
      };
    };

    for (const filter of ['', '&procedure=online', '&backfilled=exclude', '&level=commune'] as const) {
      it(`each month equals what GET /v1/rates answers for that month${filter ? ` (${filter.slice(1)})` : ''}`, async () => {
        const extra = filter.replace('=online', `=${world.procedureOnline}`);
        const series = await getSeries(
          auditorToken,
          `agency=${world.province}&from=${SERIES[0]}&to=${SERIES.at(-1)}${extra}`,
        );
        expect(series.status).toBe(200);
        expect(series.body.months.map((m) => m.month)).toEqual(SERIES);
        for (const m of series.body.months) {
          const single = await getRates(
            auditorToken,
            `agency=${world.province}&from=${m.month}-01&to=${lastDay(m.month)}${extra}`,
          );
          expect(single.status).toBe(200);
          const { agency: _a, procedure: _p, level: _l, backfilled: _b, agencies, ...perMonth } = single.body;
          expect(m, m.month).toEqual({ month: m.month, ...perMonth });
          expect([...series.body.agencies].sort()).toEqual([...(agencies as string[])].sort());
        }
      });
    }

    it('each month’s counts and pending stock equal what this file computes from the data', async () => {
      const { body } = await getSeries(auditorToken, `agency=${world.province}&from=2026-09&to=2026-11`);
      const all = new Set(world.all);
      for (const m of body.months) {
        const c = expectedCounts(data, all, m.from, m.to);
        expect(m.counts, m.month).toMatchObject(c);
        expect(m.rates, m.month).toEqual(expectedRates(c));
        const dayBefore = new Date(Date.parse(`${m.from}T00:00:00Z`) - D).toISOString().slice(0, 10);
        expect(m.pending, m.month).toEqual({
          carriedOver: expectedPending(data, all, dayBefore),
          atEnd: expectedPending(data, all, m.to),
        });
      }
    });

    it('is scoped like GET /v1/rates and refuses bad input with 4xx, never 500', async () => {
      const supervisor = await createTestKey(services.prisma, {
        role: 'supervisor',
        agencyCode: world.communeA,
      });
      const own = await getSeries(supervisor.token, `agency=${world.communeA}&from=2026-10&to=2026-11`);
      expect(own.status).toBe(200);
      expect([...own.body.agencies].sort()).toEqual([world.communeA, world.hamlet].sort());
      expect(
        (await getSeries(supervisor.token, `agency=${world.province}&from=2026-10&to=2026-11`)).status,
      ).toBe(403);
      expect(
        (await getSeries(auditorToken, `agency=NO-SUCH-${world.prefix}&from=2026-10&to=2026-11`)).status,
      ).toBe(404);
      for (const q of [
        `agency=${world.province}&from=2026-13&to=2026-12`,
        `agency=${world.province}&from=2026-11&to=2026-10`,
        `agency=${world.province}&from=2026-10-01&to=2026-10-31`,
        `agency=${world.province}&from=2024-01&to=2026-01`,
        `agency=${world.province}&from=2026-10`,
        `agency=${world.province}&from=2026-10&to=2026-11&backfilled=maybe`,
      ]) {
        const res = await getSeries(auditorToken, q);
        expect(res.status, q).toBe(400);
        expect(res.body).toMatchObject({ code: 'invalid_request' });
      }
      // The bound: 24 months is the longest series.
      expect((await getSeries(auditorToken, `agency=${world.province}&from=2025-01&to=2026-12`)).status).toBe(
        200,
      );
    });

    it('motcua report rates --by month --json prints exactly what the API answers', async () => {
      const api = await getSeries(auditorToken, `agency=${world.province}&from=2026-09&to=2026-11`);
      const res = await cli(
        reportCommand,
        'rates',
        '--by',
        'month',
        '--agency',
        world.province,
        '--from',
        '2026-09',
        '--to',
        '2026-11',
        '--json',
      );
      expect(res.exitCode).toBe(0);
      expect(JSON.parse(res.out)).toEqual(api.body);
      const text = await cli(
        reportCommand,
        'rates',
        '--by',
        'month',
        '--agency',
        world.province,
        '--from',
        '2026-09',
        '--to',
        '2026-11',
      );
      expect(text.out).toMatch(/^2026-10 /m);
      expect(
        (
          await cli(
            reportCommand,
            'rates',
            '--by',
            'month',
            '--agency',
            world.province,
            '--from',
            '2026-09-01',
            '--to',
            '2026-11',
          )
        ).exitCode,
      ).toBe(2);
    });
  });

  const lastAuditId = async () =>
    (await services.prisma.auditLog.aggregate({ _max: { id: true } }))._max.id ?? 0n;

  it('records every motcua report run and every periodic report download in audit_log: who, what, parameters, when', async () => {
    const since = await lastAuditId(); // earlier tests' entries are not this test's
    const rates = await cli(reportCommand, 'rates', '--agency', world.communeB, '--from', FROM, '--to', TO);
    expect(rates.exitCode).toBe(0);
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'motcua-report-')), 'bao-cao.csv');
    const period = await cli(
      reportCommand,
      'period',
      '--kind',
      'month',
      '--period',
      '2026-10',
      '--agency',
      world.communeB,
      '--format',
      'csv',
      '--out',
      file,
    );
    expect(period.exitCode).toBe(0);
    expect(
      (await cli(reportCommand, '766', '--agency', world.communeB, '--period', '2026-10')).exitCode,
    ).toBe(0);
    // A supervisor downloading the CSV is recorded; the same supervisor's JSON preview is not.
    const supervisor = await createTestKey(services.prisma, {
      role: 'supervisor',
      agencyCode: world.communeB,
    });
    const download = await fetch(
      `${services.apiUrl}/v1/reports/period?agency=${world.communeB}&kind=month&period=2026-10&format=csv`,
      { headers: { authorization: `Bearer ${supervisor.token}` } },
    );
    expect(download.status).toBe(200);
    const preview = await fetch(
      `${services.apiUrl}/v1/reports/period?agency=${world.communeB}&kind=month&period=2026-10`,
      { headers: { authorization: `Bearer ${supervisor.token}` } },
    );
    expect(preview.status).toBe(200);
    // An auditor's series read is recorded like its other rate reads.
    const series = await fetch(
      `${services.apiUrl}/v1/rates/series?agency=${world.communeB}&from=2026-09&to=2026-10`,
      {
        headers: { authorization: `Bearer ${auditorToken}` },
      },
    );
    expect(series.status).toBe(200);

    const entries = await services.prisma.auditLog.findMany({
      where: { agencyCode: world.communeB, id: { gt: since } },
      orderBy: { id: 'asc' },
    });
    expect(entries.map((e) => [e.via, e.action])).toEqual([
      ['cli', 'cli:report-rates'],
      ['cli', 'cli:report-period'],
      ['cli', 'cli:report-766'],
      ['api', 'period_report'],
      ['api', 'rates_series'],
    ]);
    const [runRates, runPeriod, , apiDownload] = entries;
    expect(runRates!.who).toMatch(/^cli:/);
    expect(runRates!.details).toMatchObject({
      agency: world.communeB,
      from: FROM,
      to: TO,
      backfilled: 'include',
    });
    expect(runPeriod!.details).toMatchObject({ kind: 'month', period: '2026-10', format: 'csv', out: file });
    expect(apiDownload).toMatchObject({ who: supervisor.id, role: 'supervisor' });
    expect(apiDownload!.details).toMatchObject({ format: 'csv', period: '2026-10' });
    // `motcua audit log` shows the report runs too.
    const printed = await cli(
      auditCommand,
      'log',
      '--agency',
      world.communeB,
      '--action',
      'cli:report-period',
      '--json',
    );
    expect(JSON.parse(printed.out).entries).toHaveLength(1);
  });

  it('with a read replica (DATABASE_READ_URL) reads there but writes the audit trail to the primary', async () => {
    // A login that may only SELECT stands in for the replica: it refuses every write, as a replica does.
    const role = `replica_${world.prefix.toLowerCase().replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
    const admin = new pg.Client({ connectionString: inject('stack').databaseOwnerUrl });
    await admin.connect();
    const schema = (await admin.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'replica'`);
    await admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
    const replicaUrl = new URL(testConfig().DATABASE_URL!);
    replicaUrl.username = role;
    replicaUrl.password = 'replica';
    const withReplica = await startServices(
      testConfig({ DATABASE_READ_URL: replicaUrl.toString() }),
      testLogger(),
      { api: true },
    );
    try {
      const since = await lastAuditId(); // earlier tests' entries are not this test's
      const supervisor = await createTestKey(services.prisma, {
        role: 'supervisor',
        agencyCode: world.communeA,
      });
      const rates = await fetch(
        `${withReplica.apiUrl}/v1/rates?agency=${world.communeA}&from=${FROM}&to=${TO}`,
        {
          headers: { authorization: `Bearer ${auditorToken}` },
        },
      );
      expect(rates.status).toBe(200);
      const csv = await fetch(
        `${withReplica.apiUrl}/v1/reports/period?agency=${world.communeA}&kind=month&period=2026-10&format=csv`,
        { headers: { authorization: `Bearer ${supervisor.token}` } },
      );
      expect(csv.status).toBe(200);
      const entries = await services.prisma.auditLog.findMany({
        where: { agencyCode: world.communeA, id: { gt: since } },
        orderBy: { id: 'asc' },
      });
      expect(entries.map((e) => e.action)).toEqual(['rates', 'period_report']);
    } finally {
      await withReplica.stop();
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
      await admin.end();
    }
  });

  it('walks the hierarchy in SQL without looping on a cycle in bad agency data', async () => {
    const [a, b] = [`CY1-${world.prefix}`, `CY2-${world.prefix}`];
    await services.prisma.agency.createMany({
      data: [
        { code: a, name: 'Vòng A (test)', level: 'commune', parentCode: null },
        { code: b, name: 'Vòng B (test)', level: 'commune', parentCode: a },
      ],
    });
    await services.prisma.agency.update({ where: { code: a }, data: { parentCode: b } });
    try {
      const res = await getRates(auditorToken, `agency=${a}&from=${FROM}&to=${TO}`);
      expect(res.status).toBe(200);
      expect((res.body.agencies as string[]).sort()).toEqual([a, b].sort());
    } finally {
      // Bad data stays in this test: other files share the database.
      await services.prisma.agency.updateMany({
        where: { code: { in: [a, b] } },
        data: { parentCode: null },
      });
      await services.prisma.agency.deleteMany({ where: { code: { in: [a, b] } } });
    }
  });

  it('documents the rate, report, score and history routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${services.apiUrl}/docs/json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const route of [
      '/v1/rates',
      '/v1/rates/series',
      '/v1/reports/period',
      '/v1/scores/766',
      '/v1/dossiers/{code}/history',
    ]) {
      expect(Object.keys(doc.paths), route).toContain(route);
    }
  });

  it('answers 400 for bad dates or ranges and 404 for an unknown agency, never 500', async () => {
    for (const q of [
      `agency=${world.province}&from=2026-13-01&to=${TO}`,
      `agency=${world.province}&from=${TO}&to=${FROM}`,
      `agency=${world.province}&from=${FROM}`,
      `agency=${world.province}&from=${FROM}&to=${TO}&backfilled=maybe`,
    ]) {
      const res = await getRates(auditorToken, q);
      expect(res.status, q).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_request' });
    }
    expect(
      (await getRates(auditorToken, `agency=NO-SUCH-${world.prefix}&from=${FROM}&to=${TO}`)).status,
    ).toBe(404);
  });

  it('redelivering every event changes no counter', async () => {
    const before = await bucketSnapshot();
    for (const event of data.flatMap((g) => g.events)) {
      expect(await projectEvent(services.prisma, event, streamSeq++)).toBe('duplicate');
    }
    expect(await bucketSnapshot()).toEqual(before);
  });

  it('audit rebuild-counters recomputes the buckets from the event log with zero difference', async () => {
    const res = await cli(
      auditCommand,
      'rebuild-counters',
      '--from',
      '2026-09-01',
      '--to',
      '2026-11-30',
      '--agency',
      world.province,
    );
    expect(res.out).toContain('ok:');
    expect(res.exitCode).toBe(0);
  });

  it('audit rebuild-counters reports a live bucket that drifted, and --repair fixes it', async () => {
    await services.prisma.$executeRawUnsafe(
      `UPDATE counter_bucket SET resolved_late = resolved_late + 1
        WHERE ctid = (SELECT ctid FROM counter_bucket WHERE agency_code = $1 ORDER BY day LIMIT 1)`,
      world.communeB,
    );
    const range = ['--from', '2026-09-01', '--to', '2026-11-30', '--agency', world.province];
    const res = await cli(auditCommand, 'rebuild-counters', ...range, '--json');
    expect(res.exitCode).toBe(1);
    const { differences } = JSON.parse(res.out);
    expect(differences).toHaveLength(1);
    expect(differences[0]).toMatchObject({ agencyCode: world.communeB, counter: 'resolvedLate' });
    expect(differences[0].live - differences[0].rebuilt).toBe(1);
    await cli(auditCommand, 'rebuild-counters', ...range, '--repair');
    expect((await cli(auditCommand, 'rebuild-counters', ...range)).exitCode).toBe(0);
    expect(await getRates(auditorToken, `agency=${world.province}&from=${FROM}&to=${TO}`)).toMatchObject({
      status: 200,
      body: { counts: expect.objectContaining(expectedCounts(data, new Set(world.all), FROM, TO)) },
    });
  });

  it('audit verify passes on the untouched log and names an altered row with its dossier and seq', async () => {
    const victim = data.find((g) => g.events.length >= 4)!;
    expect((await cli(auditCommand, 'verify', '--dossier', victim.code)).exitCode).toBe(0);
    const row = await services.prisma.dossierEvent.findUniqueOrThrow({ where: { id: `${victim.code}:3` } });
    const tampered = { ...(row.payload as Record<string, unknown>), occurredAt: '2026-10-01T00:00:00.000Z' };
    // The table refuses UPDATE (and the app's role cannot disable the trigger): tamper as the
    // schema owner would, with the trigger switched off.
    const tamper = async (payload: unknown) => {
      const owner = new pg.Client({ connectionString: inject('stack').databaseOwnerUrl });
      await owner.connect();
      try {
        await owner.query('BEGIN');
        await owner.query('ALTER TABLE dossier_event DISABLE TRIGGER USER');
        await owner.query('UPDATE dossier_event SET payload = $1::jsonb WHERE id = $2', [
          JSON.stringify(payload),
          row.id,
        ]);
        await owner.query('ALTER TABLE dossier_event ENABLE TRIGGER USER');
        await owner.query('COMMIT');
      } finally {
        await owner.end();
      }
    };
    await tamper(tampered);
    try {
      const res = await cli(auditCommand, 'verify', '--dossier', victim.code);
      expect(res.exitCode).toBe(1);
      expect(res.out).toContain(`${victim.code} seq 3: changed`);
      const all = await cli(auditCommand, 'verify', '--json');
      expect(all.exitCode).toBe(1);
      expect(JSON.parse(all.out).problems).toContainEqual(
        expect.objectContaining({ dossierCode: victim.code, seq: 3, kind: 'changed' }),
      );
      const history = await fetch(`${services.apiUrl}/v1/dossiers/${victim.code}/history`, {
        headers: { authorization: `Bearer ${auditorToken}` },
      });
      expect(history.status).toBe(200);
      const body = (await history.json()) as {
        chain: { ok: boolean; firstBadSeq: number };
        events: { actor: unknown }[];
      };
      expect(body.chain).toMatchObject({ ok: false, firstBadSeq: 3 });
      expect(body.events).toHaveLength(victim.events.length);
      expect(body.events[1]!.actor).toMatchObject({ id: 'gen' });
    } finally {
      await tamper(row.payload);
    }
    expect((await cli(auditCommand, 'verify', '--dossier', victim.code)).exitCode).toBe(0);
  });
});

describe('periodic reports (Circular 01/2020/TT-VPCP)', () => {
  const get = (query: string) =>
    fetch(`${services.apiUrl}/v1/reports/period?${query}`, {
      headers: { authorization: `Bearer ${auditorToken}` },
    });

  const expectedRows = (from: string, to: string) => [
    {
      agencyCode: world.province,
      scope: 'own',
      ...expectedPeriodRow(data, new Set([world.province]), from, to),
    },
    {
      agencyCode: world.communeA,
      scope: 'subtree',
      ...expectedPeriodRow(data, new Set([world.communeA, world.hamlet]), from, to),
    },
    {
      agencyCode: world.communeB,
      scope: 'subtree',
      ...expectedPeriodRow(data, new Set([world.communeB]), from, to),
    },
    { agencyCode: world.province, scope: 'total', ...expectedPeriodRow(data, new Set(world.all), from, to) },
  ];

  it('a calendar month: one row per agency below, plus the own desk and the total, each cell from the data', async () => {
    const res = await get(`agency=${world.province}&kind=month&period=2026-10`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      from: string;
      to: string;
      convention: string;
      caption: string;
      rows: unknown[];
    };
    expect(body).toMatchObject({ from: FROM, to: TO, convention: 'calendar' });
    expect(body.caption).toContain('Tháng 10/2026');
    expect(body.rows).toEqual(expectedRows(FROM, TO).map((r) => expect.objectContaining(r)));
  });

  it('the mid-month convention runs from the 15th of the month before to the 14th, and says so', async () => {
    const res = await get(`agency=${world.province}&kind=month&period=2026-10&convention=mid-month`);
    const body = (await res.json()) as { from: string; to: string; caption: string; rows: unknown[] };
    expect(body).toMatchObject({ from: '2026-09-15', to: '2026-10-14' });
    expect(body.caption).toContain('từ ngày 15 tháng trước đến ngày 14');
    expect(body.rows).toEqual(
      expectedRows('2026-09-15', '2026-10-14').map((r) => expect.objectContaining(r)),
    );
  });

  it('CSV comes as an attachment with Vietnamese headers', async () => {
    const res = await get(`agency=${world.province}&kind=month&period=2026-10&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(
      /attachment; filename=".*2026-10-01_2026-10-31\.csv"/,
    );
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toContain('Số hồ sơ kỳ trước chuyển qua');
    expect(lines[0]).toContain('Đã giải quyết quá hạn');
    expect(lines).toHaveLength(5);
    const total = expectedPeriodRow(data, new Set(world.all), FROM, TO);
    expect(lines[4]!.split(',').slice(2).map(Number)).toEqual(Object.values(total));
  });

  it('XLSX from the API and from motcua report period opens with exceljs: headers and numbers as numbers', async () => {
    const res = await get(`agency=${world.province}&kind=quarter&period=2026-Q4&format=xlsx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('.xlsx');
    const dir = await mkdtemp(path.join(tmpdir(), 'motcua-report-'));
    const file = path.join(dir, 'bao-cao.xlsx');
    const cliRun = await cli(
      reportCommand,
      'period',
      '--kind',
      'quarter',
      '--period',
      '2026-Q4',
      '--agency',
      world.province,
      '--format',
      'xlsx',
      '--out',
      file,
    );
    expect(cliRun.exitCode).toBe(0);
    const expected = expectedPeriodRow(data, new Set(world.all), '2026-10-01', '2026-12-31');
    for (const load of [
      async (wb: ExcelJS.Workbook) => wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never),
      async (wb: ExcelJS.Workbook) => wb.xlsx.readFile(file),
    ]) {
      const workbook = new ExcelJS.Workbook();
      await load(workbook);
      const sheet = workbook.worksheets[0]!;
      expect(String(sheet.getCell('A1').value)).toContain('Quý IV/2026');
      const headers = (sheet.getRow(3).values as unknown[]).slice(1);
      expect(headers.slice(0, 3)).toEqual(['Mã cơ quan', 'Cơ quan', 'Số hồ sơ kỳ trước chuyển qua']);
      expect(headers).toContain('Số phiếu xin lỗi đã ban hành');
      const total = sheet.getRow(7);
      expect(total.getCell(2).value).toBe('Tổng cộng');
      const numbers = (total.values as unknown[]).slice(3);
      expect(numbers.every((v) => typeof v === 'number')).toBe(true);
      expect(numbers).toEqual(Object.values(expected));
    }
  });

  it('refuses a malformed period with 422 and a bad kind with 400', async () => {
    const bad = await get(`agency=${world.province}&kind=month&period=2026-13`);
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ code: 'invalid_period' });
    expect((await get(`agency=${world.province}&kind=week&period=2026-10`)).status).toBe(400);
  });
});

describe('Decision 766 scores', () => {
  it('GET /v1/scores/766 scores the month from the counters, with inputs for publicity; the CLI prints the same', async () => {
    const res = await fetch(
      `${services.apiUrl}/v1/scores/766?agency=${world.province}&period=2026-10&inputs=publicDisclosure:6,portalSync:5,progressPublished:4`,
      { headers: { authorization: `Bearer ${auditorToken}` } },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      from: string;
      to: string;
      total: number;
      groups: {
        key: string;
        score: number;
        criteria: { key: string; score: number | null; rate?: { numerator: number; denominator: number } }[];
      }[];
    };
    expect(body).toMatchObject({ from: FROM, to: TO });
    const c = expectedCounts(data, new Set(world.all), FROM, TO);
    const resolved = c.resolvedEarly + c.resolvedOnTime + c.resolvedLate;
    const onTime = body.groups.find((g) => g.key === 'progress')!.criteria[0]!;
    expect(onTime.rate).toMatchObject({
      numerator: c.resolvedEarly + c.resolvedOnTime,
      denominator: resolved,
    });
    expect(onTime.score).toBeCloseTo((20 * (c.resolvedEarly + c.resolvedOnTime)) / resolved, 2);
    expect(body.groups.find((g) => g.key === 'publicity')!.score).toBe(15);
    const cliRun = await cli(
      reportCommand,
      '766',
      '--agency',
      world.province,
      '--period',
      '2026-10',
      '--input',
      'publicDisclosure=6',
      'portalSync=5',
      'progressPublished=4',
      '--json',
    );
    expect(cliRun.exitCode).toBe(0);
    expect(JSON.parse(cliRun.out)).toEqual(body);
    const bad = await fetch(
      `${services.apiUrl}/v1/scores/766?agency=${world.province}&period=2026-10&inputs=portalSync:9`,
      {
        headers: { authorization: `Bearer ${auditorToken}` },
      },
    );
    expect(bad.status).toBe(422);
  });
});
