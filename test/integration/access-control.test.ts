import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CommandBody,
  type CommandName,
  commandBodySchemas,
  commandNames,
  commandPaths,
  commandRoles,
  type Role,
} from '../../domain/commands';
import { type RunningServices, startServices } from '../../services/app';
import { keysCommand } from '../../services/cli/keys';
import { createPrisma } from '../../services/db';
import { createTestKey } from './auth-helpers';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';

/*
 * Auth acceptance: every role × endpoint × own/other agency, on the real stack.
 *
 *   PROV ─┬─ A   (the dossiers under test are received by A)
 *         └─ B   (another commune of the same province)
 *
 * Expectations come from `commandRoles` (who may do what) and the table `seesA` (who sees
 * A's dossiers) below; a denied action answers 404 `dossier_not_found` when the dossier is not
 * visible (no existence leak) or 403 `forbidden_role` / `forbidden_scope`; an allowed one passes
 * authorization, after which the workflow may still refuse it for its state (409/422).
 */

const ADMIN_TOKEN = 'access-control-admin-token-0123456789';
const config = testConfig({ MOTCUA_ADMIN_TOKEN: ADMIN_TOKEN });
let services: RunningServices;

const suffix = uniqueCode('AC').replace(/[^A-Za-z0-9-]/g, '-');
const PROV = `P-${suffix}`;
const A = `A-${suffix}`;
const B = `B-${suffix}`;
const PROCEDURE = 'MAU-DANG-KY-KHAI-SINH';

interface Caller {
  label: string;
  role: Role;
  agencyCode: string;
  token: string;
  /** Sees dossiers received by A. */
  seesA: boolean;
  /** May act on A's dossiers when its role allows the action (A received them). */
  actsOnA: boolean;
}
const callers: Caller[] = [];
const caller = (label: string): Caller => {
  const c = callers.find((x) => x.label === label);
  if (!c) throw new Error(`no caller ${label}`);
  return c;
};

/** The matrix rows: each role in A and in B, the province above both, nationwide ones, the admin token. */
const callerSpecs: Omit<Caller, 'token'>[] = [
  ...(['intake', 'officer', 'supervisor', 'auditor', 'admin'] as Role[]).map((role) => ({
    label: `${role}@A`,
    role,
    agencyCode: A,
    seesA: true,
    actsOnA: true,
  })),
  ...(['intake', 'officer', 'supervisor', 'auditor'] as Role[]).map((role) => ({
    label: `${role}@B`,
    role,
    agencyCode: B,
    seesA: false,
    actsOnA: false,
  })),
  { label: 'admin@B', role: 'admin', agencyCode: B, seesA: true, actsOnA: true },
  { label: 'supervisor@PROV', role: 'supervisor', agencyCode: PROV, seesA: true, actsOnA: true },
  { label: 'auditor@PROV', role: 'auditor', agencyCode: PROV, seesA: true, actsOnA: false },
  { label: 'auditor@*', role: 'auditor', agencyCode: '*', seesA: true, actsOnA: false },
  { label: 'admin@*', role: 'admin', agencyCode: '*', seesA: true, actsOnA: true },
];

