/**
 * `motcua calendar …` — the legal-time engine from the command line.
 *
 *   calendar due --received <ISO> (--procedure CODE | --working-days N | --working-hours H |
 *                --calendar-days N [--cutoff HH:mm]) [--agency CODE] [--pause <start>/<end>]... [--json]
 *   calendar classify --due <ISO> --completed <ISO>
 *   calendar days --year YYYY [--agency CODE] [--json]
 *   calendar impact --version FILE [--json]   (FILE: the amendment as POST /v1/admin/calendars takes it)
 *
 * Bad arguments print a message on stderr and exit with code 2 (a CommanderError with
 * exitCode 2 is thrown; the root program maps it to the process exit code).
 */

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import {
  type AgencyOverride,
  type CalendarAmendment,
  CalendarAmendmentSchema,
  CalendarError,
  classify,
  computeDue,
  defaultCalendar,
  formatVietnamInstant,
  listDays,
  type Pause,
  parseInstant,
  type WorkingCalendar,
  withAgencyOverride,
} from '../../domain/calendar/index';
import { buildDueRequest } from '../../domain/deadline';
import type { Deadline } from '../../domain/rulesets';
import type { CalendarImpact } from '../calendar-impact';
import { cliIo } from './io';

export type AgencyCalendarProvider = (
  agencyCode: string,
  base: WorkingCalendar,
) => AgencyOverride | WorkingCalendar | undefined | Promise<AgencyOverride | WorkingCalendar | undefined>;

export interface CalendarCommandOptions {
  /** resolves `--agency CODE` (the lead wires DB-stored agency calendars here) */
  agencyProvider?: AgencyCalendarProvider;
  /** national calendar (default: bundled data) */
  calendar?: () => WorkingCalendar | Promise<WorkingCalendar>;
  /** `calendar impact`: the open dossiers a proposed version would move (needs the database) */
  impact?: (amendment: CalendarAmendment) => Promise<CalendarImpact>;
  /** `--procedure CODE`: the procedure's deadline in force at the receipt (needs the database) */
  procedureDeadline?: (procedureCode: string, at: Date) => Promise<Deadline | undefined>;
  out?: (s: string) => void;
  err?: (s: string) => void;
}

