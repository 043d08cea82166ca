import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  SAMPLE_DEATH_GROUP_CODE,
  SAMPLE_DEATH_LIEN_THONG_CODE,
  sampleAgencies,
  sampleProcedureGroups,
  sampleProcedures,
} from '../../domain/reference';
import { createMotcuaClient, MotcuaApiError } from '../../services/api/client';
import { type RunningServices, startServices } from '../../services/app';
import { projectRoot } from '../../services/config';
import { seedSampleReferenceData, upsertReferenceData } from '../../services/reference';
import { createTestKey } from './auth-helpers';
import { testConfig, testLogger, uniqueCode } from './helpers';

const ADMIN = 'test-admin-token-catalogue-0123';
const config = testConfig({ MOTCUA_ADMIN_TOKEN: ADMIN });
let services: RunningServices;
const dir = mkdtempSync(path.join(tmpdir(), 'motcua-catalogue-it-'));

const exec = promisify(execFile);
/** The real binary, as an operator runs it, against the test stack's PostgreSQL. */
async function motcua(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [path.join(projectRoot, 'bin', 'motcua.js'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: inject('stack').databaseUrl, LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };
const api = (pathname: string, init: RequestInit & { token?: string | null } = {}): Promise<JsonResponse> => {
  const { token = ADMIN, headers, ...rest } = init;
  return fetch(`${services.apiUrl}${pathname}`, {
    ...rest,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(headers as Record<string, string>),
    },
  });
};

/** Rows per table: "changes nothing" means these do not move and the named codes stay absent. */
async function snapshot() {
  const p = services.prisma;
  return {
    agencies: await p.agency.count(),
    groups: await p.procedureGroup.count(),
    procedures: await p.procedure.count(),
  };
}

beforeAll(async () => {
  services = await startServices(config, testLogger(), { api: true });
});

afterAll(async () => {
  await services?.stop();
});

describe('sample catalogue (dữ liệu mẫu)', () => {
  it('is seeded with its agencies, the liên thông group and procedures with steps, all marked as sample', async () => {
    const p = services.prisma;
    const agencies = await p.agency.findMany({ where: { code: { in: sampleAgencies.map((a) => a.code) } } });
    expect(agencies).toHaveLength(sampleAgencies.length);
    expect(agencies.every((a) => a.isSample && a.name.endsWith('(dữ liệu mẫu)'))).toBe(true);
    const group = await p.procedureGroup.findUnique({
      where: { code: SAMPLE_DEATH_GROUP_CODE },
      include: { procedures: true },
    });
    expect(group?.isSample).toBe(true);
    expect(group?.procedures.map((x) => x.code).sort()).toEqual(
      sampleProcedures
        .filter((x) => x.groupCode === SAMPLE_DEATH_GROUP_CODE)
        .map((x) => x.code)
        .sort(),
    );
    const lt = await p.procedure.findUnique({ where: { code: SAMPLE_DEATH_LIEN_THONG_CODE } });
    expect(lt?.steps).toEqual(sampleProcedures.find((x) => x.code === SAMPLE_DEATH_LIEN_THONG_CODE)!.steps);
  });

  it('seeds idempotently: a second run changes nothing', async () => {
    await seedSampleReferenceData(services.prisma);
    const summary = await upsertReferenceData(
      services.prisma,
      sampleAgencies,
      sampleProcedures,
      sampleProcedureGroups,
    );
    expect(summary.agencies).toMatchObject({ created: [], updated: [], unchanged: sampleAgencies.length });
    expect(summary.groups).toMatchObject({
      created: [],
      updated: [],
      unchanged: sampleProcedureGroups.length,
    });
    expect(summary.procedures).toMatchObject({
      created: [],
      updated: [],
      unchanged: sampleProcedures.length,
    });
  });
});

describe('motcua catalogue import (CLI)', () => {
  it('imports a CSV catalogue, then reports it unchanged when run again', async () => {
    const code = uniqueCode('CSV');
    const group = uniqueCode('G');
    const p = file(
      'import.csv',
      [
        'code,name,level,deadlineWorkingDays,feeVnd,onlinePayment,fullyOnline,groupCode,groupName,steps',
        `${code},"Đăng ký giám hộ, thử nghiệm",commune,3,0,không,có,${group},Nhóm thử nghiệm,` +
          '"tiep-nhan:Tiếp nhận:intake:-:2;tham-dinh:Thẩm định:officer:-:14;' +
          'xac-minh:Công an xã xác minh:officer:CA-X-AN-BINH:6;tra-ket-qua:Trả kết quả:intake:-:2"',
      ].join('\n'),
    );
    const first = await motcua('catalogue', 'import', p);
    expect(first.stderr).not.toMatch(/lỗi/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Nhóm liên thông:  1 mới, 0 cập nhật, 0 không đổi');
    expect(first.stdout).toContain('Thủ tục:          1 mới, 0 cập nhật, 0 không đổi');
    const row = await services.prisma.procedure.findUniqueOrThrow({ where: { code } });
    expect(row).toMatchObject({
      name: 'Đăng ký giám hộ, thử nghiệm',
      deadlineWorkingDays: 3,
      groupCode: group,
    });
    expect(row.steps).toHaveLength(4);
    expect((row.steps as { agencyCode: string | null }[])[2]!.agencyCode).toBe('CA-X-AN-BINH');

    const again = await motcua('catalogue', 'import', p, '--json');
    expect(again.code).toBe(0);
    const result = JSON.parse(again.stdout);
    expect(result.summary.procedures).toEqual({ created: [], updated: [], unchanged: 1, replacedSample: [] });
  });

  it('imports the example JSON catalogue (agency under the provincial police, inter-agency steps)', async () => {
    const r = await motcua(
      'catalogue',
      'import',
      path.join(projectRoot, 'prisma', 'catalogue', 'example.json'),
    );
    expect(r.code).toBe(0);
    const agency = await services.prisma.agency.findUniqueOrThrow({ where: { code: 'CA-X-BINH-MINH' } });
    expect(agency).toMatchObject({ parentCode: 'CA-T-MAU', isSample: true });
    const lt = await services.prisma.procedure.findUniqueOrThrow({
      where: { code: 'MAU-LT-KHAI-SINH-THUONG-TRU-BHYT' },
    });
    expect(lt.groupCode).toBe('MAU-LT-KHAI-SINH');
  });

  it('rejects a file with any error with exit code 2 and changes nothing, not even its valid rows', async () => {
    const good = uniqueCode('GOOD');
    const before = await snapshot();
    const p = file(
      'bad.csv',
      [
        'code,name,level,deadlineWorkingDays,steps',
        `${good},Thủ tục hợp lệ,commune,1,a:Tiếp nhận:intake:-:1`,
        `${uniqueCode('BAD')},Vượt thời hạn,commune,1,a:Tiếp nhận:intake:-:4;b:Thẩm định:officer:-:5`,
        `${uniqueCode('BAD')},Cơ quan lạ,commune,1,a:Tiếp nhận:officer:KHONG-CO:1`,
      ].join('\n'),
    );
    const r = await motcua('catalogue', 'import', p);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Danh mục không hợp lệ: 2 lỗi; không ghi gì vào cơ sở dữ liệu.');
    expect(r.stderr).toMatch(/dòng 3, BAD-[^,]+, steps\): tổng thời gian các bước 9 giờ/);
    expect(r.stderr).toMatch(/dòng 4, BAD-[^,]+, steps\.0\.agencyCode\): cơ quan KHONG-CO/);
    expect(await snapshot()).toEqual(before);
    expect(await services.prisma.procedure.findUnique({ where: { code: good } })).toBeNull();
  });

  it('--dry-run reports what would change and writes nothing', async () => {
    const code = uniqueCode('DRY');
    const p = file(
      'dry.json',
      JSON.stringify({
        procedures: [
          {
            code,
            name: 'Chạy thử',
            level: 'commune',
            deadlineWorkingHours: 4,
            steps: [{ key: 'a', name: 'A', role: 'officer', budgetWorkingHours: 4 }],
          },
        ],
      }),
    );
    const r = await motcua('catalogue', 'import', p, '--dry-run', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      dryRun: true,
      summary: { procedures: { created: [code] } },
    });
    expect(await services.prisma.procedure.findUnique({ where: { code } })).toBeNull();
  });

  it('lists the procedures an agency takes part in, including the liên thông one', async () => {
    const r = await motcua('catalogue', 'list', '--agency', 'BHXH-T-MAU', '--json');
    expect(r.code).toBe(0);
    const codes = (JSON.parse(r.stdout) as { code: string }[]).map((p) => p.code);
    expect(codes).toContain(SAMPLE_DEATH_LIEN_THONG_CODE);
    expect(codes).toContain('MAU-TRO-CAP-MAI-TANG'); // same administrative level (province)
    expect(codes).not.toContain('MAU-DANG-KY-KHAI-SINH');
    const table = await motcua('catalogue', 'list', '--agency', 'X-AN-BINH');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^mã\s+cấp\s+thời hạn\s+quy trình\s+phí\s+trực tuyến\s+tên$/m);
    expect(table.stdout).toMatch(
      /^MAU-CHUNG-THUC-BAN-SAO\s+commune\s+4 giờ\s+4 bước\s+2\.000 đ\s+TT trực tuyến\s+Chứng thực bản sao từ bản chính \(dữ liệu mẫu\)$/m,
    );
    expect(table.stdout).toMatch(
      /^MAU-LT-KHAI-TU-THUONG-TRU-MAI-TANG\s+commune\s+8 ngày\s+7 bước \(liên thông\)\s+miễn phí/m,
    );
    const unknown = await motcua('catalogue', 'list', '--agency', 'NO-SUCH');
    expect(unknown.code).toBe(2);
  });
});

