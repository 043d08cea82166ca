/*
 * A seeded month of realistic one-stop-desk traffic, as the actions an older system would hand to
 * POST /v1/admin/backfill, together with the FACTS each dossier's history implies (receipt day and
 * channel, due instant, closure and its verdicts, overdue transition, payments, ratings…). The
 * facts are computed here with plain working-day arithmetic over a holiday-free stretch of 2026
 * (14 Sep – 27 Nov: no public holiday), never with domain/calendar, domain/counters or
 * domain/rates, so a test can compare the engine's counters with them.
 *
 * Time model: every receipt is on a working day between 08:00 and 11:00 (+07:00), so a deadline of
 * N working days (8 office hours each) ends N working days later at the same clock time; a
 * supplement requested at the receipt's clock time on day d and received at the same clock time k
 * working days later moves the due instant by exactly k working days.
 */

const MIN = 60_000;
const H = 60 * MIN;

/** Local day (UTC+7, no DST) of an instant. */
export const vnDay = (ms: number) => new Date(ms + 7 * H).toISOString().slice(0, 10);
export const iso = (ms: number) => new Date(ms).toISOString();

/** Mon–Fri from 2026-09-14 to 2026-11-27: working days (no holiday falls in this stretch). */
export const WORKING_DAYS: string[] = (() => {
  const out: string[] = [];
  for (let t = Date.parse('2026-09-14T00:00:00Z'); t <= Date.parse('2026-11-27T00:00:00Z'); t += 24 * H) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
})();
/** The instant `minutes` after local midnight of working day `index`. */
export const at = (index: number, minutes: number) => {
  const day = WORKING_DAYS[index];
  if (!day) throw new Error(`working day ${index} outside the generated stretch`);
  return Date.parse(`${day}T00:00:00+07:00`) + minutes * MIN;
};
const indexOf = (day: string) => WORKING_DAYS.indexOf(day);

export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type Outcome = 'early' | 'on_time' | 'late';
export type Channel = 'direct' | 'online' | 'postal';

/** The world the traffic runs in: a province, its child agencies and three procedures. */
export interface MonthWorld {
  province: string;
  /** Communes below the province that receive dossiers. */
  communes: string[];
  /** A provincial department below the province: processes liên thông steps, receives nothing. */
  department: string;
  procedures: {
    /** Paper procedure, 5 working days, two steps at the receiving agency. */
    paper: string;
    /** Fully-online procedure (toàn trình), 3 working days. */
    online: string;
    /** Liên thông, 5 working days: receiving agency, then the department, then back. */
    lienThong: string;
  };
}

export const DEADLINE_DAYS = { paper: 5, online: 3, lienThong: 5 } as const;

/** What the history of one dossier implies: the facts the expectations are computed from. */
export interface MonthDossier {
  code: string;
  agency: string;
  procedureKind: keyof MonthWorld['procedures'];
  procedure: string;
  fullyOnline: boolean;
  channel: Channel;
  receivedAt: number;
  /** The legal due instant (after any supplement pause), before any apology. */
  dueAt: number;
  /** The due instant the overdue alarm watches: the new appointment after an apology. */
  currentDueAt: number;
  componentsDigitized: boolean;
  payments: { at: number; online: boolean }[];
  handoffs: { at: number; to: string }[];
  /** Steps completed, by the agency that held them (the processing agency). */
  steps: { at: number; agency: string; overBudget: boolean }[];
  supplementAt?: number;
  apologyAt?: number;
  /** When the dossier became overdue (its current due instant, while still pending). */
  overdueAt?: number;
  closure?: { kind: 'resolved' | 'rejected' | 'withdrawn'; at: number };
  result?: { kind: 'electronic' | 'paper'; outcome: Outcome; byDay: Outcome; digitizedLater: boolean };
  returnedAt?: number;
  rating?: { at: number; score: number };
  /** The body of POST /v1/admin/backfill. */
  request: {
    code: string;
    procedureCode: string;
    agencyCode: string;
    channel: Channel;
    applicant: { name: string };
    receivedAt: string;
    actions: ({ action: string; at: string } & Record<string, unknown>)[];
  };
}