const WEEKDAYS_VI = ['', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'];

function isCalendar(x: AgencyOverride | WorkingCalendar): x is WorkingCalendar {
  return 'version' in x && 'indexRange' in x;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function weekdayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return WEEKDAYS_VI[d === 0 ? 7 : d]!;
}

function pad(s: string, n: number): string {
  const len = [...s].length;
  return len >= n ? s : s + ' '.repeat(n - len);
}

export function calendarCommand(opts: CalendarCommandOptions = {}): Command {
  const { out, configure, fail } = cliIo('calendar', opts);
  const national = opts.calendar ?? defaultCalendar;

  const guard =
    <A extends unknown[]>(fn: (...args: A) => Promise<void> | void) =>
    async (...args: A): Promise<void> => {
      try {
        await fn(...args);
      } catch (e) {
        if (e instanceof CalendarError) fail(e.message);
        throw e;
      }
    };

  const resolveCalendar = async (agency: string | undefined): Promise<WorkingCalendar> => {
    const base = await national();
    if (agency === undefined) return base;
    if (!opts.agencyProvider) return fail(`no agency calendars are configured (--agency ${agency})`);
    const found = await opts.agencyProvider(agency, base);
    if (!found) return fail(`unknown agency '${agency}'`);
    return isCalendar(found) ? found : withAgencyOverride(base, found);
  };

  const parseNumber = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0)
      fail(`${name} must be a positive number, got '${v}'`);
    return n;
  };

  const root = configure(
    new Command('calendar').description(
      'Legal working-time calendar (Asia/Ho_Chi_Minh): due instants, classification, days off',
    ),
  );

  configure(
    root
      .command('due')
      .description(
        "compute the due instant of a procedure's deadline, or of a deadline in working days, working hours or calendar days",
      )
      .requiredOption(
        '--received <iso>',
        'receipt instant, ISO 8601 with offset (e.g. 2026-11-23T07:30:00+07:00)',
      )
      .option(
        '--procedure <code>',
        "the procedure's deadline, unit and same-day cut-off in force at the receipt (needs DATABASE_URL)",
      )
      .option('--working-days <n>', 'deadline in working days')
      .option('--working-hours <h>', 'deadline in working hours')
      .option('--calendar-days <n>', 'deadline in calendar days (due on a day off → next working day)')
      .option('--agency <code>', 'use this agency calendar')
      .option(
        '--pause <start/end>',
        'supplement pause (repeatable), two ISO instants separated by /',
        collect,
        [],
      )
      .option(
        '--cutoff <HH:mm>',
        'same-day cut-off: received at or after it counts from the next working day',
      )
      .option('--warning-minutes <m>', 'warning lead time in working minutes (default: one working day)')
      .option('--json', 'print JSON'),
  ).action(
    guard(
      async (o: {
        received: string;
        procedure?: string;
        workingDays?: string;
        workingHours?: string;
        calendarDays?: string;
        agency?: string;
        pause: string[];
        cutoff?: string;
        warningMinutes?: string;
        json?: boolean;
      }) => {
        const amounts = [o.workingDays, o.workingHours, o.calendarDays].filter((v) => v !== undefined);
        if (amounts.length !== (o.procedure === undefined ? 1 : 0)) {
          fail('give --procedure, or exactly one of --working-days, --working-hours and --calendar-days');
        }
        if (o.procedure !== undefined && o.cutoff !== undefined) {
          fail('--procedure brings its own same-day cut-off: drop --cutoff');
        }
        const received = parseInstant(o.received);
        const pauses: Pause[] = o.pause.map((p) => {
          const parts = p.split('/');
          if (parts.length !== 2) return fail(`--pause expects <start ISO>/<end ISO>, got '${p}'`);
          return { start: parseInstant(parts[0]!), end: parseInstant(parts[1]!) };
        });
        let warningWorkingMinutes: number | undefined;
        if (o.warningMinutes !== undefined) {
          warningWorkingMinutes = Number(o.warningMinutes);
          if (!Number.isFinite(warningWorkingMinutes) || warningWorkingMinutes < 0) {
            fail(`--warning-minutes must be a non-negative number, got '${o.warningMinutes}'`);
          }
        }
        let deadline: Deadline;
        if (o.procedure !== undefined) {
          if (!opts.procedureDeadline) return fail(`no catalogue is configured (--procedure ${o.procedure})`);
          const found = await opts.procedureDeadline(o.procedure, received);
          if (!found) return fail(`unknown procedure '${o.procedure}'`);
          deadline = found;
        } else {
          const calendarDays = parseNumber('--calendar-days', o.calendarDays);
          if (calendarDays !== undefined && !Number.isInteger(calendarDays))
            fail(`--calendar-days must be a whole number, got '${o.calendarDays}'`);
          deadline =
            o.workingDays !== undefined
              ? { amount: parseNumber('--working-days', o.workingDays)!, unit: 'working_days' }
              : o.workingHours !== undefined
                ? { amount: parseNumber('--working-hours', o.workingHours)!, unit: 'working_hours' }
                : { amount: calendarDays!, unit: 'calendar_days' };
          if (o.cutoff !== undefined) deadline.sameDayCutoff = o.cutoff;
        }
        const cal = await resolveCalendar(o.agency);
        const res = computeDue(
          cal,
          buildDueRequest(deadline, received, {
            pauses,
            ...(warningWorkingMinutes !== undefined && { warningWorkingMinutes }),
          }),
        );
        if (o.json) {
          out(
            `${JSON.stringify({
              deadline,
              due: formatVietnamInstant(res.due),
              warning: formatVietnamInstant(res.warning),
              calendarVersion: res.calendarVersion,
              provisional: res.provisional,
            })}\n`,
          );
        } else {
          out(`${formatVietnamInstant(res.due)}\n`);
        }
      },
    ),
  );

  configure(
    root
      .command('classify')
      .description('classify a completion against a due instant: early | on_time | late')
      .requiredOption('--due <iso>', 'due instant, ISO 8601 with offset')
      .requiredOption('--completed <iso>', 'completion instant, ISO 8601 with offset'),
  ).action(
    guard((o: { due: string; completed: string }) => {
      out(`${classify(parseInstant(o.due), parseInstant(o.completed))}\n`);
    }),
  );

  configure(
    root
      .command('days')
      .description('list the days off and make-up working days of a year, with their sources')
      .requiredOption('--year <yyyy>', 'year')
      .option('--agency <code>', 'include this agency calendar')
      .option('--json', 'print JSON'),
  ).action(
    guard(async (o: { year: string; agency?: string; json?: boolean }) => {
      if (!/^\d{4}$/.test(o.year)) fail(`--year must be YYYY, got '${o.year}'`);
      const cal = await resolveCalendar(o.agency);
      const days = listDays(cal, Number(o.year));
      if (o.json) {
        out(`${JSON.stringify({ year: Number(o.year), calendarVersion: cal.version, days }, null, 2)}\n`);
        return;
      }
      const provisional = days.some((d) => d.provisional);
      out(
        `Lịch ${o.year} — ${cal.version}${provisional ? ' (PROVISIONAL: computed from the Labour Code)' : ''}\n`,
      );
      const rows = days.map((d) => [
        d.date,
        weekdayOf(d.date),
        d.kind,
        `${d.name}${d.uncertain ? ' (?)' : ''}`,
        d.source,
      ]);
      const header = ['date', 'weekday', 'kind', 'name', 'source'];
      const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...r[i]!].length)));
      const line = (r: string[]) =>
        `${r
          .map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!)))
          .join('  ')
          .trimEnd()}\n`;
      out(line(header));
      out(line(widths.map((w) => '-'.repeat(Math.min(w, 40)))));
      for (const r of rows) out(line(r));
      if (days.some((d) => d.uncertain))
        out('(?) = not fully verified against the primary text; see the data notes\n');
    }),
  );

  configure(
    root
      .command('impact')
      .description(
        'before publishing a national calendar version: the open dossiers whose due instant it would move, and by how much',
      )
      .requiredOption('--version <file>', 'the new version as JSON: {version, year, add, remove, sources}')
      .option('--json', 'print JSON'),
  ).action(
    guard(async (o: { version: string; json?: boolean }) => {
      if (!opts.impact) return fail('calendar impact needs the database (set DATABASE_URL)');
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(o.version, 'utf8'));
      } catch (e) {
        return fail(`cannot read ${o.version}: ${(e as Error).message}`);
      }
      const parsed = CalendarAmendmentSchema.safeParse(raw);
      if (!parsed.success) {
        return fail(
          `invalid calendar version in ${o.version}: ${parsed.error.issues
            .map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`)
            .join('; ')}`,
        );
      }
      const impact = await opts.impact(parsed.data);
      if (o.json) {
        out(`${JSON.stringify(impact, null, 2)}\n`);
        return;
      }
      out(
        `${impact.fromVersion} → ${impact.toVersion}: ${impact.moves.length} of ${impact.checked} open dossiers move\n`,
      );
      for (const m of impact.moves) {
        const sign = m.movedWorkingMinutes > 0 ? '+' : '';
        out(
          `${pad(m.code, 28)}  ${pad(m.agencyCode, 14)}  ${formatVietnamInstant(new Date(m.dueAt))} → ${formatVietnamInstant(new Date(m.newDueAt))}  (${sign}${m.movedWorkingMinutes} working min)\n`,
        );
      }
    }),
  );

  return root;
}
