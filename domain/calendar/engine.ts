/**
 * Due-instant arithmetic.
 *
 * Working time is a non-decreasing function W(t) = office milliseconds elapsed up to t.
 * A deadline of B working milliseconds from a start s is due at the earliest instant t with
 * W(t) = W(s) + B — so a count that ends at a closing time is due at that closing time, and a
 * receipt outside office hours starts at the next opening (W is flat until then).
 *
 * Two implementations give identical results (property-tested):
 * - indexed: cumulative working ms per day over `calendar.indexRange` + galloping binary
 *   search (the hot path, > 1e6 computations/s);
 * - naive: walks day by day through the resolved calendar (baseline; also the fallback
 *   outside the index range).
 */
import { type ResolvedCalendar, resolveCalendar } from './calendar';
import { CalendarError } from './errors';
import { DAY_MS, epochDayFromYmd, HOUR_MS, MINUTE_MS, parseHhmm, VN_OFFSET_MS } from './time';
import type { DueRequest, DueResult, Pause, WorkingCalendar } from './types';

/** Guard for the day walker: no deadline spans more than this many calendar days. */
const MAX_WALK_DAYS = 366 * 60;

// ---------------------------------------------------------------------------------------
// Request normalisation (shared)

interface Normalised {
  start: number;
  budget: number;
  warnMs: number;
  pauses: Pause[] | undefined;
  received: number;
}

function instantMs(d: unknown, what: string): number {
  if (!(d instanceof Date)) throw new CalendarError('INVALID_INSTANT', `${what} must be a Date`);
  const t = d.getTime();
  if (!Number.isFinite(t)) throw new CalendarError('INVALID_INSTANT', `${what} is an invalid Date`);
  return t;
}

function normalise(r: ResolvedCalendar, req: DueRequest, isOpen: (day: number) => boolean): Normalised {
  if (req === null || typeof req !== 'object') throw new CalendarError('INVALID_INSTANT', 'request required');
  const received = instantMs(req.received, 'received');
  const hasDays = req.workingDays !== undefined;
  const hasHours = req.workingHours !== undefined;
  if (req.calendarDays !== undefined) {
    throw new CalendarError('AMBIGUOUS_DURATION', 'give one of workingDays, workingHours or calendarDays');
  }
  if (hasDays === hasHours) {
    throw new CalendarError(
      'AMBIGUOUS_DURATION',
      hasDays
        ? 'give either workingDays or workingHours, not both'
        : 'workingDays or workingHours is required',
    );
  }
  const n = (hasDays ? req.workingDays : req.workingHours) as number;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new CalendarError(
      'INVALID_DURATION',
      `duration must be a positive finite number, got ${String(n)}`,
      {
        value: n,
      },
    );
  }
  const budget = Math.round(hasDays ? n * r.dayMs : n * HOUR_MS);
  if (budget <= 0) throw new CalendarError('INVALID_DURATION', 'duration rounds to zero milliseconds');

  const warnMs = warningOf(req, r.dayMs);

  const start = afterCutoff(received, req.sameDayCutoff, isOpen);
  return { start, budget, warnMs, pauses: sortedPauses(req.pauses), received };
}

/** The instant the count starts: received at or after the same-day cut-off on an open day → next day. */
function afterCutoff(received: number, sameDayCutoff: string | undefined, isOpen: (day: number) => boolean) {
  if (sameDayCutoff === undefined) return received;
  let cutoff: number;
  try {
    cutoff = parseHhmm(sameDayCutoff) * MINUTE_MS;
  } catch {
    throw new CalendarError('INVALID_CUTOFF', `invalid sameDayCutoff '${sameDayCutoff}', expected HH:mm`);
  }
  const local = received + VN_OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  if (local - day * DAY_MS >= cutoff && isOpen(day)) return (day + 1) * DAY_MS - VN_OFFSET_MS;
  return received;
}

function sortedPauses(input: Pause[] | undefined): Pause[] | undefined {
  if (input === undefined || input.length === 0) return undefined;
  if (!Array.isArray(input)) throw new CalendarError('INVALID_PAUSE', 'pauses must be an array');
  for (const p of input) {
    const s = instantMs(p?.start, 'pause start');
    const e = instantMs(p?.end, 'pause end');
    if (e < s) {
      throw new CalendarError('INVALID_PAUSE', 'pause ends before it starts', { start: p.start, end: p.end });
    }
  }
  return [...input].sort((a, b) => a.start.getTime() - b.start.getTime());
}

