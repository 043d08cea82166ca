import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../domain/commands';
import { workflowIdFor } from '../../domain/dossier';
import type { DossierEvent } from '../../domain/events';
import { vnDate, vnDateTime } from '../../domain/letters';
import { webhookSignature } from '../../services/alerts/dispatch';
import { createMotcuaClient } from '../../services/api/client';
import { eventSigningKeys } from '../../services/config';
import { publishSignedEvent } from '../../services/event-publisher';
import { startLettersConsumer } from '../../services/letters/consumer';
import type { LetterView } from '../../services/letters/routes';
import { consumerGroupState, deleteConsumerGroup } from '../../services/nats';
import { dossierStateQuery, dossierUpdates } from '../../workflows/definitions';
import { extractPdf, squash } from '../letters/pdf-text';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { createTestKey } from './auth-helpers';
import { eventually, streamTail, testConfig, testLogger, uniqueCode } from './helpers';
import { receiveOverdueDossier } from './letter-helpers';
import {
  type CaughtHook,
  type CaughtMail,
  type MailCatcher,
  startMailCatcher,
  startWebhookCatcher,
  type WebhookCatcher,
} from './mail-fixtures';

// Late processing reaches the applicant: overdue → draft Mẫu 04 → issued by a supervisor →
// PDF, the one new appointment in the workflow, and notices by email and webhook.
let smtp: MailCatcher;
/** The portal webhook is down for its first request. */
let webhooks: WebhookCatcher;
let mails: CaughtMail[];
let hooks: CaughtHook[];
let w: ApiWorld;
let worldConfig: Record<string, string>;
const WEBHOOK_SECRET = 'cong-dich-vu-cong-secret-0123456789';
const DESK_NAME = 'Bộ phận Một cửa UBND xã Đắk Lắk';
const APPLICANT = 'Đặng Thị Ngọc Hằng';
let procedureName = '';

let fileStart: number;

