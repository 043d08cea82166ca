import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import type { AgencyOverride } from '../../domain/calendar/index';
import { calendarCommand } from '../../services/cli/calendar';

const override: AgencyOverride = {
  agencyCode: 'UBND-X',
  revision: 3,
  localDaysOff: [{ date: '2026-11-24', name: 'Ngày nghỉ của địa phương', source: 'Quyết định 1/QĐ-UBND' }],
};

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const cmd = calendarCommand({
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    agencyProvider: (code) => (code === 'UBND-X' ? override : undefined),
    procedureDeadline: async (code) =>
      code === 'CHUNG-THUC' ? { amount: 4, unit: 'working_hours', sameDayCutoff: '15:00' } : undefined,
  });
  let exitCode = 0;
  try {
    await cmd.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    exitCode = e.exitCode;
  }
  return { stdout, stderr, exitCode };
}

describe('motcua calendar due', () => {
  it('prints the due instant as ISO 8601 with +07:00', async () => {
    const r = await run(['due', '--received', '2026-11-23T07:30:00+07:00', '--working-days', '1']);
    expect(r).toEqual({ stdout: '2026-11-23T17:00:00+07:00\n', stderr: '', exitCode: 0 });
  });

  it('accepts receipts in other offsets', async () => {
    const r = await run(['due', '--received', '2026-11-23T00:30:00Z', '--working-hours', '4']);
    expect(r.stdout).toBe('2026-11-23T11:30:00+07:00\n');
  });

  it('prints JSON with --json, using the agency calendar', async () => {
    const r = await run([
      'due',
      '--received',
      '2026-11-23T07:30:00+07:00',
      '--working-days',
      '2',
      '--agency',
      'UBND-X',
      '--json',
    ]);
    expect(JSON.parse(r.stdout)).toEqual({
      deadline: { amount: 2, unit: 'working_days' },
      due: '2026-11-25T17:00:00+07:00',
      warning: '2026-11-23T17:00:00+07:00',
      calendarVersion: 'vn-2026.1+UBND-X.3',
      provisional: false,
    });
  });

  it('applies repeated --pause options', async () => {
    const r = await run([
      'due',
      '--received',
      '2026-11-23T07:30:00+07:00',
      '--working-days',
      '2',
      '--pause',
      '2026-11-23T09:00:00+07:00/2026-11-25T09:00:00+07:00',
      '--pause',
      '2026-11-26T07:30:00+07:00/2026-11-26T08:30:00+07:00',
    ]);
    expect(r.stdout).toBe('2026-11-27T08:30:00+07:00\n');
  });

  it('applies --cutoff and --warning-minutes', async () => {
    const r = await run([
      'due',
      '--received',
      '2026-11-23T15:30:00+07:00',
      '--working-days',
      '1',
      '--cutoff',
      '15:00',
      '--warning-minutes',
      '60',
      '--json',
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      due: '2026-11-24T17:00:00+07:00',
      warning: '2026-11-24T16:00:00+07:00',
    });
  });

  it("uses a procedure's deadline with its same-day cut-off, as a dossier's appointment does", async () => {
    const r = await run(['due', '--received', '2026-11-23T15:30:00+07:00', '--procedure', 'CHUNG-THUC']);
    expect(r.stdout).toBe('2026-11-24T11:30:00+07:00\n');
    const unknown = await run(['due', '--received', '2026-11-23T15:30:00+07:00', '--procedure', 'KHONG-CO']);
    expect(unknown).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/unknown procedure/) });
  });

  it('rolls a calendar-day deadline that ends on a weekend to the next working day closing', async () => {
    const r = await run(['due', '--received', '2026-11-23T09:00:00+07:00', '--calendar-days', '5']);
    expect(r.stdout).toBe('2026-11-30T17:00:00+07:00\n');
  });

  it('reports provisional results for years without an official schedule', async () => {
    const r = await run(['due', '--received', '2027-03-01T07:30:00+07:00', '--working-days', '1', '--json']);
    expect(JSON.parse(r.stdout).provisional).toBe(true);
  });

  it.each([
    [['due', '--received', 'yesterday', '--working-days', '1'], /invalid instant/],
    [['due', '--received', '2026-11-23T07:30:00', '--working-days', '1'], /offset/],
    [['due', '--received', '2026-11-23T07:30:00+07:00'], /exactly one/],
    [
      ['due', '--received', '2026-11-23T07:30:00+07:00', '--working-days', '1', '--working-hours', '2'],
      /exactly one/,
    ],
    [['due', '--received', '2026-11-23T07:30:00+07:00', '--working-days', '0'], /positive/],
    [['due', '--received', '2026-11-23T07:30:00+07:00', '--working-days', 'abc'], /positive/],
    [['due', '--received', '2026-11-23T07:30:00+07:00', '--working-days', '1', '--pause', 'x'], /--pause/],
    [
      [
        'due',
        '--received',
        '2026-11-23T07:30:00+07:00',
        '--working-days',
        '1',
        '--pause',
        '2026-11-23T10:00:00+07:00/2026-11-23T09:00:00+07:00',
      ],
      /pause ends before/,
    ],
    [
      ['due', '--received', '2026-11-23T07:30:00+07:00', '--working-days', '1', '--agency', 'NOPE'],
      /unknown agency/,
    ],
    [['due', '--working-days', '1'], /--received/],
    [
      ['due', '--received', '2026-11-23T07:30:00+07:00', '--working-days', '1', '--frobnicate'],
      /unknown option/,
    ],
    [['classify', '--due', '2026-11-23T17:00:00+07:00'], /--completed/],
    [['days', '--year', '26'], /YYYY/],
    [['frobnicate'], /unknown command/],
  ])('rejects %j with exit code 2 and a message on stderr', async (args, message) => {
    const r = await run(args as string[]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});

describe('motcua calendar classify', () => {
  it.each([
    ['2026-11-24T16:00:00+07:00', 'early'],
    ['2026-11-25T08:00:00+07:00', 'on_time'],
    ['2026-11-25T17:00:00+07:00', 'on_time'],
    ['2026-11-25T17:00:01+07:00', 'late'],
  ])('classifies completion at %s as %s', async (completed, outcome) => {
    const r = await run(['classify', '--due', '2026-11-25T17:00:00+07:00', '--completed', completed]);
    expect(r.stdout).toBe(`${outcome}\n`);
    expect(r.exitCode).toBe(0);
  });
});

describe('motcua calendar days', () => {
  it('prints a table with sources', async () => {
    const r = await run(['days', '--year', '2025']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/2025-04-26\s+Thứ Bảy\s+makeup_workday/);
    expect(r.stdout).toMatch(/2025-05-02\s+Thứ Sáu\s+swap_off/);
    expect(r.stdout).toMatch(/8726\/VPCP-KGVX/);
  });

  it('prints JSON with --json, including agency days', async () => {
    const r = await run(['days', '--year', '2026', '--agency', 'UBND-X', '--json']);
    const body = JSON.parse(r.stdout);
    expect(body.calendarVersion).toBe('vn-2026.1+UBND-X.3');
    expect(body.days).toContainEqual(expect.objectContaining({ date: '2026-11-24', kind: 'local_day_off' }));
  });

  it('marks provisional years', async () => {
    const r = await run(['days', '--year', '2030']);
    expect(r.stdout).toMatch(/PROVISIONAL/);
    expect(r.stdout).toMatch(/2030-02-01/); // 30 Chạp before Tết 2/2/2030 (Vietnam; China: 3/2)
  });
});
