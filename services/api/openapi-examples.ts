import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { SAMPLE_DEATH_GROUP_CODE, sampleAgencies, sampleProcedures } from '../../domain/reference';

/**
 * Examples of the OpenAPI document (`/docs`) from the sample catalogue (issue 11: "use the sample
 * catalogue — a real procedure, agency and Vietnamese name — for every endpoint"): every path and
 * query parameter, header and request body gets a JSON-schema `examples` entry at documentation
 * time, so route files stay as they are. `test/api/openapi-examples.test.ts` walks the generated
 * document: every parameter and body has an example, each validates against its schema, and codes
 * are sample codes.
 */

const agency = sampleAgencies.find((a) => a.code === 'X-AN-BINH')!;
const province = sampleAgencies.find((a) => a.code === 'T-MAU')!;
const marriage = sampleProcedures.find((p) => p.code === 'MAU-DANG-KY-KET-HON')!;

/** Dossier code of the examples: the sample commune's desk, received on 2 Nov 2026. */
export const SAMPLE_DOSSIER_CODE = `${agency.code}-261102-0001`;
export const SAMPLE_EXAMPLE_CODES = {
  agency: agency.code,
  province: province.code,
  procedure: marriage.code,
  dossier: SAMPLE_DOSSIER_CODE,
} as const;

const RECEIVED = '2026-11-02T08:00:00+07:00';
const LATER = '2026-11-04T09:30:00+07:00';
const NEW_DUE = '2026-11-13T16:00:00+07:00';
const UUID = '3f2b8c1e-5d4a-4e7b-9c0d-2a1b3c4d5e6f';
const APOLOGY_REASON = 'Cần xác minh thêm thông tin hộ tịch tại Công an xã An Bình';

/** Bodies of `POST /v1/dossiers/{code}/<action>`, by path name. */
const actionBodies: Record<string, Record<string, unknown>> = {
  'hand-off': { note: 'Chuyển công chức tư pháp - hộ tịch thẩm định' },
  'complete-step': { note: 'Hồ sơ hợp lệ, đủ điều kiện đăng ký kết hôn' },
  'request-supplement': {
    reason: 'Thiếu giấy xác nhận tình trạng hôn nhân của bên nữ',
    items: ['Giấy xác nhận tình trạng hôn nhân'],
  },
  'receive-supplement': { at: LATER },
  'report-delay': { reason: APOLOGY_REASON, proposedDueAt: NEW_DUE, faultParty: 'processing_agency' },
  'issue-apology': {
    reason: APOLOGY_REASON,
    faultParty: 'processing_agency',
    newDueAt: NEW_DUE,
    signedBy: 'Chủ tịch Ủy ban nhân dân xã An Bình',
  },
  'result-ready': { resultKind: 'electronic' },
  'return-result': { at: LATER },
  reject: { reason: 'Hồ sơ không thuộc thẩm quyền giải quyết của Ủy ban nhân dân xã' },
  withdraw: { reason: 'Người nộp hồ sơ xin rút để bổ sung giấy tờ' },
  digitization: { components: ['Tờ khai đăng ký kết hôn', 'Căn cước công dân'] },
  payment: { amountVnd: 20_000, online: true, reference: 'DVC-20261102-000123' },
  rating: { score: 5, comment: 'Cán bộ hướng dẫn tận tình, đúng hẹn' },
  complete: { completedAt: LATER },
};

const intake = {
  code: SAMPLE_DOSSIER_CODE,
  procedureCode: marriage.code,
  agencyCode: agency.code,
  channel: 'direct',
  applicant: { name: 'Nguyễn Văn An', phone: '0912345678', email: 'nguyenvanan@example.vn' },
  receivedAt: RECEIVED,
};

const calendarChange = {
  version: 'vn-2026.2',
  year: 2026,
  add: [
    {
      date: '2026-11-24',
      kind: 'holiday',
      name: 'Ngày Văn hóa Việt Nam (24/11)',
      source: 'Dự thảo sửa đổi Bộ luật Lao động (đề xuất ngày nghỉ lễ thứ 12)',
      provisional: true,
    },
  ],
  sources: ['Bộ luật Lao động 2019, Điều 112'],
};

/** Request bodies, by `METHOD url` (action routes come from `actionBodies`). */
const bodies: Record<string, unknown> = {
  'POST /v1/dossiers': intake,
  'POST /v1/admin/backfill': {
    ...intake,
    code: `${agency.code}-251015-0042`,
    receivedAt: '2025-10-15T08:00:00+07:00',
    actions: [
      { action: 'hand-off', at: '2025-10-15T09:00:00+07:00' },
      { action: 'complete-step', at: '2025-10-15T10:00:00+07:00' },
      { action: 'result-ready', at: '2025-10-20T15:00:00+07:00', resultKind: 'paper' },
      { action: 'return-result', at: '2025-10-21T08:30:00+07:00' },
    ],
  },
  'POST /v1/admin/calendars': calendarChange,
  'POST /v1/admin/calendars/impact': calendarChange,
  'PUT /v1/admin/agencies/:code/calendar': {
    localDaysOff: [
      { date: '2026-12-28', name: 'Ngày truyền thống xã An Bình', source: 'Quyết định của UBND xã An Bình' },
    ],
    source: 'Quyết định của UBND xã An Bình',
  },
  'POST /v1/admin/keys': { role: 'intake', agencyCode: agency.code, name: 'Phần mềm một cửa xã An Bình' },
  'POST /v1/admin/catalogue': {
    version: 1,
    source: 'Danh mục thủ tục hành chính mẫu',
    agencies: [province, agency].map(({ code, name, level, parentCode }) => ({
      code,
      name,
      level,
      parentCode,
    })),
    procedures: [marriage],
  },
  'POST /v1/admin/alert-subscriptions': {
    agencyCode: province.code,
    kinds: ['overdue', 'overdue_without_apology'],
    channel: 'email',
    target: 'vanphong@tmau.gov.vn',
  },
  'POST /v1/letters/:id/issue': {
    reason: APOLOGY_REASON,
    newDueAt: NEW_DUE,
    signer: { title: 'Chủ tịch', name: 'Trần Văn Bình', onBehalfOf: 'Ủy ban nhân dân xã An Bình' },
  },
};