function warningOf(req: DueRequest, dayMs: number): number {
  if (req.warningWorkingMinutes === undefined) return dayMs;
  const w = req.warningWorkingMinutes;
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
    throw new CalendarError('INVALID_WARNING', 'warningWorkingMinutes must be a non-negative number');
  }
  return Math.round(w * MINUTE_MS);
}

/** Guard for rolling a calendar-day deadline past days off (no closure lasts this long). */
const MAX_ROLL_DAYS = 366;

/**
 * Calendar-day deadline: the N-th local day after the day the count starts (receipt, or the next
 * day after the same-day cut-off), plus the supplement pauses rounded up to whole days; a day off
 * rolls to the next working day; due at that day's closing.
 */
function dueCalendarDays(
  r: ResolvedCalendar,
  req: DueRequest,
): { due: number; warning: number; received: number } {
  if (req === null || typeof req !== 'object') throw new CalendarError('INVALID_INSTANT', 'request required');
  const received = instantMs(req.received, 'received');
  if (req.workingDays !== undefined || req.workingHours !== undefined) {
    throw new CalendarError('AMBIGUOUS_DURATION', 'give one of workingDays, workingHours or calendarDays');
  }
  const n = req.calendarDays;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new CalendarError('INVALID_DURATION', `calendarDays must be a positive integer, got ${String(n)}`, {
      value: n,
    });
  }
  const isOpen = (day: number) => r.patternOfDay(day) !== 0;
  const start = afterCutoff(received, req.sameDayCutoff, isOpen);
  let pausedMs = 0;
  for (const p of sortedPauses(req.pauses) ?? []) {
    const s = Math.max(p.start.getTime(), received);
    const e = p.end.getTime();
    if (e > s) pausedMs += e - s;
  }
  let day = Math.floor((start + VN_OFFSET_MS) / DAY_MS) + n + Math.ceil(pausedMs / DAY_MS);
  for (let rolled = 0; !isOpen(day); rolled++, day++) {
    if (rolled > MAX_ROLL_DAYS) throw new CalendarError('INVALID_DURATION', 'no working day to roll to');
  }
  const p = r.patterns[r.patternOfDay(day)]!;
  const due = day * DAY_MS - VN_OFFSET_MS + p[p.length - 1]!;
  const warnMs = warningOf(req, r.dayMs);
  const warning = warnMs === 0 ? due : walkBackward(r, due, warnMs, received);
  return { due, warning, received };
}

// ---------------------------------------------------------------------------------------
// Naive day walker

function walkForward(r: ResolvedCalendar, from: number, amount: number): number {
  let remaining = amount;
  const firstDay = Math.floor((from + VN_OFFSET_MS) / DAY_MS);
  for (let day = firstDay; day < firstDay + MAX_WALK_DAYS; day++) {
    const p = r.patterns[r.patternOfDay(day)]!;
    const base = day * DAY_MS - VN_OFFSET_MS;
    for (let i = 0; i < p.length; i += 2) {
      const e = base + p[i + 1]!;
      if (e <= from) continue;
      const s = Math.max(base + p[i]!, from);
      const len = e - s;
      if (remaining <= len) return s + remaining;
      remaining -= len;
    }
  }
  throw new CalendarError('INVALID_DURATION', 'deadline exceeds the supported calendar span');
}

/** Office milliseconds in [a, b). */
function workingBetween(r: ResolvedCalendar, a: number, b: number): number {
  if (b <= a) return 0;
  let total = 0;
  const lastDay = Math.floor((b + VN_OFFSET_MS) / DAY_MS);
  for (let day = Math.floor((a + VN_OFFSET_MS) / DAY_MS); day <= lastDay; day++) {
    const p = r.patterns[r.patternOfDay(day)]!;
    const base = day * DAY_MS - VN_OFFSET_MS;
    for (let i = 0; i < p.length; i += 2) {
      const s = Math.max(base + p[i]!, a);
      const e = Math.min(base + p[i + 1]!, b);
      if (e > s) total += e - s;
    }
  }
  return total;
}

/** Earliest t ≥ floor such that office time in [t, to) = amount (clamped to `floor`). */
function walkBackward(r: ResolvedCalendar, to: number, amount: number, floor: number): number {
  let remaining = amount;
  const lastDay = Math.floor((to + VN_OFFSET_MS) / DAY_MS);
  const floorDay = Math.floor((floor + VN_OFFSET_MS) / DAY_MS);
  for (let day = lastDay; day >= floorDay; day--) {
    const p = r.patterns[r.patternOfDay(day)]!;
    const base = day * DAY_MS - VN_OFFSET_MS;
    for (let i = p.length - 2; i >= 0; i -= 2) {
      const s = Math.max(base + p[i]!, floor);
      const e = Math.min(base + p[i + 1]!, to);
      if (e <= s) continue;
      const len = e - s;
      if (remaining < len) return e - remaining;
      remaining -= len;
    }
  }
  return floor;
}