/**
 * The facts the expectations below read: a {@link MonthDossier}, or any other generator's dossier
 * with the same facts (test/integration/rates.test.ts projects its own events). `backfilled`: loaded
 * through the admin backfill (counted apart); `overBudget` absent means on budget.
 */
export type DossierFacts = Pick<
  MonthDossier,
  | 'agency'
  | 'channel'
  | 'fullyOnline'
  | 'receivedAt'
  | 'componentsDigitized'
  | 'payments'
  | 'handoffs'
  | 'supplementAt'
  | 'apologyAt'
  | 'overdueAt'
  | 'closure'
  | 'result'
  | 'returnedAt'
  | 'rating'
> & { backfilled?: boolean; steps: { at: number; agency: string; overBudget?: boolean }[] };

const NAMES = ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Hoàng Cường', 'Phạm Thu Dung', 'Hoàng Minh Đức'];

/**
 * `count` dossiers received between 21 Sep and 30 Oct 2026 (about one in ten in September: the
 * stock carried over into October), with every fate: resolved early / on time / late (some the same
 * day after the due instant, so the instant and by-day verdicts differ), rejected, withdrawn, still
 * pending at the end of October (in time or overdue), some of those resolved in November and some
 * left open (they go overdue live after the backfill, at their due instant).
 */
