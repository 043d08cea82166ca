import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { type AlertKind, alertKindLabel } from '../../domain/alerts';
import { formatVietnamInstant } from '../../domain/calendar';
import type { Config } from '../config';
import type { Prisma, PrismaClient } from '../db';
import type { Logger } from '../logger';
import { alertMessage } from './publish';
import type { AlertRow } from './store';

type DeliveryRow = Prisma.AlertDeliveryGetPayload<object>;

/** Retry delays of a failing delivery; after the last it is `dead` (the dead-letter list). */
export const DELIVERY_BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];
/** A claimed delivery is invisible to other dispatchers this long (a crashed one's rows come back). */
const LEASE_MS = 60_000;

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

/** HMAC-SHA256 over `<timestamp>.<body>` with the subscription's secret (README: verifying webhooks). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
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
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await fetchImpl(delivery.target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'motcua-delivery-id': delivery.id,
          'motcua-timestamp': timestamp,
          ...(secret && { 'motcua-signature': webhookSignature(secret, timestamp, body) }),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    },
  };
}

export interface DispatcherDeps {
  prisma: PrismaClient;
  notifier: Notifier;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Sends the alert outbox: claims due rows (SKIP LOCKED, so several alerts processes share the
 * work), sends, marks them sent; a failure waits longer each time, then goes `dead`.
 */
export function startDispatcher({ prisma, notifier, logger, intervalMs = 500 }: DispatcherDeps) {
  const log = logger.child({ component: 'alert-dispatch' });
  let stopping = false;
  let wake: (() => void) | undefined;

  const claim = () =>
    prisma.$queryRaw<DeliveryRow[]>`
      UPDATE alert_delivery SET next_attempt_at = now() + ${`${LEASE_MS} milliseconds`}::interval
      WHERE id IN (
        SELECT id FROM alert_delivery
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED)
      RETURNING id, alert_id AS "alertId", change, level, subscription_id AS "subscriptionId", channel,
        target, status, attempts, next_attempt_at AS "nextAttemptAt", last_error AS "lastError",
        sent_at AS "sentAt", created_at AS "createdAt"`;

  const sendOne = async (d: DeliveryRow) => {
    const [alert, sub] = await Promise.all([
      prisma.alert.findUnique({ where: { id: d.alertId } }),
      prisma.alertSubscription.findUnique({ where: { id: d.subscriptionId } }),
    ]);
    const ctx = { deliveryId: d.id, alertId: d.alertId, dossierCode: alert?.dossierCode, channel: d.channel };
    if (!alert) return;
    try {
      await notifier.send(d, alert, sub?.secret ?? null);
      await prisma.alertDelivery.update({
        where: { id: d.id },
        data: { status: 'sent', sentAt: new Date(), attempts: d.attempts + 1, lastError: null },
      });
      log.info(ctx, 'alert delivered');
    } catch (err) {
      const attempts = d.attempts + 1;
      const dead = attempts > DELIVERY_BACKOFF_MS.length;
      const delay = DELIVERY_BACKOFF_MS[Math.min(attempts - 1, DELIVERY_BACKOFF_MS.length - 1)]!;
      await prisma.alertDelivery.update({
        where: { id: d.id },
        data: {
          attempts,
          status: dead ? 'dead' : 'pending',
          lastError: String((err as Error).message ?? err).slice(0, 1000),
          nextAttemptAt: new Date(Date.now() + delay),
        },
      });
      (dead ? log.error.bind(log) : log.warn.bind(log))(
        { ...ctx, attempts, err },
        dead ? 'alert delivery dead' : 'alert delivery failed, retrying',
      );
    }
  };

  const done = (async () => {
    while (!stopping) {
      try {
        const batch = await claim();
        await Promise.all(batch.map(sendOne));
        if (batch.length > 0) continue;
      } catch (err) {
        if (!stopping) log.error({ err }, 'dispatch round failed');
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, intervalMs).unref();
      });
    }
  })();

  return {
    /** Look now (a delivery was just written). */
    poke: () => wake?.(),
    stop: async () => {
      stopping = true;
      wake?.();
      await done;
    },
  };
}