/** The instant `budget` office ms after the start, skipping pauses (naive). */
function forwardNaive(r: ResolvedCalendar, n: Normalised, budget: number): number {
  let cur = n.start;
  let remaining = budget;
  if (n.pauses) {
    for (const p of n.pauses) {
      const pe = p.end.getTime();
      if (pe <= cur) continue;
      const ps = Math.max(p.start.getTime(), cur);
      const used = workingBetween(r, cur, ps);
      if (used >= remaining) break;
      remaining -= used;
      cur = pe;
    }
  }
  return walkForward(r, cur, remaining);
}

/**
 * Half the working time after receipt: the apology warning is never earlier, so a deadline of a day
 * or less does not warn at receipt (the later of due − warning and receipt + budget / 2).
 */
const halfBudget = (n: Normalised) => Math.round(n.budget / 2);

function dueNaive(r: ResolvedCalendar, n: Normalised): { due: number; warning: number } {
  const due = forwardNaive(r, n, n.budget);
  if (n.warnMs === 0) return { due, warning: due };
  const warning = walkBackward(r, due, n.warnMs, n.received);
  return { due, warning: Math.max(warning, forwardNaive(r, n, halfBudget(n))) };
}

// ---------------------------------------------------------------------------------------
// Index

interface Index {
  /** epoch day of index position 0 */
  base: number;
  n: number;
  /** cum[i] = office ms of days [0, i) */
  cum: Float64Array;
  pat: Uint8Array;
  /** provCum[i] = number of provisional days in [0, i) */
  provCum: Int32Array;
  patterns: readonly Float64Array[];
}

const indexCache = new WeakMap<WorkingCalendar, Index>();

function buildIndex(r: ResolvedCalendar): Index {
  const { from, to } = r.calendar.indexRange;
  const base = epochDayFromYmd(from, 1, 1);
  const n = epochDayFromYmd(to + 1, 1, 1) - base;
  if (r.patterns.length > 255) throw new CalendarError('INVALID_CALENDAR', 'too many office-hour patterns');
  const cum = new Float64Array(n + 1);
  const pat = new Uint8Array(n);
  const provCum = new Int32Array(n + 1);
  const patLen = r.patterns.map((p) => {
    let s = 0;
    for (let i = 0; i < p.length; i += 2) s += p[i + 1]! - p[i]!;
    return s;
  });
  let year = from;
  let nextYearStart = epochDayFromYmd(from + 1, 1, 1) - base;
  let prov = r.isProvisionalYear(year);
  for (let i = 0; i < n; i++) {
    if (i === nextYearStart) {
      year++;
      nextYearStart = epochDayFromYmd(year + 1, 1, 1) - base;
      prov = r.isProvisionalYear(year);
    }
    const p = r.patternOfDay(base + i);
    pat[i] = p;
    cum[i + 1] = cum[i]! + patLen[p]!;
    provCum[i + 1] = provCum[i]! + (prov ? 1 : 0);
  }
  return { base, n, cum, pat, provCum, patterns: r.patterns };
}

function getIndex(cal: WorkingCalendar): Index {
  let idx = indexCache.get(cal);
  if (!idx) {
    idx = buildIndex(resolveCalendar(cal));
    indexCache.set(cal, idx);
  }
  return idx;
}

/** W(t) relative to the index origin, or NaN when t is outside the index. */
function workAt(idx: Index, t: number): number {
  const local = t + VN_OFFSET_MS;
  const d = Math.floor(local / DAY_MS) - idx.base;
  if (d < 0 || d >= idx.n) return Number.NaN;
  const tod = local - (d + idx.base) * DAY_MS;
  let w = idx.cum[d]!;
  const p = idx.patterns[idx.pat[d]!]!;
  for (let i = 0; i < p.length; i += 2) {
    const s = p[i]!;
    if (tod <= s) break;
    const e = p[i + 1]!;
    w += Math.min(tod, e) - s;
  }
  return w;
}

