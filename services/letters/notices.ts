/**
 * Applicant notices: received (with the appointment), supplement needed (with the items),
 * delayed (with the apology letter), result ready. Each is an outbox row per dossier event and
 * channel (unique), written by the letters consumer and sent by `startNoticeDispatcher`
 * through a provider per channel (email, webhook; SMS or Zalo gateways plug in as providers).
 */
import { randomUUID } from 'node:crypto';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import nodemailer from 'nodemailer';
import { workflowIdFor } from '../../domain/dossier';
import type { DossierEvent } from '../../domain/events';
import { plainText, vnDateTime } from '../../domain/letters';
import type { Config } from '../config';
import type { Prisma, PrismaClient } from '../db';
import type { Logger } from '../logger';
import { type OutboxDispatcher, postSignedWebhook, startOutboxDispatcher } from '../outbox';
import { letterAgency, NotReadyYet, procedureName } from './apology';
import { loadLetterPdf } from './pdf-store';

export type NoticeKind = 'received' | 'supplement_needed' | 'delayed' | 'result_ready';
export type NoticeRow = Prisma.ApplicantNoticeGetPayload<object>;

export const NOTICE_KINDS: Partial<Record<DossierEvent['type'], NoticeKind>> = {
  'dossier.received': 'received',
  'dossier.supplement_requested': 'supplement_needed',
  'dossier.apology_issued': 'delayed',
  'dossier.result_ready': 'result_ready',
};

export interface NoticeText {
  subject: string;
  text: string;
  data: Record<string, unknown>;
}

interface NoticeFacts {
  dossierCode: string;
  applicantName: string;
  agencyName: string;
  procedureName: string;
}

/** The Vietnamese text of a notice (pure; tests read it here and in the received email). */
export function noticeText(
  event: DossierEvent,
  facts: NoticeFacts,
  letter?: { number: number | null; id: string },
): NoticeText | undefined {
  const code = plainText(facts.dossierCode);
  const head = [`Kính gửi Ông/Bà ${plainText(facts.applicantName)},`, ''];
  const foot = [
    '',
    `Mã hồ sơ: ${code}`,
    `Thủ tục: ${plainText(facts.procedureName)}`,
    '',
    plainText(facts.agencyName),
  ];
  const base = { dossierCode: facts.dossierCode };
  switch (event.type) {
    case 'dossier.received': {
      const p = event.payload;
      return {
        subject: `Hồ sơ ${code} đã được tiếp nhận`,
        text: [
          ...head,
          `${plainText(facts.agencyName)} đã tiếp nhận hồ sơ của Ông/Bà lúc ${vnDateTime(p.receivedAt)}.`,
          `Ngày hẹn trả kết quả: ${vnDateTime(p.dueAt)}.`,
          ...foot,
        ].join('\n'),
        data: { ...base, kind: 'received', receivedAt: p.receivedAt, dueAt: p.dueAt },
      };
    }
    case 'dossier.supplement_requested': {
      const p = event.payload;
      return {
        subject: `Hồ sơ ${code} cần bổ sung, hoàn thiện`,
        text: [
          ...head,
          `Hồ sơ của Ông/Bà cần được bổ sung, hoàn thiện. Lý do: ${plainText(p.reason)}`,
          'Các giấy tờ cần bổ sung:',
          ...p.items.map((item) => `- ${plainText(item)}`),
          'Thời gian giải quyết tạm dừng cho đến khi Ông/Bà nộp đủ hồ sơ bổ sung.',
          ...foot,
        ].join('\n'),
        data: { ...base, kind: 'supplement_needed', reason: p.reason, items: p.items },
      };
    }
    case 'dossier.apology_issued': {
      const p = event.payload;
      return {
        subject: `Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ ${code}`,
        text: [
          ...head,
          `${plainText(facts.agencyName)} thành thật xin lỗi Ông/Bà vì hồ sơ chưa được giải quyết đúng hạn (hẹn trả ${vnDateTime(p.originalDueAt)}).`,
          `Lý do: ${plainText(p.reason)}`,
          `Ngày hẹn trả kết quả mới: ${vnDateTime(p.dueAt)}.`,
          letter?.number
            ? `Văn bản xin lỗi số ${letter.number} được gửi kèm thư này.`
            : 'Văn bản xin lỗi được gửi kèm thư này.',
          ...foot,
        ].join('\n'),
        data: {
          ...base,
          kind: 'delayed',
          reason: p.reason,
          originalDueAt: p.originalDueAt,
          newDueAt: p.dueAt,
          ...(letter && { letterId: letter.id }),
        },
      };
    }
    case 'dossier.result_ready': {
      const p = event.payload;
      const how =
        p.resultKind === 'electronic'
          ? 'Kết quả điện tử đã được gửi vào tài khoản của Ông/Bà trên Cổng dịch vụ công.'
          : `Mời Ông/Bà đến ${plainText(facts.agencyName)} để nhận kết quả.`;
      return {
        subject: `Hồ sơ ${code} đã có kết quả`,
        text: [
          ...head,
          `Hồ sơ của Ông/Bà đã có kết quả giải quyết lúc ${vnDateTime(p.completedAt)}.`,
          how,
          ...foot,
        ].join('\n'),
        data: { ...base, kind: 'result_ready', resultKind: p.resultKind, completedAt: p.completedAt },
      };
    }
    default:
      return undefined;
  }
}