export function generateMonth(
  world: MonthWorld,
  count: number,
  seed: number,
  prefix: string,
): MonthDossier[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const sep21 = indexOf('2026-09-21');
  const oct1 = indexOf('2026-10-01');
  const oct20 = indexOf('2026-10-20');
  const oct30 = indexOf('2026-10-30');
  const nov2 = indexOf('2026-11-02');
  const last = WORKING_DAYS.length - 1;
  const out: MonthDossier[] = [];

  for (let i = 0; i < count; i++) {
    const code = `${prefix}-${String(i).padStart(4, '0')}`;
    const agency = pick(world.communes.concat(world.province));
    const procedureKind = pick(['paper', 'paper', 'online', 'online', 'lienThong'] as const);
    const fullyOnline = procedureKind !== 'paper';
    const channel: Channel = fullyOnline
      ? pick(['online', 'online', 'online', 'direct', 'postal'] as const)
      : pick(['direct', 'direct', 'online', 'postal'] as const);
    const fateRoll = rnd();
    const fate =
      fateRoll < 0.66 ? 'resolved' : fateRoll < 0.74 ? 'rejected' : fateRoll < 0.82 ? 'withdrawn' : 'pending';
    const r =
      fate === 'pending' ? int(oct20, oct30) : rnd() < 0.1 ? int(sep21, oct1 - 1) : int(oct1, oct30 - 2);
    const t0 = 8 * 60 + 15 * int(0, 12); // 08:00–11:00
    const receivedAt = at(r, t0);
    let dueIndex = r + DEADLINE_DAYS[procedureKind];
    const actions: MonthDossier['request']['actions'] = [];
    let cursor = receivedAt;
    let lastDay = r;
    const act = (action: string, ms: number, body: Record<string, unknown> = {}) => {
      if (ms <= cursor) throw new Error(`generator: ${code} ${action} not after the previous action`);
      cursor = ms;
      lastDay = indexOf(vnDay(ms));
      actions.push({ action, at: iso(ms), ...body });
    };
    const g: Omit<MonthDossier, 'dueAt' | 'currentDueAt' | 'request'> = {
      code,
      agency,
      procedureKind,
      procedure: world.procedures[procedureKind],
      fullyOnline,
      channel,
      receivedAt,
      componentsDigitized: false,
      payments: [],
      handoffs: [],
      steps: [],
    };

    // Receipt day: digitized components (Decree 107/2021), fees, the handoff to the first step.
    if (rnd() < 0.55) {
      act('digitization', receivedAt + 20 * MIN, { components: ['Tờ khai', 'Căn cước công dân'] });
      g.componentsDigitized = true;
    }
    if (rnd() < 0.5) {
      const n = rnd() < 0.3 ? 2 : 1;
      for (let k = 0; k < n; k++) {
        const online = rnd() < 0.55;
        const p = receivedAt + (30 + 5 * k) * MIN;
        act('payment', p, { amountVnd: 20_000, online, reference: `${code}-P${k}` });
        g.payments.push({ at: p, online });
      }
    }
    act('hand-off', receivedAt + 50 * MIN);
    g.handoffs.push({ at: cursor, to: agency });
    act('complete-step', receivedAt + 70 * MIN);
    g.steps.push({ at: cursor, agency, overBudget: false });

    // Supplement (Mẫu 02): the clock stops for k working days.
    if (rnd() < 0.25) {
      const k = int(1, 2);
      act('request-supplement', at(r + 1, t0), { reason: 'Thiếu giấy tờ', items: ['Giấy xác nhận cư trú'] });
      g.supplementAt = cursor;
      act('receive-supplement', at(r + 1 + k, t0));
      dueIndex += k;
    }
    // Liên thông: the department's step (a budget of 4 working hours) the next working day, done
    // within half an hour or only the working day after (over its budget).
    if (procedureKind === 'lienThong') {
      act('hand-off', at(lastDay + 1, t0 + 30));
      g.handoffs.push({ at: cursor, to: world.department });
      const overBudget = rnd() < 0.4;
      act('complete-step', at(lastDay + (overBudget ? 1 : 0), t0 + 60));
      g.steps.push({ at: cursor, agency: world.department, overBudget });
    }
    const dueAt = at(dueIndex, t0);

    // When it closes (if it does), before any apology is decided.
    let closeAt: number | undefined;
    if (fate === 'resolved') {
      const roll = rnd();
      if (roll < 0.45 && lastDay + 1 <= dueIndex - 1)
        closeAt = at(int(lastDay + 1, dueIndex - 1), t0 + int(4, 20) * 15);
      else if (roll < 0.65) closeAt = at(dueIndex, t0 - 15);
      else if (roll < 0.75) closeAt = at(dueIndex, t0 + 120);
      else closeAt = at(Math.min(dueIndex + int(1, 4), last), t0 + 60);
    } else if (fate === 'rejected' || fate === 'withdrawn') {
      closeAt = at(Math.min(int(lastDay + 1, dueIndex + 2), last), t0 + 90);
    } else if (rnd() < 0.5) {
      // Pending at the end of October, resolved in November.
      closeAt = at(Math.min(Math.max(lastDay + 1, nov2) + int(0, 3), last), t0 + 60);
    }

    // Mẫu 04: half of the dossiers that will not make it apologise the working day before the due
    // instant, with a new appointment three working days later.
    let currentDueAt = dueAt;
    if ((closeAt === undefined || closeAt > dueAt) && lastDay <= dueIndex - 1 && rnd() < 0.5) {
      act('issue-apology', at(dueIndex - 1, t0 + 200), {
        reason: 'Cần xác minh thêm tại cơ quan liên quan',
        faultParty: 'processing_agency',
        newDueAt: iso(at(dueIndex + 3, t0)),
      });
      g.apologyAt = cursor;
      currentDueAt = at(dueIndex + 3, t0);
    }
    // The overdue alarm fires at the current due instant while the dossier is still pending (live
    // after the backfill for dossiers left open).
    if (closeAt === undefined || closeAt > currentDueAt) g.overdueAt = currentDueAt;

    if (closeAt !== undefined && fate !== 'rejected' && fate !== 'withdrawn') {
      const overdueFired = g.overdueAt !== undefined;
      const closeDay = vnDay(closeAt);
      const dueDay = vnDay(dueAt);
      let byDay: Outcome = closeDay < dueDay ? 'early' : closeDay === dueDay ? 'on_time' : 'late';
      if (overdueFired && byDay === 'early') byDay = 'on_time';
      const outcome: Outcome =
        overdueFired || closeAt > dueAt ? 'late' : closeDay < dueDay ? 'early' : 'on_time';
      const kind = rnd() < 0.4 ? 'electronic' : 'paper';
      const digitizedLater = kind === 'paper' && rnd() < 0.4;
      act('result-ready', closeAt, { resultKind: kind });
      g.closure = { kind: 'resolved', at: closeAt };
      g.result = { kind, outcome, byDay, digitizedLater };
      if (digitizedLater) act('digitization', closeAt + 30 * MIN, { result: true });
      if (rnd() < 0.65) {
        const score = int(1, 5);
        act('rating', closeAt + 60 * MIN, { score });
        g.rating = { at: cursor, score };
      }
      if (rnd() < 0.2) {
        const online = rnd() < 0.5;
        act('payment', closeAt + 90 * MIN, { amountVnd: 5_000, online, reference: `${code}-R` });
        g.payments.push({ at: cursor, online });
      }
      if (rnd() < 0.8) {
        act('return-result', closeAt + 120 * MIN);
        g.returnedAt = cursor;
      }
    } else if (closeAt !== undefined && (fate === 'rejected' || fate === 'withdrawn')) {
      act(fate === 'rejected' ? 'reject' : 'withdraw', closeAt, { reason: 'Người nộp hồ sơ đề nghị' });
      g.closure = { kind: fate, at: closeAt };
    }

    out.push({
      ...g,
      dueAt,
      currentDueAt,
      request: {
        code,
        procedureCode: g.procedure,
        agencyCode: agency,
        channel,
        applicant: { name: pick(NAMES) },
        receivedAt: iso(receivedAt),
        actions,
      },
    });
  }
  return out;
}

