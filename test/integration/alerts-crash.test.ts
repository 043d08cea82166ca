import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../services/config';
import { type GuardedProcess, spawnGuarded } from '../../services/infra';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { eventually, testConfig, uniqueCode } from './helpers';
import {
  type CaughtHook,
  type CaughtMail,
  type MailCatcher,
  startMailCatcher,
  startWebhookCatcher,
  type WebhookCatcher,
} from './mail-fixtures';

/*
 * Issue 9: "Kill the alerts process mid-flight: after restart nothing is lost and nothing is sent
 * twice". The alerts role runs as `motcua alerts` in a child process (under the infra guard, so it
 * never outlives this test) and is SIGKILLed while its emails are going out; worker, projector and
 * API stay in this process.
 */

const DOSSIERS = 15;
const children: GuardedProcess[] = [];
const logDir = mkdtempSync(path.join(tmpdir(), 'motcua-alerts-crash-'));
// Unique to this run: pending deliveries left by other runs in the shared database go elsewhere.
const target = `lanh-dao-${uniqueCode('KILL').toLowerCase()}@an-binh.test`;
let smtp: MailCatcher;
let webhooks: WebhookCatcher;
let mails: CaughtMail[];
let hooks: CaughtHook[];
let w: ApiWorld;
let emailSub: string;
let hookSub: string;

beforeAll(async () => {
  smtp = await startMailCatcher();
  webhooks = await startWebhookCatcher();
  mails = smtp.mails;
  hooks = webhooks.hooks;
  const hookUrl = webhooks.url('/motcua-kill');

  // No alerts role here: only the child process raises and sends alerts.
  w = await startApiWorld('alerts-kill');
  const admin = await w.as('admin', '*');
  emailSub = (await admin.subscribeAlerts({ agencyCode: w.agency, channel: 'email', target })).id;
  hookSub = (await admin.subscribeAlerts({ agencyCode: w.agency, channel: 'webhook', target: hookUrl })).id;
});

afterAll(async () => {
  await Promise.allSettled(children.map((c) => c.stop()));
  await w?.stop();
  await smtp?.close();
  await webhooks?.close();
});

/** `motcua alerts` as a child process, pointed at the shared test stack and this file's SMTP server. */
async function startAlerts(n: number): Promise<GuardedProcess> {
  const config = testConfig();
  const logFile = path.join(logDir, `alerts-${n}.log`);
  const proc = await spawnGuarded({
    name: `alerts-${n}`,
    logFile,
    command: process.execPath,
    args: [path.join(projectRoot, 'bin', 'motcua.js'), 'alerts'],
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: config.DATABASE_URL,
      NATS_URL: config.NATS_URL,
      NATS_STREAM: config.NATS_STREAM,
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      MOTCUA_EVENT_SIGNING_KEYS: config.MOTCUA_EVENT_SIGNING_KEYS,
      MOTCUA_PAYLOAD_KEYS: config.MOTCUA_PAYLOAD_KEYS,
      SMTP_URL: smtp.url,
    },
    stopSignal: 'SIGTERM',
    graceMs: 10_000,
  });
  children.push(proc);
  return proc;
}

const logOf = (n: number) => {
  try {
    return readFileSync(path.join(logDir, `alerts-${n}.log`), 'utf8').slice(-3000);
  } catch {
    return '';
  }
};

const overdueMailOf = (code: string) =>
  mails.filter(
    (m) => m.to === target && m.subject.includes(code) && m.subject.includes('Quá hạn mà chưa xin lỗi'),
  );

