import { DeliverPolicy } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertSubject } from '../../domain/alerts';
import { startAlertsConsumer } from '../../services/alerts/consumer';
import { webhookSignature } from '../../services/alerts/dispatch';
import type { AlertMessage } from '../../services/alerts/publish';
import { MotcuaApiError } from '../../services/api/client';
import { consumerGroupState } from '../../services/nats';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { eventually, streamTail, testConfig, testLogger, uniqueCode } from './helpers';
import {
  type CaughtHook,
  type CaughtMail,
  type MailCatcher,
  startMailCatcher,
  startWebhookCatcher,
  type WebhookCatcher,
} from './mail-fixtures';

// The whole path from the legal clock to a person: overdue → alert row, SSE, NATS, email, webhook.
let smtp: MailCatcher;
let webhooks: WebhookCatcher;
let mails: CaughtMail[];
let hooks: CaughtHook[];
let w: ApiWorld;
let webhookSecret: string;

let fileStart: number;

beforeAll(async () => {
  smtp = await startMailCatcher();
  webhooks = await startWebhookCatcher();
  mails = smtp.mails;
  hooks = webhooks.hooks;
  w = await startApiWorld('alerts', {
    alerts: true,
    config: { SMTP_URL: smtp.url, ALERT_EMAIL_FROM: 'motcua <canh-bao@motcua.test>' },
  });
  fileStart = await streamTail(w.services.nats.jsm);
  const admin = await w.as('admin', '*');
  await admin.subscribeAlerts({ agencyCode: w.agency, channel: 'email', target: 'lanh-dao@an-binh.test' });
  const hook = await admin.subscribeAlerts({
    agencyCode: w.agency,
    channel: 'webhook',
    target: webhooks.url('/motcua'),
  });
  webhookSecret = hook.secret!;
});

afterAll(async () => {
  await w?.stop();
  await smtp?.close();
  await webhooks?.close();
});

/** A dossier whose due instant has already passed when the workflow starts: overdue at once. */
async function overdueDossier(): Promise<string> {
  const code = uniqueCode('AL');
  const desk = await w.as('intake');
  await desk.receive(w.intake(code));
  return code;
}