const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  fetch(`${services.apiUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const answer = async (res: Response) => ({
  status: res.status,
  body: (await res.json().catch(() => null)) as any,
});

const intakeBody = (code: string, agencyCode = A) => ({
  code,
  procedureCode: PROCEDURE,
  agencyCode,
  channel: 'direct',
  applicant: { name: 'Trần Thị Bình' },
  // An hour ago: no action below is refused for happening before the receipt.
  receivedAt: new Date(Date.now() - 3_600_000).toISOString(),
});

/** Receives a dossier for A through the API, as A's desk, and waits for the read model. */
async function receiveForA(prefix: string): Promise<string> {
  const code = uniqueCode(prefix);
  const res = await answer(await call('POST', '/v1/dossiers', caller('intake@A').token, intakeBody(code)));
  expect(res, `intake of ${code}`).toMatchObject({ status: 201 });
  await eventually(async () =>
    (await call('GET', `/v1/dossiers/${code}`, ADMIN_TOKEN)).status === 200 ? true : undefined,
  );
  return code;
}

/** A valid body for each action, so that validation never masks the authorization answer. */
const inOneWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();
const sampleBodies: { [N in CommandName]: () => CommandBody<N> } = {
  handOff: () => ({}),
  completeStep: () => ({ note: 'Đã thẩm định' }),
  requestSupplement: () => ({ reason: 'Thiếu bản sao giấy chứng sinh', items: ['Giấy chứng sinh'] }),
  receiveSupplement: () => ({}),
  reportDelay: () => ({
    reason: 'Chờ xác minh',
    proposedDueAt: inOneWeek(),
    faultParty: 'processing_agency',
  }),
  issueApology: () => ({ reason: 'Chờ xác minh', faultParty: 'processing_agency', newDueAt: inOneWeek() }),
  markResultReady: () => ({ resultKind: 'electronic' }),
  returnResult: () => ({}),
  reject: () => ({ reason: 'Không thuộc thẩm quyền' }),
  withdraw: () => ({ reason: 'Người nộp rút hồ sơ' }),
  recordDigitization: () => ({ components: ['Tờ khai'], result: false }),
  recordPayment: () => ({ amountVnd: 0, online: false }),
  recordRating: () => ({ score: 5 }),
};

/** Actions (by the admin token) that bring a fresh dossier to a state where `name` is valid. */
const preparation: Partial<Record<CommandName, CommandName[]>> = {
  completeStep: ['handOff'],
  receiveSupplement: ['requestSupplement'],
  returnResult: ['markResultReady'],
  recordRating: ['markResultReady'],
};

const AUTH_CODES = ['unauthorized', 'forbidden_role', 'forbidden_scope', 'dossier_not_found'];
/** Authorization passed: whatever the workflow answers, it is not an auth denial (nor a crash). */
function expectAuthorized(res: { status: number; body: any }, what: string) {
  expect([401, 403, 404], `${what}: ${JSON.stringify(res)}`).not.toContain(res.status);
  expect(res.status, `${what}: ${JSON.stringify(res)}`).toBeLessThan(500);
  expect(AUTH_CODES, what).not.toContain(res.body?.code);
}

let dossierOfA: string;

beforeAll(async () => {
  services = await startServices(config, testLogger(), { worker: true, projector: true, api: true });
  await services.prisma.agency.createMany({
    data: [
      { code: PROV, name: 'Ủy ban nhân dân tỉnh Thử Quyền (test)', level: 'province', parentCode: null },
      { code: A, name: 'Ủy ban nhân dân xã A (test)', level: 'commune', parentCode: PROV },
      { code: B, name: 'Ủy ban nhân dân xã B (test)', level: 'commune', parentCode: PROV },
    ],
  });
  for (const spec of callerSpecs) {
    const key = await createTestKey(services.prisma, {
      role: spec.role,
      agencyCode: spec.agencyCode,
      name: spec.label,
    });
    callers.push({ ...spec, token: key.token });
  }
  callers.push({
    label: 'admin-token',
    role: 'admin',
    agencyCode: '*',
    token: ADMIN_TOKEN,
    seesA: true,
    actsOnA: true,
  });
  dossierOfA = await receiveForA('ACR');
});

afterAll(async () => {
  await services?.stop();
});

describe('authentication', () => {
  it('answers 401 unauthorized to a /v1 call without a key, with a bad key or a malformed header', async () => {
    for (const [path, headers] of [
      ['/v1/dossiers', {}],
      [
        `/v1/dossiers/${dossierOfA}`,
        { authorization: 'Bearer mck_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      ],
      ['/v1/calendar/versions', { authorization: 'Bearer not-the-admin-token-at-all' }],
      ['/v1/calendar/versions', { authorization: `Basic ${ADMIN_TOKEN}` }],
      ['/v1/no-such-route', {}],
    ] as const) {
      const res = await fetch(`${services.apiUrl}${path}`, { headers });
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.json()).toMatchObject({ code: 'unauthorized', message: expect.any(String) });
    }
  });

  it('rejects a key whose secret is wrong even though its id exists', async () => {
    const good = caller('officer@A').token;
    const forged = `${good.slice(0, -4)}${good.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect((await call('GET', `/v1/dossiers/${dossierOfA}`, forged)).status).toBe(401);
    expect((await call('GET', `/v1/dossiers/${dossierOfA}`, good)).status).toBe(200);
  });

  it('keeps the OpenAPI docs and the health check public', async () => {
    expect((await fetch(`${services.apiUrl}/healthz`)).status).toBe(200);
    const docs = await fetch(`${services.apiUrl}/docs/json`);
    expect(docs.status).toBe(200);
    const spec = (await docs.json()) as any;
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('accepts the MOTCUA_ADMIN_TOKEN bootstrap token as an admin of every agency', async () => {
    expect((await call('GET', `/v1/dossiers/${dossierOfA}`, ADMIN_TOKEN)).status).toBe(200);
    expect((await call('GET', '/v1/admin/keys', ADMIN_TOKEN)).status).toBe(200);
  });

  it('records when a key was last used', async () => {
    const key = await createTestKey(services.prisma, { role: 'auditor', agencyCode: A });
    expect((await call('GET', '/v1/calendar/versions', key.token)).status).toBe(200);
    const row = await eventually(() =>
      services.prisma.apiKey.findFirst({ where: { id: key.id, lastUsedAt: { not: null } } }),
    );
    expect(row.lastUsedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('reading dossiers: every role × own/other agency', () => {
  it.each(callerSpecs.map((c) => c.label).concat('admin-token'))(
    'GET /v1/dossiers/:code as %s',
    async (label) => {
      const c = caller(label);
      const res = await answer(await call('GET', `/v1/dossiers/${dossierOfA}`, c.token));
      if (c.seesA) expect(res).toMatchObject({ status: 200, body: { code: dossierOfA, agencyCode: A } });
      else expect(res).toMatchObject({ status: 404, body: { code: 'dossier_not_found' } });
    },
  );

  it.each(callerSpecs.map((c) => c.label).concat('admin-token'))(
    'GET /v1/dossiers/:code/timeline as %s',
    async (label) => {
      const c = caller(label);
      const res = await answer(await call('GET', `/v1/dossiers/${dossierOfA}/timeline`, c.token));
      if (c.seesA) expect(res.status).toBe(200);
      else expect(res).toMatchObject({ status: 404, body: { code: 'dossier_not_found' } });
    },
  );

  it.each(callerSpecs.map((c) => c.label).concat('admin-token'))(
    'GET /v1/dossiers/:code/events as %s',
    async (label) => {
      const c = caller(label);
      const res = await answer(await call('GET', `/v1/dossiers/${dossierOfA}/events`, c.token));
      if (c.seesA) expect(res).toMatchObject({ status: 200, body: { code: dossierOfA } });
      else expect(res).toMatchObject({ status: 404, body: { code: 'dossier_not_found' } });
    },
  );

  it('answers the same 404 for a dossier that exists elsewhere and one that does not exist', async () => {
    const hidden = await answer(await call('GET', `/v1/dossiers/${dossierOfA}`, caller('officer@B').token));
    const missing = await answer(
      await call('GET', `/v1/dossiers/${uniqueCode('NONE')}`, caller('officer@B').token),
    );
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body.code).toBe(missing.body.code);
  });
});

describe('listing dossiers returns only the visible ones', () => {
  const codesOf = (body: any): string[] =>
    (Array.isArray(body) ? body : (body.items ?? body.dossiers ?? body.data)).map(
      (d: { code: string }) => d.code,
    );

  it.each(callerSpecs.map((c) => c.label).concat('admin-token'))('GET /v1/dossiers as %s', async (label) => {
    const c = caller(label);
    // Filtered on A so nationwide callers' pages hold A's dossiers; the filter narrows, never widens.
    const filtered = await answer(await call('GET', `/v1/dossiers?agency=${A}`, c.token));
    expect(filtered.status).toBe(200);
    expect(codesOf(filtered.body).includes(dossierOfA)).toBe(c.seesA);
    if (c.agencyCode === B && c.role !== 'admin') {
      // Unfiltered, a commune of B sees none of A's dossiers at all.
      const all = await answer(await call('GET', '/v1/dossiers', c.token));
      expect(all.status).toBe(200);
      expect(codesOf(all.body)).not.toContain(dossierOfA);
    }
  });
});

describe('receiving a dossier (POST /v1/dossiers): only desks, for their own agency, and admin', () => {
  it.each(callerSpecs.map((c) => c.label).concat('admin-token'))('as %s, for A', async (label) => {
    const c = caller(label);
    const res = await answer(await call('POST', '/v1/dossiers', c.token, intakeBody(uniqueCode('ACI'))));
    if (c.role === 'admin' || (c.role === 'intake' && c.agencyCode === A)) {
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    } else if (c.role === 'intake') {
      expect(res).toMatchObject({ status: 403, body: { code: 'forbidden_scope' } });
    } else {
      expect(res).toMatchObject({ status: 403, body: { code: 'forbidden_role' } });
    }
  });
});

describe('actions: every role × action × own/other agency (from commandPaths and commandRoles)', () => {
  it('has a valid sample body for every action, so validation never masks a denial', () => {
    for (const name of commandNames) {
      expect(commandBodySchemas[name].safeParse(sampleBodies[name]()).success, name).toBe(true);
    }
  });

  for (const name of commandNames) {
    it(`POST /v1/dossiers/:code/${commandPaths[name]} (${name})`, async () => {
      const code = await receiveForA(`ACT${commandPaths[name].slice(0, 3).toUpperCase()}`);
      for (const step of preparation[name] ?? []) {
        const res = await answer(
          await call('POST', `/v1/dossiers/${code}/${commandPaths[step]}`, ADMIN_TOKEN, sampleBodies[step]()),
        );
        expect(res.status, `preparing ${name} with ${step}: ${JSON.stringify(res.body)}`).toBe(200);
      }
      const path = `/v1/dossiers/${code}/${commandPaths[name]}`;
      const allowedRole = (c: Caller) => commandRoles[name].includes(c.role);
      // Denials first: they change nothing, so every allowed caller then meets the same dossier.
      const ordered = [...callers].sort(
        (x, y) => Number(x.actsOnA && allowedRole(x)) - Number(y.actsOnA && allowedRole(y)),
      );
      const seen: string[] = [];
      for (const c of ordered) {
        const res = await answer(await call('POST', path, c.token, sampleBodies[name]()));
        const what = `${name} as ${c.label}`;
        seen.push(`${c.label}:${res.status}`);
        if (!c.seesA) expect(res, what).toMatchObject({ status: 404, body: { code: 'dossier_not_found' } });
        else if (!allowedRole(c))
          expect(res, what).toMatchObject({ status: 403, body: { code: 'forbidden_role' } });
        else if (!c.actsOnA)
          expect(res, what).toMatchObject({ status: 403, body: { code: 'forbidden_scope' } });
        else expectAuthorized(res, what);
      }
      expect(seen).toHaveLength(callers.length);
      // The dossier was prepared so the action is valid now: the first authorized caller succeeds.
      const firstAllowed = ordered.find((c) => c.actsOnA && allowedRole(c))!;
      expect(seen.find((s) => s.startsWith(`${firstAllowed.label}:`))).toBe(`${firstAllowed.label}:200`);
    });
  }

  it('answers 401 to an action without a key, before looking at the dossier', async () => {
    const res = await answer(
      await call('POST', `/v1/dossiers/${dossierOfA}/${commandPaths.withdraw}`, undefined, {}),
    );
    expect(res).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
  });
});

describe('liên thông: agencies that take part see the dossier; only the receiving and holding ones act', () => {
  // The sample inter-agency procedure: the commune (X-AN-BINH) → its police (CA-X-AN-BINH, under
  // CA-T-MAU) → provincial social insurance (BHXH-T-MAU) → back to the commune's desk.
  const key = async (role: Role, agencyCode: string) =>
    (await createTestKey(services.prisma, { role, agencyCode, name: `${role}@${agencyCode}` })).token;
  const movedTo = (code: string, agencyCode: string) =>
    eventually(() => services.prisma.dossier.findFirst({ where: { code, currentAgencyCode: agencyCode } }));
  const at = new Date(Date.now() - 1_800_000).toISOString();

  it('lets a participating agency read but not act once the dossier has moved on', async () => {
    const desk = await key('intake', 'X-AN-BINH');
    const communeOfficer = await key('officer', 'X-AN-BINH');
    const policeOfficer = await key('officer', 'CA-X-AN-BINH');
    const policeChief = await key('supervisor', 'CA-T-MAU');
    const insuranceOfficer = await key('officer', 'BHXH-T-MAU');
    const provinceSupervisor = await key('supervisor', 'T-MAU');
    const otherCommune = await key('officer', 'X-BINH-MINH');

    const code = uniqueCode('ACLT');
    const received = await answer(
      await call('POST', '/v1/dossiers', desk, {
        ...intakeBody(code, 'X-AN-BINH'),
        procedureCode: 'MAU-LT-KHAI-TU-THUONG-TRU-MAI-TANG',
      }),
    );
    expect(received.status, JSON.stringify(received.body)).toBe(201);
    await eventually(async () =>
      (await call('GET', `/v1/dossiers/${code}`, desk)).status === 200 ? true : undefined,
    );

    // The police may not touch it before it reaches them: they have not taken part yet.
    expect(
      await answer(await call('POST', `/v1/dossiers/${code}/complete-step`, policeOfficer, { at })),
    ).toMatchObject({
      status: 404,
      body: { code: 'dossier_not_found' },
    });
    // Chuyển xử lý to the police step (index 3).
    const toPolice = await answer(
      await call('POST', `/v1/dossiers/${code}/hand-off`, communeOfficer, { at, toStep: 3 }),
    );
    expect(toPolice.status, JSON.stringify(toPolice.body)).toBe(200);
    await movedTo(code, 'CA-X-AN-BINH');
    const done = await answer(
      await call('POST', `/v1/dossiers/${code}/complete-step`, policeOfficer, { at }),
    );
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const toInsurance = await answer(
      await call('POST', `/v1/dossiers/${code}/hand-off`, policeOfficer, { at, toStep: 4 }),
    );
    expect(toInsurance.status, JSON.stringify(toInsurance.body)).toBe(200);
    await movedTo(code, 'BHXH-T-MAU');

    // Reading: every agency that took part, the holder, and supervisors above any of them.
    for (const token of [
      desk,
      communeOfficer,
      policeOfficer,
      policeChief,
      insuranceOfficer,
      provinceSupervisor,
    ]) {
      expect((await call('GET', `/v1/dossiers/${code}`, token)).status).toBe(200);
    }
    expect(await answer(await call('GET', `/v1/dossiers/${code}`, otherCommune))).toMatchObject({
      status: 404,
      body: { code: 'dossier_not_found' },
    });
    const policeList = await answer(await call('GET', '/v1/dossiers?limit=200', policeOfficer));
    expect(policeList.body.items.map((d: { code: string }) => d.code)).toContain(code);
    const otherList = await answer(await call('GET', '/v1/dossiers?limit=200', otherCommune));
    expect(otherList.body.items.map((d: { code: string }) => d.code)).not.toContain(code);

    // Acting: the police took part but no longer hold it; nor does anything under CA-T-MAU.
    for (const token of [policeOfficer, policeChief]) {
      const res = await answer(
        await call('POST', `/v1/dossiers/${code}/report-delay`, token, {
          reason: 'Chờ xác minh',
          proposedDueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          faultParty: 'other_agency',
        }),
      );
      expect(res).toMatchObject({ status: 403, body: { code: 'forbidden_scope' } });
    }
    // The holder and the receiving commune (and the province above it) still act.
    expectAuthorized(
      await answer(await call('POST', `/v1/dossiers/${code}/complete-step`, insuranceOfficer, {})),
      'insurance officer completes its step',
    );
    expectAuthorized(
      await answer(
        await call('POST', `/v1/dossiers/${code}/digitization`, communeOfficer, { components: ['Tờ khai'] }),
      ),
      'receiving commune digitizes',
    );
    expectAuthorized(
      await answer(
        await call('POST', `/v1/dossiers/${code}/report-delay`, provinceSupervisor, {
          reason: 'Chờ xác minh',
          proposedDueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          faultParty: 'other_agency',
        }),
      ),
      'province supervisor reports a delay',
    );
  });
});

describe('admin endpoints: admin only', () => {
  const adminCallers = () => callers.filter((c) => c.role === 'admin');
  const others = () => callers.filter((c) => c.role !== 'admin');

  it('refuses calendar publication and agency calendar layers to every other role with 403 forbidden_role', async () => {
    for (const c of others()) {
      // An empty body: the role check comes first, so nothing about the body leaks to a non-admin.
      const publish = await answer(await call('POST', '/v1/admin/calendars', c.token, {}));
      expect(publish, c.label).toMatchObject({ status: 403, body: { code: 'forbidden_role' } });
      const layer = await answer(await call('PUT', `/v1/admin/agencies/${A}/calendar`, c.token, {}));
      expect(layer, c.label).toMatchObject({ status: 403, body: { code: 'forbidden_role' } });
    }
    expect((await call('POST', '/v1/admin/calendars', undefined, {})).status).toBe(401);
  });

  it('lets admin keys and the admin token publish calendars and set agency layers', async () => {
    for (const c of adminCallers()) {
      const layer = await answer(
        await call('PUT', `/v1/admin/agencies/${A}/calendar`, c.token, {
          localDaysOff: [
            { date: '2030-12-02', name: 'Ngày hội xã (test)', source: `Quyết định (test ${c.label})` },
          ],
          source: `Quyết định (test ${c.label})`,
        }),
      );
      expect(layer.status, `${c.label}: ${JSON.stringify(layer.body)}`).toBe(200);
    }
    const byKey = caller('admin@*');
    const published = await answer(
      await call('POST', '/v1/admin/calendars', byKey.token, {
        version: `vn-ac-${process.pid}-${Date.now()}`,
        year: 2031,
        add: [],
        sources: ['Thông báo thử nghiệm (test)'],
        provisional: true,
      }),
    );
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    // Provenance names the key, not a shared token.
    const versions = await answer(await call('GET', '/v1/calendar/versions', byKey.token));
    const keyId = byKey.token.split('_')[1];
    expect(versions.body[0]).toMatchObject({ version: published.body.version, publishedBy: keyId });
  });

  it('lets any authenticated role read the public calendar endpoints', async () => {
    for (const c of callers) {
      expect((await call('GET', '/v1/calendar/days?year=2026', c.token)).status, c.label).toBe(200);
    }
  });

  it('refuses key management to every other role with 403 forbidden_role', async () => {
    for (const c of others()) {
      const create = await answer(
        await call('POST', '/v1/admin/keys', c.token, { role: 'admin', agencyCode: '*', name: 'escalation' }),
      );
      expect(create, c.label).toMatchObject({ status: 403, body: { code: 'forbidden_role' } });
      expect((await call('GET', '/v1/admin/keys', c.token)).status, c.label).toBe(403);
      expect((await call('DELETE', `/v1/admin/keys/${c.token.split('_')[1]}`, c.token)).status, c.label).toBe(
        403,
      );
    }
  });

  it('creates a key over HTTP whose token works at once, lists it without secrets, and revokes it', async () => {
    for (const admin of adminCallers()) {
      const created = await answer(
        await call('POST', '/v1/admin/keys', admin.token, {
          role: 'officer',
          agencyCode: A,
          name: `Chuyên viên (${admin.label})`,
        }),
      );
      expect(created).toMatchObject({
        status: 201,
        body: {
          role: 'officer',
          agencyCode: A,
          revokedAt: null,
          token: expect.stringMatching(/^mck_[0-9a-f]{16}_/),
        },
      });
      const { id, token } = created.body;
      expect((await call('GET', `/v1/dossiers/${dossierOfA}`, token)).status).toBe(200);

      const listed = await answer(await call('GET', `/v1/admin/keys?agency=${A}`, admin.token));
      const entry = listed.body.find((k: { id: string }) => k.id === id);
      expect(entry).toMatchObject({ id, role: 'officer', agencyCode: A });
      // The secret is base64url and may itself contain '_': cut it after the id.
      const secret = token.slice(`mck_${id}_`.length);
      expect(secret).toHaveLength(43);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(Object.keys(entry)).not.toContain('secretHash');
      expect(Object.keys(entry)).not.toContain('token');

      const revoked = await answer(await call('DELETE', `/v1/admin/keys/${id}`, admin.token));
      expect(revoked).toMatchObject({ status: 200, body: { id, revokedAt: expect.any(String) } });
      const again = await answer(await call('DELETE', `/v1/admin/keys/${id}`, admin.token));
      expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
      expect(await answer(await call('GET', `/v1/dossiers/${dossierOfA}`, token))).toMatchObject({
        status: 401,
        body: { code: 'unauthorized' },
      });
      const active = await answer(await call('GET', `/v1/admin/keys?agency=${A}`, admin.token));
      expect(active.body.map((k: { id: string }) => k.id)).not.toContain(id);
      const all = await answer(
        await call('GET', `/v1/admin/keys?agency=${A}&includeRevoked=true`, admin.token),
      );
      expect(all.body.map((k: { id: string }) => k.id)).toContain(id);
    }
  });

  it('refuses keys for an unknown agency, and nationwide desk or officer keys, with 422', async () => {
    const admin = caller('admin-token');
    const unknown = await answer(
      await call('POST', '/v1/admin/keys', admin.token, {
        role: 'intake',
        agencyCode: 'NOWHERE-XYZ',
        name: 'x',
      }),
    );
    expect(unknown).toMatchObject({ status: 422, body: { code: 'unknown_agency' } });
    const nationwideOfficer = await answer(
      await call('POST', '/v1/admin/keys', admin.token, { role: 'officer', agencyCode: '*', name: 'x' }),
    );
    expect(nationwideOfficer).toMatchObject({ status: 422, body: { code: 'invalid_agency' } });
    const badRole = await answer(
      await call('POST', '/v1/admin/keys', admin.token, { role: 'boss', agencyCode: A, name: 'x' }),
    );
    expect(badRole).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect((await call('DELETE', '/v1/admin/keys/does-not-exist', admin.token)).status).toBe(404);
  });
});

describe('motcua keys (CLI)', () => {
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const cmd = keysCommand({
      // The command disconnects what it opens: a client of its own.
      prisma: () => createPrisma(config.DATABASE_URL!),
      createdBy: 'cli:test',
      out: (s) => out.push(s),
      err: (s) => err.push(s),
    });
    let exitCode = 0;
    try {
      await cmd.parseAsync(args, { from: 'user' });
    } catch (e) {
      exitCode = (e as { exitCode?: number }).exitCode ?? 1;
    }
    return { out: out.join(''), err: err.join(''), exitCode };
  };

  it('creates a key, printing the token once on stdout, and the key works on the API', async () => {
    const res = await run('create', '--role', 'intake', '--agency', A, '--name', 'Một cửa xã A');
    expect(res.exitCode).toBe(0);
    const token = res.out.trim();
    expect(token).toMatch(/^mck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(res.err).toContain('shown only now');
    const row = await services.prisma.apiKey.findUniqueOrThrow({ where: { id: token.split('_')[1]! } });
    expect(row).toMatchObject({ role: 'intake', agencyCode: A, createdBy: 'cli:test' });
    expect(row.secretHash).not.toContain(token.slice(`mck_${row.id}_`.length));
    const intake = await call('POST', '/v1/dossiers', token, intakeBody(uniqueCode('ACL')));
    expect(intake.status).toBe(201);
  });

  it('prints JSON with --json, lists without secrets and revokes', async () => {
    const created = await run(
      'create',
      '--role',
      'auditor',
      '--agency',
      '*',
      '--name',
      'Thanh tra (test)',
      '--json',
    );
    expect(created.exitCode).toBe(0);
    const key = JSON.parse(created.out);
    expect(key).toMatchObject({ role: 'auditor', agencyCode: '*', token: expect.stringMatching(/^mck_/) });

    const listed = await run('list', '--agency', '*', '--json');
    const entry = JSON.parse(listed.out).find((k: { id: string }) => k.id === key.id);
    expect(entry).toMatchObject({ role: 'auditor', name: 'Thanh tra (test)' });
    expect(listed.out).not.toContain(key.token);
    const table = await run('list', '--agency', '*');
    expect(table.out).toMatch(new RegExp(`^${key.id}\\s+auditor\\s+\\*\\s+Thanh tra \\(test\\)`, 'm'));

    const revoked = await run('revoke', key.id);
    expect(revoked).toMatchObject({ exitCode: 0, out: expect.stringContaining(`revoked ${key.id}`) });
    expect((await call('GET', '/v1/calendar/versions', key.token)).status).toBe(401);
  });

  it('exits with code 2 and a clear message on bad input', async () => {
    expect(await run('create', '--role', 'boss', '--agency', A, '--name', 'x')).toMatchObject({
      exitCode: 2,
      err: expect.stringContaining('Allowed choices are intake, officer, supervisor, auditor, admin'),
    });
    expect(await run('create', '--role', 'intake', '--agency', 'NOWHERE-XYZ', '--name', 'x')).toMatchObject({
      exitCode: 2,
      err: expect.stringContaining("unknown agency 'NOWHERE-XYZ'"),
    });
    expect(await run('create', '--role', 'officer', '--agency', '*', '--name', 'x')).toMatchObject({
      exitCode: 2,
    });
    expect(await run('create', '--role', 'intake', '--agency', A)).toMatchObject({
      exitCode: 2,
      err: expect.stringContaining("required option '--name <name>'"),
    });
    expect(await run('revoke', 'no-such-key')).toMatchObject({
      exitCode: 2,
      err: expect.stringContaining('no API key'),
    });
  });
});