describe('alerts process killed mid-flight', () => {
  it('after a restart loses no alert and sends none twice (a resend keeps its Message-ID)', async () => {
    const { prisma } = w.services;
    const first = await startAlerts(1);
    const desk = await w.as('intake');
    // Each is past its due instant when received (due 9 Nov 2026): overdue at once.
    const codes = Array.from({ length: DOSSIERS }, () => uniqueCode('AK'));
    await Promise.all(codes.map((code) => desk.receive(w.intake(code))));

    // Kill as soon as the first of this world's emails is out: the rest are raised or queued.
    await eventually(async () => {
      if (!first.isRunning()) throw new Error(`alerts exited early:\n${logOf(1)}`);
      return mails.some((m) => m.to === target) ? true : undefined;
    }, 120_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logOf(1)}`);
    });
    process.kill(first.pid, 'SIGKILL');
    expect(await first.exited).toMatchObject({ code: 137 });
    const mailsAtKill = mails.filter((m) => m.to === target).length;
    const sentAtKill = await prisma.alertDelivery.count({
      where: { subscriptionId: { in: [emailSub, hookSub] }, status: 'sent' },
    });
    console.info(`alerts killed after ${mailsAtKill} emails received / ${sentAtKill} deliveries marked sent`);

    const second = await startAlerts(2);
    // A delivery claimed by the killed process comes back when its lease (60 s) runs out.
    const alerts = await eventually(async () => {
      if (!second.isRunning()) throw new Error(`restarted alerts exited:\n${logOf(2)}`);
      const rows = await prisma.alert.findMany({
        where: { dossierCode: { in: codes }, kind: 'overdue_without_apology' },
      });
      if (new Set(rows.map((a) => a.dossierCode)).size < codes.length) return undefined;
      const deliveries = await prisma.alertDelivery.findMany({
        where: { alertId: { in: rows.map((a) => a.id) } },
      });
      if (deliveries.length < rows.length * 2) return undefined;
      if (deliveries.some((d) => d.status !== 'sent')) return undefined;
      // And every other delivery to these subscriptions (e.g. the due_soon alerts raised first).
      const pending = await prisma.alertDelivery.count({
        where: { subscriptionId: { in: [emailSub, hookSub] }, status: { not: 'sent' } },
      });
      return pending === 0 ? rows : undefined;
    }, 200_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logOf(2)}`);
    });
    // Let any late duplicate show itself before counting.
    await new Promise((r) => setTimeout(r, 1500));

    // Exactly one overdue_without_apology alert per dossier.
    expect(alerts).toHaveLength(codes.length);
    expect(alerts.map((a) => a.dossierCode).sort()).toEqual([...codes].sort());

    // Exactly one delivery per (alert, subscription, change), each sent.
    const deliveries = await prisma.alertDelivery.findMany({
      where: { alertId: { in: alerts.map((a) => a.id) } },
    });
    expect(deliveries).toHaveLength(codes.length * 2);
    const keys = deliveries.map((d) => `${d.alertId}|${d.subscriptionId}|${d.change}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(deliveries.every((d) => d.status === 'sent')).toBe(true);
    for (const a of alerts) {
      expect(
        deliveries
          .filter((d) => d.alertId === a.id)
          .map((d) => [d.subscriptionId, d.change])
          .sort(),
      ).toEqual(
        [
          [emailSub, 'raised'],
          [hookSub, 'raised'],
        ].sort(),
      );
    }

    // Every dossier's email arrived.
    for (const code of codes) {
      const got = overdueMailOf(code);
      expect(got.length, code).toBeGreaterThanOrEqual(1);
      // Received more than once only as a resend: always under one and the same Message-ID.
      expect(new Set(got.map((m) => m.messageId)).size, code).toBe(1);
    }

    // Delivery is at least once: a row claimed by the killed process but not yet marked sent is
    // sent again after the restart. That resend carries the SAME Message-ID (`<delivery id@motcua>`;
    // a webhook the same Motcua-Delivery-Id), which is how receivers drop the duplicate. So a
    // Message-ID may repeat only as such a resend, and the distinct Message-IDs (and webhook
    // delivery ids) are exactly the delivery rows: nothing lost, nothing sent under a second id.
    const all = await prisma.alertDelivery.findMany({
      where: { subscriptionId: { in: [emailSub, hookSub] } },
    });
    expect(all.every((d) => d.status === 'sent')).toBe(true);
    const emailIds = all.filter((d) => d.subscriptionId === emailSub).map((d) => `<${d.id}@motcua>`);
    const hookIds = all.filter((d) => d.subscriptionId === hookSub).map((d) => d.id);
    const ourMails = mails.filter((m) => m.to === target);
    expect(new Set(ourMails.map((m) => m.messageId))).toEqual(new Set(emailIds));
    const ourHooks = hooks.filter((h) => hookIds.includes(h.deliveryId) || h.body.includes(w.agency));
    expect(new Set(ourHooks.map((h) => h.deliveryId))).toEqual(new Set(hookIds));
    // Only the overdue alerts' emails can repeat, and only those the killed process had in hand.
    const repeated = ourMails.length - new Set(ourMails.map((m) => m.messageId)).size;
    console.info(`${repeated} email(s) resent with the same Message-ID after the kill`);
    expect(repeated).toBeLessThanOrEqual(20);

    await second.stop();
  }, 300_000);
});