/** Parameter examples by name; `url` tells a dossier code from a procedure or agency code. */
function parameterExample(name: string, url: string): unknown {
  switch (name) {
    case 'code':
      if (url.startsWith('/v1/procedures')) return marriage.code;
      if (url.startsWith('/v1/admin/agencies')) return agency.code;
      return SAMPLE_DOSSIER_CODE;
    case 'id':
      if (url.startsWith('/v1/admin/keys')) return '9f3c2a1b0d4e5f60';
      return UUID;
    case 'dossier':
      return SAMPLE_DOSSIER_CODE;
    case 'agency':
    case 'agencyCode':
      return agency.code;
    case 'parent':
      return province.code;
    case 'procedure':
      return marriage.code;
    case 'group':
      return SAMPLE_DEATH_GROUP_CODE;
    case 'version':
      return url.startsWith('/v1/scores') ? '2022.1' : 'vn-2026.1';
    case 'status':
      return 'processing';
    case 'overdue':
    case 'includeRevoked':
    case 'dryRun':
      return 'true';
    case 'wasLate':
    case 'dueSoon':
    case 'paused':
      return 'false';
    case 'sort':
      return 'due';
    case 'backfilled':
      return url.startsWith('/v1/dossiers') ? 'false' : 'include';
    case 'receivedFrom':
    case 'since':
      return '2026-11-01T00:00:00+07:00';
    case 'receivedTo':
    case 'until':
      return '2026-12-01T00:00:00+07:00';
    case 'limit':
      return 50;
    case 'cursor':
      return url.startsWith('/v1/audit') ? '1024' : 'eyJrIjoiWC1BTi1CSU5ILTI2MTEwMi0wMDAxIn0';
    case 'received':
      return RECEIVED;
    case 'workingDays':
      return marriage.deadlineWorkingDays ?? 5;
    case 'workingHours':
      return 4;
    case 'calendarDays':
      return 15;
    case 'cutoff':
      return '15:00';
    case 'pause':
      return '2026-11-03T08:00:00+07:00/2026-11-04T08:00:00+07:00';
    case 'year':
      return 2026;
    case 'level':
      return 'commune';
    case 'kind':
      return url.startsWith('/v1/alerts') ? 'overdue' : 'month';
    case 'period':
      return '2026-10';
    case 'convention':
      return 'calendar';
    case 'format':
      return 'json';
    case 'inputs':
      return 'publicDisclosure:6,portalSync:5,progressPublished:4';
    case 'from':
      // The series takes months: the twelve months of the dashboard's trend chart.
      return url.startsWith('/v1/rates/series') ? '2025-12' : '2026-10-01';
    case 'to':
      return url.startsWith('/v1/rates/series') ? '2026-11' : '2026-10-31';
    case 'who':
      return 'cli:thanhtra';
    case 'action':
      return 'dossier_history';
    case 'state':
      return 'open';
    case 'audience':
      return 'supervisor';
    case 'lastEventId':
      return 42;
    case 'idempotency-key':
      return `intake:${SAMPLE_DOSSIER_CODE}`;
    default:
      return undefined;
  }
}

type JsonSchema = { properties?: Record<string, JsonSchema>; examples?: unknown[]; [k: string]: unknown };

function addPropertyExamples(schema: unknown, url: string) {
  const props = (schema as JsonSchema | undefined)?.properties;
  if (!props) return;
  for (const [name, prop] of Object.entries(props)) {
    if (prop.examples !== undefined || prop.example !== undefined) continue;
    const value = parameterExample(name, url);
    if (value !== undefined) prop.examples = [value];
  }
}

/** The routes' request examples: the path name of an action, else `METHOD url`. */
export function requestBodyExample(method: string, url: string): unknown {
  const action = /^\/v1\/dossiers\/:code\/([a-z-]+)$/.exec(url)?.[1];
  if (method === 'POST' && action && actionBodies[action]) return actionBodies[action];
  return bodies[`${method} ${url}`];
}

/** `jsonSchemaTransform` plus the examples above (`transform` of @fastify/swagger). */
export const jsonSchemaTransformWithExamples: typeof jsonSchemaTransform = (input) => {
  const out = jsonSchemaTransform(input);
  const schema = out.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return out;
  const method = [input.route.method].flat()[0]!.toUpperCase();
  for (const part of ['params', 'querystring', 'headers'] as const)
    addPropertyExamples(schema[part], input.url);
  const body = schema.body as JsonSchema | undefined;
  if (body && body.examples === undefined) {
    const example = requestBodyExample(method, input.url);
    if (example !== undefined) body.examples = [example];
  }
  return out;
};