beforeAll(async () => {
  smtp = await startMailCatcher();
  webhooks = await startWebhookCatcher({ failFirst: 1 });
  mails = smtp.mails;
  hooks = webhooks.hooks;
  worldConfig = {
    SMTP_URL: smtp.url,
    NOTICE_EMAIL_FROM: 'motcua <thong-bao@motcua.test>',
    NOTICE_WEBHOOK_URL: webhooks.url('/cong-dvc'),
    NOTICE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
  w = await startApiWorld('letters', { alerts: true, config: worldConfig });
  fileStart = await streamTail(w.services.nats.jsm);
  await w.services.prisma.agency.update({ where: { code: w.agency }, data: { name: DESK_NAME } });
  const procedure = await w.services.prisma.procedure.findUniqueOrThrow({
    where: { code: 'MAU-DANG-KY-KET-HON' },
  });
  procedureName = procedure.name;
});

afterAll(async () => {
  await w?.stop();
  await smtp?.close();
  await webhooks?.close();
});

async function call<T>(role: Role, method: string, path: string, body?: unknown) {
  const key = await createTestKey(w.services.prisma, { role, agencyCode: role === 'admin' ? '*' : w.agency });
  const res = await fetch(`${w.services.apiUrl}${path}`, {
    method,
    headers: { ...key.headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const type = res.headers.get('content-type') ?? '';
  const payload = type.includes('json') ? await res.json() : new Uint8Array(await res.arrayBuffer());
  return { status: res.status, type, body: payload as T };
}

const lettersOf = async (code: string) =>
  (await call<{ items: LetterView[] }>('supervisor', 'GET', `/v1/dossiers/${code}/letters`)).body.items;

// Generous: in a full run the letters consumer first works through other files' events.
const apologyOf = (code: string, status?: 'draft' | 'issued') =>
  eventually(
    async () => (await lettersOf(code)).find((l) => l.kind === 'apology' && (!status || l.status === status)),
    90_000,
  );

const stateOf = (code: string) =>
  w.services.temporal!.workflow.getHandle(workflowIdFor(code)).query(dossierStateQuery);

function expectFields(text: string, fields: string[]) {
  const flat = squash(text);
  for (const field of fields) expect(flat, `missing “${field}”`).toContain(squash(field));
}

/** A new appointment ten days from now at 09:00 Vietnam time. */
function newAppointment(): string {
  const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  return `${day}T09:00:00+07:00`;
}

describe('an overdue dossier without an apology', () => {
  let code: string;
  let draft: LetterView;
  let issued: LetterView;
  const reason = 'Cán bộ thụ lý phải xác minh thêm tại thôn Đắk Rơ Wừng; kết quả xác minh chưa được gửi về.';
  const newDueAt = newAppointment();

  it('gets a draft apology letter from the desk that held it, with a proposed new appointment', async () => {
    code = await receiveOverdueDossier(w, {
      applicant: { name: APPLICANT, email: 'ngoc-hang@dan.test' },
    });
    draft = await apologyOf(code, 'draft');
    const state = await stateOf(code);
    expect(draft).toMatchObject({
      dossierCode: code,
      status: 'draft',
      formId: 'tt03-2025/mau-04',
      ruleSet: 'tt03-2025',
      number: null,
      // Never handed off: the desk held it when it went late.
      faultParty: 'desk',
      issuingAgencyCode: w.agency,
    });
    // The original deadline's length again, from the overdue event (after the current due instant).
    expect(Date.parse(draft.proposedDueAt!)).toBeGreaterThan(Date.parse(state.dueAt));
    const pdf = await call<Uint8Array>('supervisor', 'GET', `/v1/letters/${draft.id}/pdf`);
    expect(pdf.type).toBe('application/pdf');
    expectFields((await extractPdf(pdf.body)).text, ['DỰ THẢO', APPLICANT, code]);
  });

  it('refuses a new appointment before the original one (422) and issues nothing', async () => {
    const res = await call<{ code: string; message: string }>(
      'supervisor',
      'POST',
      `/v1/letters/${draft.id}/issue`,
      {
        newDueAt: '2026-11-05T09:00:00+07:00',
        signer: { title: 'Giám đốc', name: 'Trần Thị Bích Ngọc' },
      },
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_due_date');
    expect(res.body.message).toContain('Ngày hẹn trả kết quả mới phải sau ngày hẹn ban đầu.');
    const letter = await call<LetterView>('supervisor', 'GET', `/v1/letters/${draft.id}`);
    expect(letter.body).toMatchObject({ status: 'draft', number: null });
    expect((await stateOf(code)).apology).toBeUndefined();
  });

  it('refuses a reason or signer with a bidi override (400 invalid_text) and issues nothing', async () => {
    const res = await call<{ code: string }>('supervisor', 'POST', `/v1/letters/${draft.id}/issue`, {
      reason: 'Chờ xác minh \u202Egnôc nâd',
      signer: { title: 'Giám đốc', name: 'Trần\u0000Bích' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_text');
    // Read back through the typed client: still a draft, nothing numbered.
    const client = createMotcuaClient({
      baseUrl: w.services.apiUrl!,
      token: (await createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.agency })).token,
    });
    expect(await client.letter(draft.id)).toMatchObject({ status: 'draft', number: null });
    expect((await client.letters(code)).items.map((l) => l.id)).toContain(draft.id);
  });

  it('is issued by the supervisor: numbered, final PDF with every field, the workflow moves the appointment once', async () => {
    const res = await call<LetterView>('supervisor', 'POST', `/v1/letters/${draft.id}/issue`, {
      reason,
      newDueAt,
      signer: { title: 'Giám đốc', name: 'Trần Thị Bích Ngọc' },
    });
    expect(res.status).toBe(200);
    issued = res.body;
    expect(issued).toMatchObject({ id: draft.id, status: 'issued', number: 1, reason });
    expect(Date.parse(issued.newDueAt!)).toBe(Date.parse(newDueAt));

    const state = await stateOf(code);
    expect(Date.parse(state.dueAt)).toBe(Date.parse(newDueAt));
    expect(state.apology).toMatchObject({ reason, faultParty: 'desk', signedBy: 'Trần Thị Bích Ngọc' });
    const originalDueAt = state.originalDueAt;

    const pdf = await call<Uint8Array>('supervisor', 'GET', `/v1/letters/${issued.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    const { text, sizes } = await extractPdf(pdf.body);
    expectFields(text, [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      DESK_NAME.toLocaleUpperCase('vi'),
      `Số: 1/PXL-${w.agency}`,
      `Đắk Lắk, ${vnDate(issued.issuedAt!)}`,
      'VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT',
      `Kính gửi: Ông/Bà ${APPLICANT}`,
      code,
      procedureName,
      `thời điểm tiếp nhận: ${vnDateTime(state.receivedAt)}`,
      `Thời gian hẹn trả kết quả giải quyết hồ sơ: ${vnDateTime(originalDueAt)}`,
      `Lý do: ${reason}`,
      `gia hạn thời gian giải quyết hồ sơ đến ${vnDateTime(newDueAt)}`,
      'GIÁM ĐỐC',
      'Trần Thị Bích Ngọc',
    ]);
    expect(squash(text)).not.toContain(squash('DỰ THẢO'));
    for (const ch of ['ắ', 'ặ', 'ễ', 'ượ', 'Đ']) expect(text).toContain(ch);
    expect(sizes).toEqual([[595.28, 841.89]]);

    // The event names the letter.
    const event = await eventually(() =>
      w.services.prisma.dossierEvent.findFirst({
        where: { dossierCode: code, type: 'dossier.apology_issued' },
      }),
    );
    expect((event.payload as { payload: { letterId?: string } }).payload.letterId).toBe(issued.id);
  });

  it('answers 409 to a second issue, and to the bare action once the apology exists, changing nothing', async () => {
    const before = await stateOf(code);
    const again = await call<{ code: string }>('supervisor', 'POST', `/v1/letters/${issued.id}/issue`, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('letter_already_issued');
    const bare = await call<{ code: string }>('supervisor', 'POST', `/v1/dossiers/${code}/issue-apology`, {
      reason: 'Lần hai',
      faultParty: 'desk',
      newDueAt: new Date(Date.parse(newDueAt) + 86_400_000).toISOString(),
    });
    expect(bare.status).toBe(409);
    expect(bare.body.code).toBe('apology_already_issued');
    const after = await stateOf(code);
    expect(after.dueAt).toBe(before.dueAt);
    expect(after.lastSeq).toBe(before.lastSeq);
    const letters = await lettersOf(code);
    expect(letters.filter((l) => l.kind === 'apology')).toHaveLength(1);
    expect(
      (
        await w.services.prisma.letterNumberSequence.findUnique({
          where: { agencyCode_year: { agencyCode: w.agency, year: issued.year! } },
        })
      )?.next,
    ).toBe(2);
  });

  it('still classifies late when the result comes before the new appointment', async () => {
    const admin = await w.as('admin', '*');
    const view = await admin.markResultReady(code, { resultKind: 'electronic' });
    expect(view.outcome).toBe('late');
  });

  it('told the applicant by email: received with the appointment, the apology with its PDF, the result', async () => {
    const forCode = () => mails.filter((m) => m.subject.includes(code));
    const byEmail = await eventually(async () => (forCode().length >= 3 ? forCode() : undefined), 60_000);
    const received = byEmail.find((m) => m.subject === `Hồ sơ ${code} đã được tiếp nhận`)!;
    expect(received.to).toBe('ngoc-hang@dan.test');
    expect(received.text).toContain(`Kính gửi Ông/Bà ${APPLICANT},`);
    expect(received.text).toContain('Ngày hẹn trả kết quả:');
    const delayed = byEmail.find((m) => m.subject.startsWith('Thư xin lỗi và hẹn lại ngày trả kết quả'))!;
    expect(delayed.text).toContain(`Ngày hẹn trả kết quả mới: ${vnDateTime(newDueAt)}.`);
    expect(delayed.text).toContain('Văn bản xin lỗi số 1 được gửi kèm thư này.');
    expect(delayed.attachments).toHaveLength(1);
    expect(delayed.attachments[0]!.contentType).toBe('application/pdf');
    expectFields((await extractPdf(new Uint8Array(delayed.attachments[0]!.content))).text, [reason]);
    expect(byEmail.some((m) => m.subject === `Hồ sơ ${code} đã có kết quả`)).toBe(true);
  });

  it('told the portal webhook too, signed, even though it was down at first', async () => {
    const forCode = () => hooks.filter((h) => h.body.includes(code));
    const got = await eventually(async () => (forCode().length >= 3 ? forCode() : undefined), 30_000);
    expect(webhooks.failures).toBeGreaterThanOrEqual(1);
    for (const h of got) {
      const ts = h.headers['motcua-timestamp'] as string;
      expect(h.headers['motcua-signature']).toBe(webhookSignature(WEBHOOK_SECRET, ts, h.body));
    }
    const kinds = got.map((h) => (JSON.parse(h.body) as { kind: string }).kind).sort();
    expect(kinds).toEqual(['delayed', 'received', 'result_ready']);
    // Each notice once, though the first attempt failed.
    const ids = got.map((h) => h.headers['motcua-notice-id']);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the bare issue-apology action', () => {
  it('issues the dossier’s apology letter too, numbered, with what the action said', async () => {
    const code = await receiveOverdueDossier(w, { applicant: { name: 'Lê Văn Tưởng' } });
    const draft = await apologyOf(code, 'draft');
    const newDueAt = newAppointment();
    const officer = await w.as('supervisor');
    await officer.issueApology(code, {
      reason: 'Hệ thống chữ ký số gặp sự cố.',
      faultParty: 'processing_agency',
      newDueAt,
      signedBy: 'Phạm Quốc Việt',
    });
    const letter = await apologyOf(code, 'issued');
    expect(letter).toMatchObject({
      id: draft.id,
      reason: 'Hệ thống chữ ký số gặp sự cố.',
      faultParty: 'processing_agency',
      signerName: 'Phạm Quốc Việt',
    });
    expect(letter.number).toBeGreaterThan(0);
    const pdf = await call<Uint8Array>('supervisor', 'GET', `/v1/letters/${letter.id}/pdf`);
    expectFields((await extractPdf(pdf.body)).text, [
      'Lê Văn Tưởng',
      'Hệ thống chữ ký số gặp sự cố.',
      vnDateTime(newDueAt),
    ]);
  });
});

describe('an issue whose API died after the workflow moved the appointment', () => {
  it('completes on retry: the letter issued once, the appointment moved once', async () => {
    const code = await receiveOverdueDossier(w, { applicant: { name: 'Bùi Thị Duyên' } });
    const draft = await apologyOf(code, 'draft');
    const newDueAt = newAppointment();
    const reason = 'Máy chủ gặp sự cố khi ban hành.';
    // What the first attempt did before dying: the Update (same id), no commit.
    await w.services
      .temporal!.workflow.getHandle(workflowIdFor(code))
      .executeUpdate(dossierUpdates.issueApology, {
        args: [
          {
            at: new Date().toISOString(),
            actor: { id: 'retry-test', role: 'supervisor', agencyCode: w.agency },
            reason,
            faultParty: 'desk',
            newDueAt,
            signedBy: 'Trần Thị Bích Ngọc',
            letterId: draft.id,
          },
        ],
        updateId: `letter-issue-${draft.id}`,
      });
    const before = await stateOf(code);
    await eventually(() =>
      w.services.prisma.dossierEvent.findFirst({
        where: { dossierCode: code, type: 'dossier.apology_issued' },
      }),
    );
    const retry = await call<LetterView>('supervisor', 'POST', `/v1/letters/${draft.id}/issue`, {
      reason,
      newDueAt,
      signer: { title: 'Giám đốc', name: 'Trần Thị Bích Ngọc' },
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id: draft.id, status: 'issued' });
    const after = await stateOf(code);
    expect(after.lastSeq).toBe(before.lastSeq);
    expect(after.dueAt).toBe(before.dueAt);
    expect((await lettersOf(code)).filter((l) => l.kind === 'apology')).toHaveLength(1);
  });
});

describe('a dossier received before 1 July 2025', () => {
  it('gets the Circular 01/2018 form: PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ', async () => {
    const code = await receiveOverdueDossier(w, { receivedAt: '2025-06-16T08:00:00+07:00' });
    const draft = await apologyOf(code, 'draft');
    expect(draft).toMatchObject({ formId: 'tt01-2018/mau-04', ruleSet: 'tt01-2018' });
    const pdf = await call<Uint8Array>('supervisor', 'GET', `/v1/letters/${draft.id}/pdf`);
    expectFields((await extractPdf(pdf.body)).text, ['PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ']);
  });
});

describe('the applicant email at intake', () => {
  it('is optional, and an invalid one answers 400 with nothing started', async () => {
    const code = uniqueCode('LE');
    const key = await createTestKey(w.services.prisma, { role: 'intake', agencyCode: w.agency });
    const res = await fetch(`${w.services.apiUrl}/v1/dossiers`, {
      method: 'POST',
      headers: { ...key.headers, 'content-type': 'application/json' },
      body: JSON.stringify(w.intake(code, { applicant: { name: 'Ngô Thị Lựu', email: 'không-phải-email' } })),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_request');
    const describe = await w.services
      .temporal!.workflow.getHandle(workflowIdFor(code))
      .describe()
      .catch(() => undefined);
    expect(describe).toBeUndefined();
  });
});

describe('a supplement request', () => {
  it('tells the applicant every item to bring', async () => {
    const code = uniqueCode('LS');
    await (await w.as('intake')).receive(
      w.intake(code, {
        receivedAt: new Date().toISOString(),
        applicant: { name: 'Hoàng Đức Lượng', email: 'duc-luong@dan.test' },
      }),
    );
    const officer = await w.as('officer');
    await officer.requestSupplement(code, {
      reason: 'Thiếu giấy xác nhận tình trạng hôn nhân.',
      items: ['Giấy xác nhận tình trạng hôn nhân', 'Bản sao căn cước của người đăng ký'],
    });
    const mail = await eventually(async () =>
      mails.find((m) => m.subject === `Hồ sơ ${code} cần bổ sung, hoàn thiện`),
    );
    expect(mail.to).toBe('duc-luong@dan.test');
    expect(mail.text).toContain('- Giấy xác nhận tình trạng hôn nhân\n- Bản sao căn cước của người đăng ký');
    expect(mail.text).toContain('Kính gửi Ông/Bà Hoàng Đức Lượng,');
  });
});

describe('a reported delay', () => {
  it('drafts the letter with the reported date and the reported party, before any timer', async () => {
    const code = uniqueCode('LD');
    const desk = await w.as('intake');
    await desk.receive(w.intake(code, { receivedAt: new Date().toISOString() }));
    const state = await stateOf(code);
    const proposedDueAt = new Date(Date.parse(state.dueAt) + 3 * 86_400_000).toISOString();
    const supervisor = await w.as('supervisor');
    await supervisor.reportDelay(code, {
      reason: 'Chờ ý kiến của Sở Tư pháp.',
      proposedDueAt,
      faultParty: 'processing_agency',
    });
    const draft = await apologyOf(code, 'draft');
    expect(draft).toMatchObject({ faultParty: 'processing_agency', reason: 'Chờ ý kiến của Sở Tư pháp.' });
    expect(Date.parse(draft.proposedDueAt!)).toBe(Date.parse(proposedDueAt));
  });
});

describe('Mẫu 01 and Mẫu 05 for each dossier', () => {
  it('serves the receipt (stored once) and the control slip from the same renderer', async () => {
    const code = await receiveOverdueDossier(w, { applicant: { name: 'Vũ Thị Ượng' } });
    await eventually(() => w.services.prisma.dossier.findUnique({ where: { code } }));
    const first = await call<Uint8Array>('intake', 'GET', `/v1/dossiers/${code}/receipt.pdf`);
    expect(first.status).toBe(200);
    expect(first.type).toBe('application/pdf');
    expectFields((await extractPdf(first.body)).text, [
      'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
      'Vũ Thị Ượng',
      code,
    ]);
    const second = await call<Uint8Array>('intake', 'GET', `/v1/dossiers/${code}/receipt.pdf`);
    expect(Buffer.from(second.body).equals(Buffer.from(first.body))).toBe(true);
    expect((await lettersOf(code)).filter((l) => l.kind === 'receipt')).toHaveLength(1);
    const slip = await call<Uint8Array>('intake', 'GET', `/v1/dossiers/${code}/control-slip.pdf`);
    expect(slip.type).toBe('application/pdf');
    expectFields((await extractPdf(slip.body)).text, [
      'PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ',
      'Tiếp nhận hồ sơ',
    ]);
  });

  it('hides a dossier’s letters from another agency', async () => {
    const code = await receiveOverdueDossier(w);
    const draft = await apologyOf(code, 'draft');
    const key = await createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.otherAgency });
    const res = await fetch(`${w.services.apiUrl}/v1/letters/${draft.id}/pdf`, { headers: key.headers });
    expect(res.status).toBe(404);
    const issue = await fetch(`${w.services.apiUrl}/v1/letters/${draft.id}/issue`, {
      method: 'POST',
      headers: { ...key.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(issue.status).toBe(404);
    const officer = await createTestKey(w.services.prisma, { role: 'officer', agencyCode: w.agency });
    const byOfficer = await fetch(`${w.services.apiUrl}/v1/letters/${draft.id}/issue`, {
      method: 'POST',
      headers: { ...officer.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ signer: { title: 'Giám đốc', name: 'Ai Đó' } }),
    });
    expect(byOfficer.status).toBe(403);
    expect((await apologyOf(code, 'draft')).status).toBe('draft');
  });
});

describe('backfilled history', () => {
  it('sends the applicant no notice for a migrated event, but does for a live one', async () => {
    const received = (code: string, backfilled: boolean) => ({
      id: `${code}:1`,
      dossierCode: code,
      workflowId: workflowIdFor(code),
      seq: 1,
      occurredAt: '2026-11-02T01:00:00.000Z',
      type: 'dossier.received',
      version: 1,
      ...(backfilled && { backfilled: true }),
      payload: {
        procedureCode: 'MAU-DANG-KY-KET-HON',
        agencyCode: w.agency,
        channel: 'direct',
        applicantName: 'Lý Thị Mười',
        receivedAt: '2026-11-02T01:00:00.000Z',
        dueAt: '2026-11-09T01:00:00.000Z',
        warningAt: '2026-11-06T01:00:00.000Z',
        calendarVersion: 'test',
        steps: [],
      },
    });
    const [migrated, live] = [uniqueCode('LB'), uniqueCode('LB')];
    for (const [code, backfilled] of [
      [migrated, true],
      [live, false],
    ] as const) {
      // Signed like a worker's: consumers read nothing else.
      await publishSignedEvent(
        w.services.nats.js,
        eventSigningKeys(testConfig(worldConfig)),
        received(code, backfilled) as DossierEvent,
        w.agency,
      );
    }
    await eventually(() =>
      w.services.prisma.applicantNotice.findFirst({ where: { dossierCode: live, channel: 'webhook' } }),
    );
    expect(await w.services.prisma.applicantNotice.count({ where: { dossierCode: migrated } })).toBe(0);
  });
});

describe('a letters process that stops mid-flight', () => {
  it('picks up after restart from its durable consumer: the draft and each notice once', async () => {
    await w.services.letters!.stop();
    const code = await receiveOverdueDossier(w, {
      applicant: { name: 'Trịnh Văn Đức', email: 'van-duc@dan.test' },
    });
    // Nothing happens while it is down.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await w.services.prisma.letter.count({ where: { dossierCode: code } })).toBe(0);
    w.services.letters = await startLettersConsumer({
      config: testConfig(worldConfig),
      logger: testLogger(),
      prisma: w.services.prisma,
      nats: w.services.nats,
      temporal: w.services.temporal!,
    });
    const draft = await apologyOf(code, 'draft');
    expect(draft.status).toBe('draft');
    const received = await eventually(async () =>
      mails.find((m) => m.subject === `Hồ sơ ${code} đã được tiếp nhận`),
    );
    expect(received.to).toBe('van-duc@dan.test');
    await new Promise((r) => setTimeout(r, 1000));
    expect(mails.filter((m) => m.subject.includes(code))).toHaveLength(1);
    expect(await w.services.prisma.letter.count({ where: { dossierCode: code } })).toBe(1);
  });
});

describe('a letters process that was down while a dossier went overdue and got its result', () => {
  it('drafts the apology after the restart as it would have on time (the decision reads the dossier as of the event)', async () => {
    await w.services.letters!.stop();
    const code = await receiveOverdueDossier(w);
    await eventually(async () => ((await stateOf(code)).overdue ? true : undefined));
    const officer = await w.as('officer');
    await officer.markResultReady(code, { resultKind: 'paper' });
    await eventually(async () => {
      const row = await w.services.prisma.dossier.findUnique({ where: { code } });
      return row?.status === 'result_ready' ? row : undefined;
    });
    w.services.letters = await startLettersConsumer({
      config: testConfig(worldConfig),
      logger: testLogger(),
      prisma: w.services.prisma,
      nats: w.services.nats,
      temporal: w.services.temporal!,
    });
    const draft = await apologyOf(code, 'draft');
    expect(draft.dossierCode).toBe(code);
    expect(await w.services.prisma.letter.count({ where: { dossierCode: code, kind: 'apology' } })).toBe(1);
  });
});

describe('redelivery', () => {
  it('replaying every event of its dossiers into a second letters consumer makes no second letter or notice', async () => {
    const prisma = w.services.prisma;
    // This file's dossiers (other files share the database).
    const codes = (
      await prisma.dossier.findMany({ where: { agencyCode: w.agency }, select: { code: true } })
    ).map((d) => d.code);
    expect(codes.length).toBeGreaterThan(3);
    const countLetters = () => prisma.letter.count({ where: { dossierCode: { in: codes } } });
    const countNotices = () => prisma.applicantNotice.count({ where: { dossierCode: { in: codes } } });
    // The file's own letters consumer may still be working through the previous test's events
    // (restarted there, it drafted the apology before the result's notice and its mail): count
    // once letters, notices and mails have not changed for 3 s.
    const counts = async () => [await countLetters(), await countNotices(), mails.length] as const;
    let [lettersBefore, noticesBefore, mailsBefore] = await counts();
    for (let unchanged = 0; unchanged < 3; ) {
      await new Promise((r) => setTimeout(r, 1000));
      const [letters, notices, sent] = await counts();
      const same = letters === lettersBefore && notices === noticesBefore && sent === mailsBefore;
      unchanged = same ? unchanged + 1 : 0;
      [lettersBefore, noticesBefore, mailsBefore] = [letters, notices, sent];
    }
    const durableName = `letters-replay-${process.pid}`;
    const replay = await startLettersConsumer({
      config: testConfig(),
      logger: testLogger(),
      prisma,
      nats: w.services.nats,
      temporal: w.services.temporal!,
      durableName,
      startSeq: fileStart, // every event of this file's dossiers
      dispatch: false,
    });
    try {
      const stream = testConfig().NATS_STREAM;
      await eventually(async () => {
        const group = await consumerGroupState(w.services.nats.jsm, stream, durableName);
        return group.caughtUp ? true : undefined;
      }, 60_000);
    } finally {
      await replay.stop();
      await deleteConsumerGroup(w.services.nats.jsm, testConfig().NATS_STREAM, durableName);
    }
    expect(await countLetters()).toBe(lettersBefore);
    expect(await countNotices()).toBe(noticesBefore);
    await new Promise((r) => setTimeout(r, 1000));
    expect(mails.length).toBe(mailsBefore);
  });
});