/** The applicant's email given at intake (kept in the workflow's memo, not in events). */
export async function applicantEmailOf(temporal: Client, code: string): Promise<string | undefined> {
  try {
    const { memo } = await temporal.workflow.getHandle(workflowIdFor(code)).describe();
    const email = memo?.applicantEmail;
    return typeof email === 'string' ? email : undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export interface NoticeDeps {
  prisma: PrismaClient;
  temporal: Client;
  config: Pick<Config, 'NOTICE_WEBHOOK_URL'>;
}

/**
 * Writes the notices of one dossier event (one per channel with a target); a redelivered event
 * finds them (unique event + channel). Returns how many rows this call created.
 */
export async function queueNotices(
  deps: NoticeDeps,
  event: DossierEvent,
  opts: { letterId?: string } = {},
): Promise<number> {
  const kind = NOTICE_KINDS[event.type];
  if (!kind) return 0;
  const { prisma } = deps;
  const email = await applicantEmailOf(deps.temporal, event.dossierCode);
  const targets = [
    ...(email ? [{ channel: 'email', target: email }] : []),
    ...(deps.config.NOTICE_WEBHOOK_URL
      ? [{ channel: 'webhook', target: deps.config.NOTICE_WEBHOOK_URL }]
      : []),
  ];
  if (targets.length === 0) return 0;
  const dossier = await prisma.dossier.findUnique({
    where: { code: event.dossierCode },
    select: { applicantName: true, agencyCode: true, procedureCode: true },
  });
  const received =
    event.type === 'dossier.received'
      ? event.payload
      : dossier && {
          applicantName: dossier.applicantName,
          agencyCode: dossier.agencyCode,
          procedureCode: dossier.procedureCode,
        };
  // Not projected yet: the consumer redelivers shortly.
  if (!received) throw new NotReadyYet(`dossier ${event.dossierCode} not in the read model yet`);
  const letter = opts.letterId
    ? await prisma.letter.findUnique({
        where: { id: opts.letterId },
        select: { id: true, number: true, status: true },
      })
    : undefined;
  // The issuing transaction commits just after the workflow's event: wait for its number.
  if (letter && letter.status !== 'issued') throw new NotReadyYet(`letter ${letter.id} not issued yet`);
  const [agency, procedure] = await Promise.all([
    letterAgency(prisma, received.agencyCode),
    procedureName(prisma, received.procedureCode),
  ]);
  const text = noticeText(
    event,
    {
      dossierCode: event.dossierCode,
      applicantName: received.applicantName,
      agencyName: agency.name,
      procedureName: procedure,
    },
    letter ?? undefined,
  );
  if (!text) return 0;
  const { count } = await prisma.applicantNotice.createMany({
    data: targets.map((t) => ({
      id: randomUUID(),
      dossierCode: event.dossierCode,
      eventId: event.id,
      kind,
      channel: t.channel,
      target: t.target,
      subject: text.subject,
      text: text.text,
      data: text.data as Prisma.InputJsonValue,
      letterId: letter?.id ?? null,
    })),
    skipDuplicates: true,
  });
  return count;
}

export interface NoticeAttachment {
  filename: string;
  content: Uint8Array;
  contentType: string;
}

/** One channel's way to reach an applicant (email, webhook; SMS, Zalo later). */
export interface NoticeProvider {
  send(notice: NoticeRow, attachments: NoticeAttachment[]): Promise<void>;
}
export type NoticeProviders = Partial<Record<string, NoticeProvider>>;

export function emailNoticeProvider(
  config: Pick<Config, 'SMTP_URL' | 'NOTICE_EMAIL_FROM'>,
): NoticeProvider | undefined {
  if (!config.SMTP_URL) return undefined;
  const mailer = nodemailer.createTransport(config.SMTP_URL);
  return {
    async send(notice, attachments) {
      await mailer.sendMail({
        from: config.NOTICE_EMAIL_FROM,
        to: notice.target,
        subject: notice.subject,
        text: notice.text,
        // Same id on a resend: mail systems drop the duplicate.
        messageId: `<notice-${notice.id}@motcua>`,
        headers: { 'X-Motcua-Notice-Id': notice.id, 'X-Motcua-Dossier': notice.dossierCode },
        attachments: attachments.map((a) => ({
          filename: a.filename,
          content: Buffer.from(a.content),
          contentType: a.contentType,
        })),
      });
    },
  };
}

/** Signed like alert webhooks: `motcua-signature: v1=HMAC-SHA256(secret, "<timestamp>.<body>")`. */
export function webhookNoticeProvider(
  config: Pick<Config, 'NOTICE_WEBHOOK_SECRET' | 'PUBLIC_BASE_URL'>,
  fetchImpl: typeof fetch = fetch,
): NoticeProvider {
  return {
    async send(notice) {
      const body = JSON.stringify({
        noticeId: notice.id,
        eventId: notice.eventId,
        kind: notice.kind,
        dossierCode: notice.dossierCode,
        subject: notice.subject,
        text: notice.text,
        data: notice.data,
        ...(notice.letterId && {
          letterPdf: `${config.PUBLIC_BASE_URL ?? ''}/v1/letters/${notice.letterId}/pdf`,
        }),
      });
      await postSignedWebhook(notice.target, body, {
        secret: config.NOTICE_WEBHOOK_SECRET,
        headers: { 'motcua-notice-id': notice.id },
        fetchImpl,
      });
    },
  };
}

export function createNoticeProviders(
  config: Pick<Config, 'SMTP_URL' | 'NOTICE_EMAIL_FROM' | 'NOTICE_WEBHOOK_SECRET' | 'PUBLIC_BASE_URL'>,
): NoticeProviders {
  const email = emailNoticeProvider(config);
  return { ...(email && { email }), webhook: webhookNoticeProvider(config) };
}

/**
 * Sends the notice outbox (services/outbox.ts: claims, retries with backoff, dead letters). A
 * delayed notice waits for its letter to be issued and carries the PDF.
 */
export function startNoticeDispatcher(deps: {
  prisma: PrismaClient;
  providers: NoticeProviders;
  logger: Logger;
  intervalMs?: number;
}): OutboxDispatcher {
  const { prisma, providers } = deps;

  const attachmentsOf = async (n: NoticeRow): Promise<NoticeAttachment[]> => {
    if (!n.letterId) return [];
    const letter = await prisma.letter.findUnique({
      where: { id: n.letterId },
      select: { status: true, pdfSha256: true, number: true },
    });
    if (letter?.status !== 'issued' || !letter.pdfSha256) throw new Error('letter not issued yet');
    const bytes = await loadLetterPdf(prisma, letter.pdfSha256);
    if (!bytes) throw new Error('letter PDF missing');
    return [
      { filename: `van-ban-xin-loi-${letter.number}.pdf`, content: bytes, contentType: 'application/pdf' },
    ];
  };

  return startOutboxDispatcher({
    prisma,
    logger: deps.logger,
    intervalMs: deps.intervalMs,
    table: 'applicant_notice',
    what: 'applicant notice',
    async load(id) {
      const n = await prisma.applicantNotice.findUnique({ where: { id } });
      return n?.status === 'pending' ? n : null;
    },
    async send(n) {
      const provider = providers[n.channel];
      if (!provider) throw new Error(`no provider for channel ${n.channel}`);
      await provider.send(n, await attachmentsOf(n));
    },
    context: (n) => ({ noticeId: n.id, dossierCode: n.dossierCode, kind: n.kind, channel: n.channel }),
  });
}