/** Earliest t with W(t) = target, searching from index position `hint`; NaN if beyond the index. */
function instantAt(idx: Index, target: number, hint: number): number {
  const cum = idx.cum;
  const n = idx.n;
  if (!(target <= cum[n]!)) return Number.NaN;
  // largest i with cum[i] < target; galloping from hint
  let lo = Math.max(hint, 0);
  if (lo >= n || !(cum[lo]! < target)) {
    lo = 0;
    if (!(cum[0]! < target)) return Number.NaN;
  }
  let step = 1;
  let hi = lo + step;
  while (hi < n && cum[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > n) hi = n;
  // invariant: cum[lo] < target, and (hi === n or cum[hi] >= target)
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! < target) lo = mid;
    else hi = mid;
  }
  let rem = target - cum[lo]!;
  const p = idx.patterns[idx.pat[lo]!]!;
  const dayStart = (lo + idx.base) * DAY_MS - VN_OFFSET_MS;
  for (let i = 0; i < p.length; i += 2) {
    const len = p[i + 1]! - p[i]!;
    if (rem <= len) return dayStart + p[i]! + rem;
    rem -= len;
  }
  return Number.NaN; // unreachable when the index is consistent
}

function dayPos(idx: Index, t: number): number {
  return Math.floor((t + VN_OFFSET_MS) / DAY_MS) - idx.base;
}

/** The instant `budget` office ms after the start, skipping pauses (indexed); NaN outside the index. */
function forwardIndexed(idx: Index, n: Normalised, budget: number): { at: number; work: number } {
  const none = { at: Number.NaN, work: Number.NaN };
  let cur = n.start;
  let wCur = workAt(idx, cur);
  if (Number.isNaN(wCur)) return none;
  let remaining = budget;
  if (n.pauses) {
    for (const p of n.pauses) {
      const pe = p.end.getTime();
      if (pe <= cur) continue;
      const ps = Math.max(p.start.getTime(), cur);
      const wPs = workAt(idx, ps);
      if (Number.isNaN(wPs)) return none;
      const used = wPs - wCur;
      if (used >= remaining) break;
      remaining -= used;
      cur = pe;
      wCur = workAt(idx, cur);
      if (Number.isNaN(wCur)) return none;
    }
  }
  const work = wCur + remaining;
  return { at: instantAt(idx, work, dayPos(idx, cur)), work };
}

function dueIndexed(idx: Index, n: Normalised): { due: number; warning: number } | undefined {
  const { at: due, work: wDue } = forwardIndexed(idx, n, n.budget);
  if (Number.isNaN(due)) return undefined;
  let warning = due;
  if (n.warnMs > 0) {
    const wRecv = workAt(idx, n.received);
    if (Number.isNaN(wRecv)) return undefined;
    const target = wDue - n.warnMs;
    if (target <= wRecv) warning = n.received;
    else {
      // search back from the due day: gallop from a hint a few days earlier
      const hint = dayPos(idx, due) - Math.ceil(n.warnMs / Math.max(1, idx.cum[idx.n]! / idx.n)) * 2 - 3;
      warning = instantAt(idx, target, hint);
      if (Number.isNaN(warning)) return undefined;
    }
    const half = forwardIndexed(idx, n, halfBudget(n)).at;
    if (Number.isNaN(half)) return undefined;
    warning = Math.max(warning, half);
  }
  return { due, warning };
}