/** Every counter of the agencies `agencies` over local days from..to, from the facts alone. */
export function expectedCounts(
  all: readonly DossierFacts[],
  agencies: ReadonlySet<string>,
  from: string,
  to: string,
  /** Only the backfilled (`true`) or only the live (`false`) dossiers; all when undefined. */
  backfilled?: boolean,
) {
  const inRange = (ms: number | undefined) => ms !== undefined && vnDay(ms) >= from && vnDay(ms) <= to;
  const data = all.filter((g) => backfilled === undefined || (g.backfilled ?? false) === backfilled);
  const ds = data.filter((g) => agencies.has(g.agency));
  const count = (f: (g: DossierFacts) => boolean) => ds.filter(f).length;
  const received = (g: DossierFacts) => inRange(g.receivedAt);
  const resolvedIn = (g: DossierFacts) => g.closure?.kind === 'resolved' && inRange(g.closure.at);
  const paidDays = (g: DossierFacts, online: boolean) =>
    new Set(g.payments.filter((p) => (!online || p.online) && inRange(p.at)).map((p) => vnDay(p.at))).size;
  return {
    receivedDirect: count((g) => received(g) && g.channel === 'direct'),
    receivedOnline: count((g) => received(g) && g.channel === 'online'),
    receivedPostal: count((g) => received(g) && g.channel === 'postal'),
    receivedOnlineFull: count((g) => received(g) && g.channel === 'online' && g.fullyOnline),
    receivedDigitized: count((g) => received(g) && g.componentsDigitized),
    resolvedEarly: count((g) => resolvedIn(g) && g.result!.outcome === 'early'),
    resolvedOnTime: count((g) => resolvedIn(g) && g.result!.outcome === 'on_time'),
    resolvedLate: count((g) => resolvedIn(g) && g.result!.outcome === 'late'),
    resolvedByDayEarly: count((g) => resolvedIn(g) && g.result!.byDay === 'early'),
    resolvedByDayOnTime: count((g) => resolvedIn(g) && g.result!.byDay === 'on_time'),
    resolvedByDayLate: count((g) => resolvedIn(g) && g.result!.byDay === 'late'),
    resolvedElectronic: count((g) => resolvedIn(g) && g.result!.kind === 'electronic'),
    resolvedResultDigitized: count(
      (g) => resolvedIn(g) && (g.result!.kind === 'electronic' || g.result!.digitizedLater),
    ),
    returned: count((g) => inRange(g.returnedAt)),
    rejected: count((g) => g.closure?.kind === 'rejected' && inRange(g.closure.at)),
    withdrawn: count((g) => g.closure?.kind === 'withdrawn' && inRange(g.closure.at)),
    paid: ds.reduce((s, g) => s + paidDays(g, false), 0),
    paidOnline: ds.reduce((s, g) => s + paidDays(g, true), 0),
    rating1: count((g) => g.rating?.score === 1 && inRange(g.rating.at)),
    rating2: count((g) => g.rating?.score === 2 && inRange(g.rating.at)),
    rating3: count((g) => g.rating?.score === 3 && inRange(g.rating.at)),
    rating4: count((g) => g.rating?.score === 4 && inRange(g.rating.at)),
    rating5: count((g) => g.rating?.score === 5 && inRange(g.rating.at)),
    apologies: count((g) => inRange(g.apologyAt)),
    supplementRequests: count((g) => inRange(g.supplementAt)),
    // Handoffs count for the agency handed TO, whichever agency received the dossier.
    handoffsIn: data.flatMap((g) => g.handoffs).filter((h) => agencies.has(h.to) && inRange(h.at)).length,
    becameOverdue: count((g) => inRange(g.overdueAt)),
    closedOverdue: count(
      (g) => g.overdueAt !== undefined && g.closure !== undefined && inRange(g.closure.at),
    ),
    // Steps count for the agency that held them (per processing agency).
    stepsCompleted: data.flatMap((g) => g.steps).filter((x) => agencies.has(x.agency) && inRange(x.at))
      .length,
    stepsOverBudget: data
      .flatMap((g) => g.steps)
      .filter((x) => x.overBudget && agencies.has(x.agency) && inRange(x.at)).length,
  };
}
export type ExpectedCounts = ReturnType<typeof expectedCounts>;