describe('a dossier that passes its due instant with no apology', () => {
  it('raises overdue_without_apology for its agency: API, SSE, NATS, email and a signed webhook', async () => {
    const supervisor = await w.as('supervisor');
    const nats = w.services.nats;
    const alertConsumer = await nats.js.consumers.get(testConfig().NATS_ALERT_STREAM, {
      filter_subjects: alertSubject(w.agency, 'overdue_without_apology'),
      deliver_policy: DeliverPolicy.New,
    });
    const onNats = await alertConsumer.consume();
    const natsSeen: AlertMessage[] = [];
    void (async () => {
      for await (const m of onNats) natsSeen.push(m.json<AlertMessage>());
    })();

    // SSE, opened before the dossier exists.
    const key = await import('./auth-helpers').then((m) =>
      m.createTestKey(w.services.prisma, { role: 'supervisor', agencyCode: w.agency }),
    );
    const sse = await fetch(`${w.services.apiUrl}/v1/alerts/stream`, { headers: key.headers });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = sse.body!.getReader();
    let sseText = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        sseText += new TextDecoder().decode(value);
      }
    })();

    const code = await overdueDossier();

    const alert = await eventually(async () => {
      const page = await supervisor.alerts({ dossier: code, kind: 'overdue_without_apology' });
      return page.items[0];
    });
    expect(alert).toMatchObject({ dossierCode: code, agencyCode: w.agency, level: 0, acknowledgedAt: null });
    expect(alert.label).toBe('Quá hạn mà chưa xin lỗi người dân');
    // Its escalation clock starts now, not at the (long past) due instant: it does not climb at once.
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      (await supervisor.alerts({ dossier: code, kind: 'overdue_without_apology' })).items[0]?.level,
    ).toBe(0);

    await eventually(async () =>
      sseText.includes(code) && sseText.includes('event: raised') ? true : undefined,
    );
    expect(sseText).toMatch(/^id: \d+$/m);

    const fromNats = await eventually(async () => natsSeen.find((m) => m.dossierCode === code));
    expect(fromNats).toMatchObject({ change: 'raised', kind: 'overdue_without_apology', id: alert.id });
    await onNats.close();

    const mail = await eventually(async () =>
      mails.find((m) => m.text.includes(code) && m.subject.includes('Quá hạn mà chưa xin lỗi')),
    );
    expect(mail.to).toBe('lanh-dao@an-binh.test');
    expect(mail.subject).toContain('Quá hạn mà chưa xin lỗi người dân');
    expect(mail.text).toContain(
      'Hồ sơ đã quá hạn mà chưa có văn bản xin lỗi người dân: đề nghị ban hành ngay',
    );
    expect(mail.text).toContain(`Mã hồ sơ: ${code}`);

    const hook = await eventually(async () =>
      hooks.find((h) => h.body.includes(code) && h.body.includes('overdue_without_apology')),
    );
    const ts = String(hook.headers['motcua-timestamp']);
    expect(hook.headers['motcua-signature']).toBe(webhookSignature(webhookSecret, ts, hook.body));
    expect(JSON.parse(hook.body)).toMatchObject({
      id: alert.id,
      kind: 'overdue_without_apology',
      dossierCode: code,
    });
    await reader.cancel().catch(() => undefined);
  });

  it('lets a supervisor of the agency acknowledge once; others cannot', async () => {
    const code = await overdueDossier();
    const supervisor = await w.as('supervisor');
    const alert = await eventually(
      async () => (await supervisor.alerts({ dossier: code, kind: 'overdue_without_apology' })).items[0],
    );

    const officer = await w.as('officer');
    await expect(officer.acknowledgeAlert(alert.id)).rejects.toMatchObject({
      status: 403,
      code: 'forbidden_role',
    });
    const stranger = await w.as('supervisor', w.otherAgency);
    await expect(stranger.acknowledgeAlert(alert.id)).rejects.toMatchObject({
      status: 404,
      code: 'alert_not_found',
    });
    expect((await stranger.alerts({ dossier: code })).items).toEqual([]);

    const acked = await supervisor.acknowledgeAlert(alert.id);
    expect(acked.acknowledgedAt).not.toBeNull();
    const again = await supervisor.acknowledgeAlert(alert.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(MotcuaApiError);
    expect(again).toMatchObject({ status: 409, code: 'alert_already_acknowledged' });
    expect(
      (await supervisor.alerts({ dossier: code, state: 'open' })).items.map((a) => a.kind),
    ).not.toContain('overdue_without_apology');
  });

  it('closes the open alerts when the result is ready', async () => {
    const code = await overdueDossier();
    const supervisor = await w.as('supervisor');
    await eventually(async () => (await supervisor.alerts({ dossier: code, state: 'open' })).items[0]);
    const officer = await w.as('officer');
    await officer.markResultReady(code, { resultKind: 'paper' });
    await eventually(async () => {
      const open = await supervisor.alerts({ dossier: code, state: 'open' });
      return open.items.length === 0 ? true : undefined;
    });
    const closed = await supervisor.alerts({ dossier: code, state: 'closed' });
    expect(closed.items.map((a) => [a.kind, a.closedReason]).sort()).toEqual([
      ['due_soon', 'overdue'],
      ['overdue_without_apology', 'result_ready'],
    ]);
  });
});

describe('redelivery', () => {
  it('replaying every event into a second alerts consumer raises no second alert, email or webhook', async () => {
    const code = await overdueDossier();
    const supervisor = await w.as('supervisor');
    await eventually(async () => mails.find((m) => m.text.includes(code)));
    // Everything the live consumer queued has gone out.
    await eventually(async () =>
      (await w.services.prisma.alertDelivery.count({ where: { status: 'pending' } })) === 0
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 500));
    const before = await w.services.prisma.alert.count();
    const deliveriesBefore = await w.services.prisma.alertDelivery.count();
    const mailsBefore = mails.length;
    const hooksBefore = hooks.length;

    const replay = await startAlertsConsumer({
      config: testConfig(),
      logger: testLogger(),
      prisma: w.services.prisma,
      nats: w.services.nats,
      temporal: w.services.temporal!,
      durableName: `alerts-replay-${process.pid}`,
      startSeq: fileStart, // every event of this file's dossiers
    });
    try {
      // The replay has caught up when its consumer has nothing pending.
      await eventually(async () => {
        const group = await consumerGroupState(
          w.services.nats.jsm,
          testConfig().NATS_STREAM,
          `alerts-replay-${process.pid}`,
        );
        return group.caughtUp ? true : undefined;
      }, 120_000);
      await new Promise((r) => setTimeout(r, 1500));
      const after = await w.services.prisma.alert.findMany({ orderBy: { createdAt: 'desc' }, take: 3 });
      expect(await w.services.prisma.alert.count(), JSON.stringify(after)).toBe(before);
      expect(await w.services.prisma.alertDelivery.count()).toBe(deliveriesBefore);
      expect(mails.length).toBe(mailsBefore);
      expect(hooks.length).toBe(hooksBefore);
      expect(
        (await supervisor.alerts({ dossier: code, kind: 'overdue_without_apology' })).items,
      ).toHaveLength(1);
    } finally {
      await replay.stop();
    }
  });
});
