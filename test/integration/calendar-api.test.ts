import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServices, startServices } from '../../services/app';
import { upsertReferenceData } from '../../services/reference';
import { createTestKey } from './auth-helpers';
import { testConfig, testLogger, uniqueCode } from './helpers';

const ADMIN = 'test-admin-token-0123456789';
const config = testConfig({ MOTCUA_ADMIN_TOKEN: ADMIN });
let services: RunningServices;
/** Reading the calendar needs a key like every /v1 call; any role will do. */
let readerToken: string;
/** The national version in force when this file started: the files after it must find it again. */
let nationalBefore: string | undefined;
const latestNational = () =>
  services.prisma.calendarVersion.findFirst({ orderBy: [{ publishedAt: 'desc' }, { version: 'desc' }] });

const json = (res: Response): Promise<any> => res.json();
const get = (path: string) =>
  fetch(`${services.apiUrl}${path}`, { headers: { authorization: `Bearer ${readerToken}` } });
const send = (method: string, path: string, body: unknown, token: string | undefined = ADMIN) =>
  fetch(`${services.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  services = await startServices(config, testLogger(), { worker: true, projector: true, api: true });
  readerToken = (await createTestKey(services.prisma, { role: 'auditor', agencyCode: '*' })).token;
  nationalBefore = (await latestNational())?.version;
});

afterAll(async () => {
  await services?.stop();
});

describe('legal-time API', () => {
  it('computes a due instant like the CLI, in Vietnam time, with the version in force', async () => {
    // Friday 2025-04-25 16:00 + 4 working days: Sat 26/4 is a make-up working day, 30/4–4/5 off.
    const res = await get('/v1/calendar/due?received=2025-04-25T16:00:00%2B07:00&workingDays=4');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ provisional: false });
    expect(body.calendarVersion).toMatch(/^vn-/);
    expect(body.due).toBe('2025-05-05T16:00:00+07:00');
  });

  it('pauses the clock for each supplement request given as start/end', async () => {
    const base = await json(await get('/v1/calendar/due?received=2026-11-02T08:00:00%2B07:00&workingDays=2'));
    const paused = await json(
      await get(
        '/v1/calendar/due?received=2026-11-02T08:00:00%2B07:00&workingDays=2' +
          '&pause=2026-11-02T09:00:00%2B07:00/2026-11-03T09:00:00%2B07:00',
      ),
    );
    expect(base.due).toBe('2026-11-04T08:00:00+07:00');
    expect(paused.due).toBe('2026-11-05T08:00:00+07:00');
  });

  it('answers bad arguments with 400 and a machine-readable code', async () => {
    const both = await get(
      '/v1/calendar/due?received=2026-11-02T08:00:00%2B07:00&workingDays=2&workingHours=4',
    );
    expect(both.status).toBe(400);
    expect((await json(both)).code).toBe('invalid_request');
    const badInstant = await get('/v1/calendar/due?received=yesterday&workingDays=2');
    expect(badInstant.status).toBe(400);
    expect((await json(badInstant)).code).toBe('invalid_calendar_request');
    const badYear = await get('/v1/calendar/days?year=abc');
    expect(badYear.status).toBe(400);
    const unknownAgency = await get('/v1/calendar/days?year=2026&agency=NOWHERE');
    expect(unknownAgency.status).toBe(404);
  });

  it('lists the days off and make-up days of a year with their source', async () => {
    const body = await json(await get('/v1/calendar/days?year=2025'));
    expect(body.provisional).toBe(false);
    const sat = body.days.find((d: { date: string }) => d.date === '2025-04-26');
    expect(sat).toMatchObject({ kind: 'makeup_workday' });
    expect(sat.source).toMatch(/VPCP/);
    expect(body.days.every((d: { source: string }) => d.source.length > 0)).toBe(true);
  });

  it('publishes a new national version as an admin call, never silently changing older results', async () => {
    const unauth = await send('POST', '/v1/admin/calendars', {}, 'wrong-token-wrong-token');
    expect(unauth.status).toBe(401);
    const before = await json(
      await get('/v1/calendar/due?received=2026-11-23T08:00:00%2B07:00&workingDays=1'),
    );
    const version = `vn-test-${process.pid}`;
    const amendment = {
      version,
      year: 2026,
      add: [
        {
          date: '2026-11-24',
          kind: 'holiday',
          name: 'Ngày Văn hóa Việt Nam',
          source: 'Thông báo thử nghiệm (test)',
          provisional: false,
        },
      ],
      sources: ['Thông báo thử nghiệm (test)'],
    };
    const published = await send('POST', '/v1/admin/calendars', amendment);
    try {
      expect(published.status).toBe(201);
      expect(await json(published)).toEqual({ version });
      expect((await send('POST', '/v1/admin/calendars', amendment)).status).toBe(409);

      const after = await json(
        await get('/v1/calendar/due?received=2026-11-23T08:00:00%2B07:00&workingDays=1'),
      );
      expect(before.due).toBe('2026-11-24T08:00:00+07:00');
      expect(after).toMatchObject({ calendarVersion: version, due: '2026-11-25T08:00:00+07:00' });
      const versions = await json(await get('/v1/calendar/versions'));
      expect(versions[0]).toMatchObject({ version, sources: ['Thông báo thử nghiệm (test)'] });
    } finally {
      // The test database is shared by the files that follow: they must not run on this test holiday.
      await services.prisma.calendarVersion.deleteMany({ where: { version } });
    }
  });

  it("layers an agency's local day off over the national calendar and versions it", async () => {
    const agency = uniqueCode('XA');
    await upsertReferenceData(
      services.prisma,
      [{ code: agency, name: 'Ủy ban nhân dân xã Thử Nghiệm', level: 'commune', parentCode: 'T-MAU' }],
      [],
    );
    const res = await send('PUT', `/v1/admin/agencies/${agency}/calendar`, {
      localDaysOff: [
        { date: '2026-12-01', name: 'Lễ hội địa phương', source: 'Quyết định của UBND xã (test)' },
      ],
      source: 'Quyết định của UBND xã (test)',
    });
    expect(res.status).toBe(200);
    const { calendarVersion } = await json(res);
    expect(calendarVersion).toMatch(new RegExp(`\\+${agency}\\.1$`));

    const national = await json(
      await get('/v1/calendar/due?received=2026-11-30T17:00:00%2B07:00&workingDays=1'),
    );
    const local = await json(
      await get(`/v1/calendar/due?received=2026-11-30T17:00:00%2B07:00&workingDays=1&agency=${agency}`),
    );
    expect(national.due).toBe('2026-12-01T17:00:00+07:00');
    expect(local).toMatchObject({ due: '2026-12-02T17:00:00+07:00', calendarVersion });

    // A dossier of that agency records the calendar version its due instant came from.
    const desk = await createTestKey(services.prisma, { role: 'intake', agencyCode: agency });
    const code = uniqueCode('CAL');
    const intake = await send(
      'POST',
      '/v1/dossiers',
      {
        code,
        procedureCode: 'MAU-DANG-KY-KHAI-SINH',
        agencyCode: agency,
        channel: 'online',
        applicant: { name: 'Hoàng Văn Em' },
        receivedAt: '2026-11-30T17:00:00+07:00',
      },
      desk.token,
    );
    expect(intake.status).toBe(201);
    expect(await json(intake)).toMatchObject({ dueAt: '2026-12-02T17:00:00+07:00', calendarVersion });

    const bad = await send('PUT', `/v1/admin/agencies/${agency}/calendar`, {
      localDaysOff: [{ date: '2026-13-45', name: 'x', source: 'y' }],
      source: 'y',
    });
    expect(bad.status).toBe(400);
    expect((await send('PUT', '/v1/admin/agencies/NOWHERE/calendar', { source: 'y' })).status).toBe(404);
  });

  it('leaves the shared test database on the national calendar it found', async () => {
    expect((await latestNational())?.version).toBe(nationalBefore);
  });
});
