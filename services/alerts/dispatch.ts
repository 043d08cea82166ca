import nodemailer from 'nodemailer';
import { type AlertKind, alertKindLabel } from '../../domain/alerts';
import { formatVietnamInstant } from '../../domain/calendar';
import type { Config } from '../config';
import type { Prisma, PrismaClient } from '../db';
import type { Logger } from '../logger';
import { type OutboxDispatcher, postSignedWebhook, startOutboxDispatcher } from '../outbox';
import { alertMessage } from './publish';
import type { AlertRow } from './store';

type DeliveryRow = Prisma.AlertDeliveryGetPayload<object>;

export { DELIVERY_BACKOFF_MS, webhookSignature } from '../outbox';

export interface Notifier {
  send(delivery: DeliveryRow, alert: AlertRow, secret: string | null): Promise<void>;
}

/** Vietnamese text of an alert email (also used by tests to know what to expect). */
export function alertEmail(alert: AlertRow, change: string, baseUrl?: string) {
  const label = alertKindLabel[alert.kind as AlertKind] ?? alert.kind;
  const details = (alert.details ?? {}) as { dueAt?: string; stepDueAt?: string; requestedAt?: string };
  const escalated = change === 'escalated';
  const subject = `[motcua] ${escalated ? `Chuyển cấp ${alert.level}: ` : ''}${label} — hồ sơ ${alert.dossierCode ?? ''}`;
  const lines = [
    escalated
      ? `Cảnh báo chưa được xác nhận nên được chuyển lên cấp trên (cấp ${alert.level}).`
      : 'Hệ thống motcua ghi nhận một cảnh báo cần lãnh đạo xử lý.',
    '',
    `Loại cảnh báo: ${label}`,
    `Mã hồ sơ: ${alert.dossierCode ?? '—'}`,
    `Cơ quan phải xử lý: ${alert.agencyCode ?? '—'}`,
    ...(details.dueAt ? [`Hạn giải quyết: ${formatVietnamInstant(new Date(details.dueAt))}`] : []),
    ...(details.stepDueAt
      ? [`Hạn của bước xử lý: ${formatVietnamInstant(new Date(details.stepDueAt))}`]
      : []),
    ...(details.requestedAt
      ? [`Yêu cầu bổ sung từ: ${formatVietnamInstant(new Date(details.requestedAt))}`]
      : []),
    `Thời điểm cảnh báo: ${formatVietnamInstant(alert.raisedAt)}`,
    '',
    alert.kind === 'overdue_without_apology'
      ? 'Hồ sơ đã quá hạn mà chưa có văn bản xin lỗi người dân: đề nghị ban hành ngay văn bản xin lỗi và hẹn lại ngày trả kết quả.'
      : 'Đề nghị kiểm tra và xác nhận cảnh báo.',
    ...(baseUrl ? ['', `Xem và xác nhận: ${baseUrl}/`] : []),
  ];
  return { subject, text: lines.join('\n') };
}

export function createNotifier(
  config: Pick<Config, 'SMTP_URL' | 'ALERT_EMAIL_FROM' | 'PUBLIC_BASE_URL'>,
  fetchImpl: typeof fetch = fetch,
): Notifier {
  const mailer = config.SMTP_URL ? nodemailer.createTransport(config.SMTP_URL) : undefined;
  return {
    async send(delivery, alert, secret) {
      if (delivery.channel === 'email') {
        if (!mailer) throw new Error('SMTP_URL is not set');
        const { subject, text } = alertEmail(alert, delivery.change, config.PUBLIC_BASE_URL);
        await mailer.sendMail({
          from: config.ALERT_EMAIL_FROM,
          to: delivery.target,
          subject,
          text,
          // Same id on a resend: mail systems drop the duplicate.
          messageId: `<${delivery.id}@motcua>`,
          headers: { 'X-Motcua-Alert-Id': alert.id },
        });
        return;
      }
      const body = JSON.stringify({
        deliveryId: delivery.id,
        ...alertMessage(alert, delivery.change as never),
      });
      await postSignedWebhook(delivery.target, body, {
        secret,
        headers: { 'motcua-delivery-id': delivery.id },
        fetchImpl,
      });
    },
  };
}

export interface DispatcherDeps {
  prisma: PrismaClient;
  notifier: Notifier;
  logger: Logger;
  intervalMs?: number;
}

/** Sends the alert outbox (services/outbox.ts: claims, retries with backoff, dead letters). */
export function startDispatcher({ prisma, notifier, logger, intervalMs }: DispatcherDeps): OutboxDispatcher {
  return startOutboxDispatcher({
    prisma,
    logger,
    intervalMs,
    table: 'alert_delivery',
    what: 'alert delivery',
    async load(id) {
      const d = await prisma.alertDelivery.findUnique({ where: { id } });
      if (d?.status !== 'pending') return null;
      const [alert, sub] = await Promise.all([
        prisma.alert.findUnique({ where: { id: d.alertId } }),
        prisma.alertSubscription.findUnique({ where: { id: d.subscriptionId } }),
      ]);
      return alert ? { ...d, alert, secret: sub?.secret ?? null } : null;
    },
    send: (d) => notifier.send(d, d.alert, d.secret),
    context: (d) => ({
      deliveryId: d.id,
      alertId: d.alertId,
      dossierCode: d.alert.dossierCode,
      channel: d.channel,
    }),
  });
}