/** Pending stock at the end of local day `day`: open dossiers, and those past their due instant. */
export function expectedPending(data: readonly DossierFacts[], agencies: ReadonlySet<string>, day: string) {
  const ds = data.filter((g) => agencies.has(g.agency));
  const open = (g: DossierFacts) => vnDay(g.receivedAt) <= day && (!g.closure || vnDay(g.closure.at) > day);
  const pending = ds.filter(open).length;
  const overdue = ds.filter((g) => open(g) && g.overdueAt !== undefined && vnDay(g.overdueAt) <= day).length;
  return { pending, inTime: pending - overdue, overdue };
}

const ratio = (n: number, d: number) => ({ numerator: n, denominator: d, value: d === 0 ? null : n / d });

/** The rates of the table, by plain division of the expected counts. */
export function expectedRates(c: ExpectedCounts) {
  const received = c.receivedDirect + c.receivedOnline + c.receivedPostal;
  const resolved = c.resolvedEarly + c.resolvedOnTime + c.resolvedLate;
  const ratings = c.rating1 + c.rating2 + c.rating3 + c.rating4 + c.rating5;
  return {
    onTime: ratio(c.resolvedEarly + c.resolvedOnTime, resolved),
    onTimeByDay: ratio(c.resolvedByDayEarly + c.resolvedByDayOnTime, resolved),
    digitizedDossiers: ratio(c.receivedDigitized, received),
    digitizedResults: ratio(c.resolvedResultDigitized, resolved),
    electronicResults: ratio(c.resolvedElectronic, resolved),
    online: ratio(c.receivedOnline, received),
    onlinePayment: ratio(c.paidOnline, c.paid),
    satisfaction: ratio(c.rating4 + c.rating5, ratings),
    apologies: ratio(c.apologies, c.resolvedLate),
  };
}

/** One row of the Circular 01/2020 report over from..to, in the report's column order. */
export function expectedPeriodRow(
  data: readonly DossierFacts[],
  agencies: ReadonlySet<string>,
  from: string,
  to: string,
) {
  const before = new Date(Date.parse(`${from}T00:00:00Z`) - 24 * H).toISOString().slice(0, 10);
  const c = expectedCounts(data, agencies, from, to);
  const carriedOver = expectedPending(data, agencies, before).pending;
  const end = expectedPending(data, agencies, to);
  const receivedNew = c.receivedOnline + c.receivedDirect + c.receivedPostal;
  return {
    carriedOver,
    receivedOnline: c.receivedOnline,
    receivedDirect: c.receivedDirect,
    receivedPostal: c.receivedPostal,
    receivedNew,
    total: carriedOver + receivedNew,
    resolvedEarly: c.resolvedEarly,
    resolvedOnTime: c.resolvedOnTime,
    resolvedLate: c.resolvedLate,
    resolved: c.resolvedEarly + c.resolvedOnTime + c.resolvedLate,
    pendingInTime: end.inTime,
    pendingOverdue: end.overdue,
    pending: end.pending,
    withdrawn: c.withdrawn,
    rejected: c.rejected,
    apologies: c.apologies,
  };
}