describe('catalogue API', () => {
  it('lists procedures page by page and filters by agency', async () => {
    const first = await api('/v1/procedures?limit=2');
    expect(first.status).toBe(200);
    const page1 = await first.json();
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await (await api(`/v1/procedures?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.items[0].code > page1.items[1].code).toBe(true);

    const ca = await (await api('/v1/procedures?agency=CA-X-AN-BINH&limit=500')).json();
    const lt = ca.items.find((p: { code: string }) => p.code === SAMPLE_DEATH_LIEN_THONG_CODE);
    expect(lt).toMatchObject({
      interAgency: true,
      groupCode: SAMPLE_DEATH_GROUP_CODE,
      deadlineWorkingDays: 8,
    });
    expect((await api('/v1/procedures?agency=NO-SUCH')).status).toBe(404);
  });

  it('shows one procedure with its ordered steps, fee and online flags', async () => {
    const res = await api('/v1/procedures/MAU-CHUNG-THUC-BAN-SAO');
    expect(res.status).toBe(200);
    const p = await res.json();
    expect(p).toMatchObject({
      deadlineWorkingHours: 4,
      sameDayCutoff: '15:00',
      feeVnd: 2000,
      onlinePayment: true,
      fullyOnline: false,
      interAgency: false,
      isSample: true,
    });
    expect(p.steps.map((s: { key: string }) => s.key)).toEqual([
      'tiep-nhan',
      'tham-dinh',
      'phe-duyet',
      'tra-ket-qua',
    ]);
    const missing = await api('/v1/procedures/KHONG-CO');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'procedure_not_found' });
  });

  it('lists the liên thông groups with their procedures, and agencies under a parent', async () => {
    const groups = await (await api('/v1/procedure-groups')).json();
    expect(groups.items.find((g: { code: string }) => g.code === SAMPLE_DEATH_GROUP_CODE)).toMatchObject({
      isSample: true,
      procedureCodes: expect.arrayContaining(['MAU-DANG-KY-KHAI-TU', SAMPLE_DEATH_LIEN_THONG_CODE]),
    });
    const communes = await (await api('/v1/agencies?parent=T-MAU')).json();
    expect(communes.items.map((a: { code: string }) => a.code)).toEqual(
      expect.arrayContaining(['X-AN-BINH', 'X-BINH-MINH']),
    );
  });

  it('is readable by any key and by no anonymous caller', async () => {
    const officer = await createTestKey(services.prisma, { role: 'officer', agencyCode: 'X-AN-BINH' });
    expect((await api('/v1/procedures/MAU-DANG-KY-KET-HON', { token: officer.token })).status).toBe(200);
    expect((await api('/v1/procedures', { token: null })).status).toBe(401);
  });

  it('imports JSON as an admin: dry run first (nothing written), then for real', async () => {
    const code = uniqueCode('API');
    const body = JSON.stringify({
      procedures: [
        {
          code,
          name: 'Thủ tục qua API',
          level: 'commune',
          deadlineWorkingDays: 2,
          feeVnd: 15000,
          onlinePayment: true,
          steps: [
            { key: 'tiep-nhan', name: 'Tiếp nhận', role: 'intake', budgetWorkingHours: 2 },
            { key: 'tham-dinh', name: 'Thẩm định', role: 'officer', budgetWorkingHours: 14 },
          ],
        },
      ],
    });
    const post = (query: string) =>
      api(`/v1/admin/catalogue${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const dry = await post('?dryRun=true');
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({
      dryRun: true,
      format: 'json',
      summary: { procedures: { created: [code] } },
    });
    expect(await services.prisma.procedure.findUnique({ where: { code } })).toBeNull();

    const real = await post('');
    expect(real.status).toBe(200);
    expect((await real.json()).summary.procedures.created).toEqual([code]);
    expect(await (await api(`/v1/procedures/${code}`)).json()).toMatchObject({
      feeVnd: 15000,
      onlinePayment: true,
    });
  });

  it('imports CSV sent as text/csv', async () => {
    const code = uniqueCode('APICSV');
    const res = await api('/v1/admin/catalogue', {
      method: 'POST',
      headers: { 'content-type': 'text/csv; charset=utf-8' },
      body: `code,name,level,deadlineWorkingHours,sameDayCutoff,steps\n${code},Chứng thực chữ ký,commune,4,15:00,a:A:officer:-:4\n`,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).format).toBe('csv');
    expect(await services.prisma.procedure.findUnique({ where: { code } })).toMatchObject({
      sameDayCutoff: '15:00',
    });
  });

  it('is usable through the typed client: CSV import, then the procedure by code and by agency', async () => {
    const client = createMotcuaClient({ baseUrl: services.apiUrl!, token: ADMIN });
    const code = uniqueCode('CLICSV');
    const csv = `code,name,level,deadlineWorkingHours,sameDayCutoff,steps\n${code},Chứng thực chữ ký,commune,4,15:00,a:A:officer:-:4\n`;
    const dry = await client.importCatalogue(csv, { format: 'csv', dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, format: 'csv', summary: { procedures: { created: [code] } } });
    await expect(client.procedure(code)).rejects.toMatchObject({ status: 404 });
    await client.importCatalogue(csv, { format: 'csv' });
    expect(await client.procedure(code)).toMatchObject({
      code,
      deadlineWorkingHours: 4,
      sameDayCutoff: '15:00',
    });
    const codes: string[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await client.procedures({ level: 'commune', limit: 50, ...(cursor ? { cursor } : {}) });
      codes.push(...page.items.map((p) => p.code));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(codes).toContain(code);
    const bad = await client.importCatalogue('code,name\n', { format: 'csv' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(MotcuaApiError);
    expect(bad).toMatchObject({ status: 400, code: 'invalid_catalogue' });
  });

  it('answers a bad catalogue with 400 invalid_catalogue naming each row and field, and changes nothing', async () => {
    const before = await snapshot();
    const good = uniqueCode('APIGOOD');
    const res = await api('/v1/admin/catalogue', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: [
        'code,name,level,deadlineWorkingDays,steps',
        `${good},Hợp lệ,commune,1,a:A:officer:-:8`,
        `${uniqueCode('APIBAD')},Sai vai trò,commune,1,a:A:chief:-:8`,
      ].join('\n'),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({
      code: 'invalid_catalogue',
      message: expect.stringContaining('nothing was changed'),
    });
    expect(body.details).toEqual([
      expect.objectContaining({ severity: 'error', row: 3, field: 'steps.0.role' }),
    ]);
    expect(await snapshot()).toEqual(before);
    expect(await services.prisma.procedure.findUnique({ where: { code: good } })).toBeNull();

    const syntax = await api('/v1/admin/catalogue', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"procedures": [',
    });
    expect(syntax.status).toBe(400);
    expect(await syntax.json()).toMatchObject({ code: 'invalid_catalogue' });
  });

  it('lets only admins import', async () => {
    const supervisor = await createTestKey(services.prisma, { role: 'supervisor', agencyCode: 'T-MAU' });
    const res = await api('/v1/admin/catalogue', {
      method: 'POST',
      token: supervisor.token,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect((await api('/v1/admin/catalogue', { method: 'POST', token: null, body: '{}' })).status).toBe(401);
  });

  it('documents the endpoints in OpenAPI', async () => {
    const doc = await ((await fetch(`${services.apiUrl}/docs/json`)) as unknown as JsonResponse).json();
    for (const p of [
      '/v1/procedures',
      '/v1/procedures/{code}',
      '/v1/procedure-groups',
      '/v1/agencies',
      '/v1/admin/catalogue',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(
      doc.paths['/v1/admin/catalogue'].post.requestBody.content['application/json'].schema.properties,
    ).toHaveProperty('procedures');
  });
});