function provisionalBetween(r: ResolvedCalendar, idx: Index | undefined, a: number, b: number): boolean {
  if (idx) {
    const da = dayPos(idx, a);
    const db = dayPos(idx, b);
    if (da >= 0 && db < idx.n && da <= db) return idx.provCum[db + 1]! - idx.provCum[da]! > 0;
  }
  const ya = new Date(a + VN_OFFSET_MS).getUTCFullYear();
  const yb = new Date(b + VN_OFFSET_MS).getUTCFullYear();
  for (let y = ya; y <= yb; y++) if (r.isProvisionalYear(y)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------
// Public entry points

/** Due instant and apology-warning instant of a deadline (indexed hot path, naive fallback). */
export function computeDue(calendar: WorkingCalendar, req: DueRequest): DueResult {
  if (req?.calendarDays !== undefined) return calendarDaysResult(calendar, req);
  const idx = getIndex(calendar);
  const r = resolveCalendar(calendar);
  const n = normalise(r, req, (day) => {
    const pos = day - idx.base;
    return pos >= 0 && pos < idx.n ? idx.pat[pos] !== 0 : r.patternOfDay(day) !== 0;
  });
  const res = dueIndexed(idx, n) ?? dueNaive(r, n);
  return {
    due: new Date(res.due),
    warning: new Date(res.warning),
    calendarVersion: calendar.version,
    provisional: provisionalBetween(r, idx, n.received, res.due),
  };
}

/** Same contract as computeDue, by walking the calendar day by day (baseline / oracle). */
export function computeDueNaive(calendar: WorkingCalendar, req: DueRequest): DueResult {
  if (req?.calendarDays !== undefined) return calendarDaysResult(calendar, req);
  const r = resolveCalendar(calendar);
  const n = normalise(r, req, (day) => r.patternOfDay(day) !== 0);
  const res = dueNaive(r, n);
  return {
    due: new Date(res.due),
    warning: new Date(res.warning),
    calendarVersion: calendar.version,
    provisional: provisionalBetween(r, undefined, n.received, res.due),
  };
}

function calendarDaysResult(calendar: WorkingCalendar, req: DueRequest): DueResult {
  const r = resolveCalendar(calendar);
  const res = dueCalendarDays(r, req);
  return {
    due: new Date(res.due),
    warning: new Date(res.warning),
    calendarVersion: calendar.version,
    provisional: provisionalBetween(r, undefined, res.received, res.due),
  };
}

/** Build the precomputed index now (otherwise built on the first computeDue). */
export function warmCalendar(calendar: WorkingCalendar): void {
  getIndex(calendar);
}

/** Office milliseconds between two instants (e.g. time used before a pause). */
export function workingMsBetween(calendar: WorkingCalendar, a: Date, b: Date): number {
  const ta = instantMs(a, 'from');
  const tb = instantMs(b, 'to');
  const idx = getIndex(calendar);
  const wa = workAt(idx, ta);
  const wb = workAt(idx, tb);
  if (!Number.isNaN(wa) && !Number.isNaN(wb)) return Math.max(0, wb - wa);
  return workingBetween(resolveCalendar(calendar), ta, tb);
}

/** Whether an instant falls inside office hours. */
export function isOfficeOpen(calendar: WorkingCalendar, at: Date): boolean {
  const t = instantMs(at, 'at');
  const r = resolveCalendar(calendar);
  const local = t + VN_OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  const tod = local - day * DAY_MS;
  const p = r.patterns[r.patternOfDay(day)]!;
  for (let i = 0; i < p.length; i += 2) if (tod >= p[i]! && tod < p[i + 1]!) return true;
  return false;
}

// Classification lives in ./classify (no calendar data: the workflow bundle imports it).
export { type CompletionVerdicts, classify, classifyByDay, classifyCompletion } from './classify';

export interface ExtendedDueResult extends DueResult {
  /** the original due instant (classification of lateness keeps using it) */
  originalDue: Date;
  extended: true;
}

/**
 * Apply the one allowed extension (new appointment after an apology, Mẫu 04). The new due
 * instant replaces the old one once; a second extension throws EXTENSION_ALREADY_USED.
 * A dossier finished after `originalDue` stays late in every count.
 */
export function extendDue(
  calendar: WorkingCalendar,
  current: DueResult | ExtendedDueResult,
  extension: { newDue: Date } | { workingDays: number } | { workingHours: number },
  opts: { warningWorkingMinutes?: number } = {},
): ExtendedDueResult {
  if ('extended' in current && current.extended) {
    throw new CalendarError('EXTENSION_ALREADY_USED', 'the appointment may be moved only once');
  }
  const oldDue = instantMs(current.due, 'due');
  let newDue: Date;
  let provisional = current.provisional;
  if ('newDue' in extension) {
    newDue = new Date(instantMs(extension.newDue, 'newDue'));
  } else {
    const res = computeDue(calendar, { ...extension, received: current.due, warningWorkingMinutes: 0 });
    newDue = res.due;
    provisional = provisional || res.provisional;
  }
  if (newDue.getTime() <= oldDue) {
    throw new CalendarError('INVALID_EXTENSION', 'the new appointment must be after the current due instant');
  }
  const r = resolveCalendar(calendar);
  const warnMs =
    opts.warningWorkingMinutes === undefined ? r.dayMs : Math.round(opts.warningWorkingMinutes * MINUTE_MS);
  const warning = new Date(
    warnMs === 0 ? newDue.getTime() : walkBackward(r, newDue.getTime(), warnMs, oldDue),
  );
  return {
    due: newDue,
    warning,
    calendarVersion: calendar.version,
    provisional,
    originalDue: new Date(oldDue),
    extended: true,
  };
}
