import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerInfo } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import { alertDecision } from '../../domain/alerts';
import { COUNTERS, type Counts } from '../../domain/counters';
import { workflowIdFor } from '../../domain/dossier';
import type { DossierEvent } from '../../domain/events';
import { type RateKey, rate } from '../../domain/rates';
import type { PrismaClient } from '../../services/db';
import type { Nats } from '../../services/nats';
import { rebuildCounters, verifyChains } from '../../services/rates/audit';
import { rateReport } from '../../services/rates/query';
import { dossierStateQuery } from '../../workflows/definitions';
import { applicantEmailOf, expectedCounts, type PlannedDossier } from './dossier-paths';
import type { CaughtHook, CaughtMail } from './mail-fixtures';

/**
 * What must hold after any number of dossiers went through the system while it was being broken
 * (fault injection) or spread over several processes (scale-out). Each check states one rule; the
 * expected values come from the plan the test drove (test/integration/dossier-paths.ts), never from
 * what the projector wrote.
 */

export interface World {
  prisma: PrismaClient;
  temporal: Client;
  nats: Nats;
  stream: string;
  agencyCode: string;
  plan: readonly PlannedDossier[];
  /** Alert subscriptions of the agency: one email, one webhook. */
  subscriptions: { email: string; webhook: string; emailTarget: string };
  mails: readonly CaughtMail[];
  hooks: readonly CaughtHook[];
}

/** Consumer groups that must have nothing left to deliver once the system is quiet. */
export const CONSUMERS = ['projector', 'alerts', 'letters'];

/**
 * The durable consumers of a group: `<group>` itself (one consumer for the whole stream) or, with
 * the partitioned stream, `<group>-p<k>` and `<group>-legacy-…` (one per partition).
 */
export async function consumersOf(nats: Nats, stream: string, group: string): Promise<ConsumerInfo[]> {
  const out: ConsumerInfo[] = [];
  for await (const c of nats.jsm.consumers.list(stream)) {
    if (c.name === group || c.name.startsWith(`${group}-`)) out.push(c);
  }
  return out;
}

/** Deletes every durable consumer of a group: its next process starts again from the first message. */
export async function deleteConsumers(nats: Nats, stream: string, group: string): Promise<string[]> {
  const infos = await consumersOf(nats, stream, group);
  for (const c of infos) await nats.jsm.consumers.delete(stream, c.name);
  return infos.map((c) => c.name);
}

/**
 * Waits until the system is quiet: every workflow's events are in the read model, every consumer
 * has acknowledged everything, every alert delivery and applicant notice has been sent.
 */
export async function settle(w: World, timeoutMs = 300_000, consumers = CONSUMERS): Promise<void> {
  const codes = w.plan.map((p) => p.code);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const waiting: string[] = [];
    const heads = await w.prisma.dossier.findMany({
      where: { code: { in: codes } },
      select: { code: true, lastSeq: true, status: true },
    });
    const headOf = new Map(heads.map((h) => [h.code, h]));
    const unprojected = w.plan.filter((p) => headOf.get(p.code)?.status !== p.path.status).length;
    if (unprojected > 0) waiting.push(`${unprojected} dossiers not in their final state in the read model`);
    for (const group of consumers) {
      const infos = await consumersOf(w.nats, w.stream, group);
      const pending = infos.reduce((n, c) => n + c.num_pending + c.num_ack_pending, 0);
      if (infos.length === 0) waiting.push(`no ${group} consumer`);
      else if (pending > 0) waiting.push(`${group}: ${pending} messages not yet acknowledged`);
    }
    const unsentDeliveries = await w.prisma.alertDelivery.count({ where: { status: { not: 'sent' } } });
    if (unsentDeliveries > 0) waiting.push(`${unsentDeliveries} alert deliveries not sent`);
    const unsentNotices = await w.prisma.applicantNotice.count({ where: { status: { not: 'sent' } } });
    if (unsentNotices > 0) waiting.push(`${unsentNotices} applicant notices not sent`);
    if (waiting.length === 0) {
      // Let a late duplicate show itself before anything is counted.
      await sleep(1500);
      return;
    }
    last = waiting.join('; ');
    if (Date.now() > deadline) throw new Error(`the system did not settle: ${last}`);
    await sleep(1000);
  }
}

/** Every workflow reached the final state of its path; the read model shows the same. */
export async function expectFinalStates(w: World): Promise<Map<string, number>> {
  const lastSeqOf = new Map<string, number>();
  const states = await mapLimited(w.plan, 16, async ({ code }) =>
    w.temporal.workflow.getHandle(workflowIdFor(code)).query(dossierStateQuery),
  );
  const rows = await w.prisma.dossier.findMany({ where: { code: { in: w.plan.map((p) => p.code) } } });
  const rowOf = new Map(rows.map((r) => [r.code, r]));
  w.plan.forEach(({ code, path }, i) => {
    const state = states[i]!;
    expect({ code, status: state.status, outcome: state.result?.outcome }, path.name).toEqual({
      code,
      status: path.status,
      outcome: path.outcome,
    });
    const row = rowOf.get(code);
    expect({ code, status: row?.status, outcome: row?.outcome ?? undefined, lastSeq: row?.lastSeq }).toEqual({
      code,
      status: path.status,
      outcome: path.outcome,
      lastSeq: state.lastSeq,
    });
    lastSeqOf.set(code, state.lastSeq);
  });
  return lastSeqOf;
}

/**
 * Each event the workflows recorded is stored exactly once: ids `<code>:<seq>` for seq 1..lastSeq
 * with no gap or extra, one stream message each (JetStream kept one copy of every publish
 * retry), and every chain verifies through the code path of `motcua audit verify`.
 */
export async function expectEventsStoredOnce(
  w: World,
  lastSeqOf: Map<string, number>,
  streamMessagesBefore = 0,
): Promise<DossierEvent[]> {
  const codes = w.plan.map((p) => p.code);
  const rows = await w.prisma.dossierEvent.findMany({
    where: { dossierCode: { in: codes } },
    orderBy: [{ dossierCode: 'asc' }, { seq: 'asc' }],
  });
  const expectedTotal = [...lastSeqOf.values()].reduce((s, n) => s + n, 0);
  expect(rows).toHaveLength(expectedTotal);
  expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  expect(new Set(rows.map((r) => r.streamSeq)).size).toBe(rows.length);
  const byCode = new Map<string, string[]>();
  for (const r of rows) byCode.set(r.dossierCode, [...(byCode.get(r.dossierCode) ?? []), r.id]);
  for (const code of codes) {
    const n = lastSeqOf.get(code)!;
    expect(byCode.get(code)).toEqual(Array.from({ length: n }, (_, i) => `${code}:${i + 1}`));
  }
  // Published once each: no retry slipped past JetStream's deduplication.
  const info = await w.nats.jsm.streams.info(w.stream);
  expect(info.state.messages - streamMessagesBefore).toBe(expectedTotal);
  // `motcua audit verify`: every chain recomputed, no problem anywhere.
  const verdicts = await verifyChains(w.prisma);
  const problems = verdicts.flatMap((v) => v.problems);
  expect(problems).toEqual([]);
  expect(verdicts.filter((v) => codes.includes(v.dossierCode)).length).toBe(codes.length);
  return rows.map((r) => r.payload as unknown as DossierEvent);
}

/** Both the paths themselves and the event log say which types each dossier must have. */
export function expectPathEvents(w: World, events: readonly DossierEvent[]): void {
  const typesOf = new Map<string, string[]>();
  for (const e of events) typesOf.set(e.dossierCode, [...(typesOf.get(e.dossierCode) ?? []), e.type]);
  const once = (types: string[], t: string) => types.filter((x) => x === t).length;
  for (const { code, path } of w.plan) {
    const types = typesOf.get(code) ?? [];
    expect(types[0], code).toBe('dossier.received');
    expect(once(types, 'dossier.received'), code).toBe(1);
    const finals = path.status === 'returned' ? ['dossier.result_ready', 'dossier.result_returned'] : [];
    if (path.status === 'rejected') finals.push('dossier.rejected');
    if (path.status === 'withdrawn') finals.push('dossier.withdrawn');
    for (const t of finals) expect(once(types, t), `${code} ${t}`).toBe(1);
    expect(once(types, 'dossier.overdue'), code).toBe(path.counts.becameOverdue ?? 0);
  }
}

/**
 * Every counter of the agency, summed over all days, equals what the plan says; every rate equals
 * the one computed by hand from those counts; the rebuild from the event log (`motcua audit
 * rebuild-counters`) finds no difference.
 */
export async function expectCountersAndRates(w: World): Promise<void> {
  const expected = expectedCounts(w.plan);
  const report = await rateReport(w.prisma, {
    agency: w.agencyCode,
    from: '2026-01-01',
    to: '2030-12-31',
    backfilled: 'include',
  });
  const live: Partial<Counts> = {};
  for (const c of COUNTERS) live[c] = report.counts[c];
  expect(live).toEqual(expected);
  const resolved = expected.resolvedEarly + expected.resolvedOnTime + expected.resolvedLate;
  const received = expected.receivedDirect + expected.receivedOnline + expected.receivedPostal;
  const ratingsTotal =
    expected.rating1 + expected.rating2 + expected.rating3 + expected.rating4 + expected.rating5;
  // Every rate the report has (a Record over RateKey: a new rate does not compile until it is here).
  const byHand: Record<RateKey, ReturnType<typeof rate>> = {
    onTime: rate(expected.resolvedEarly + expected.resolvedOnTime, resolved),
    onTimeByDay: rate(expected.resolvedByDayEarly + expected.resolvedByDayOnTime, resolved),
    digitizedDossiers: rate(expected.receivedDigitized, received),
    digitizedResults: rate(expected.resolvedResultDigitized, resolved),
    electronicResults: rate(expected.resolvedElectronic, resolved),
    online: rate(expected.receivedOnline, received),
    onlinePayment: rate(expected.paidOnline, expected.paid),
    satisfaction: rate(expected.rating4 + expected.rating5, ratingsTotal),
    apologies: rate(expected.apologies, expected.resolvedLate),
  };
  expect(report.rates).toEqual(byHand);
  // Nothing left pending: every dossier resolved, rejected or withdrawn.
  expect(report.pending.atEnd).toEqual({ pending: 0, inTime: 0, overdue: 0 });
  expect(await rebuildCounters(w.prisma, '2026-01-01', '2030-12-31', { agencies: [w.agencyCode] })).toEqual(
    [],
  );
}

/**
 * Alerts: exactly the alerts the stored events call for (kind + source event), one row each, and
 * exactly the kinds each dossier's path raises (a dossier that crossed its due instant without an
 * apology: one `due_soon` and one `overdue_without_apology`; any other: none). Each alert has one delivery per
 * subscription, sent; the emails and webhook calls received are exactly those deliveries (a
 * resend after a kill only ever under the same Message-ID / Motcua-Delivery-Id).
 */
export async function expectAlertsExactlyOnce(w: World, events: readonly DossierEvent[]): Promise<void> {
  const codes = w.plan.map((p) => p.code);
  const wanted = new Set<string>();
  for (const e of events) {
    for (const a of alertDecision(e, { receivingAgencyCode: w.agencyCode }).raise)
      wanted.add(`${a.kind}|${a.sourceId}`);
  }
  const alerts = await w.prisma.alert.findMany({ where: { dossierCode: { in: codes } } });
  expect(alerts.map((a) => `${a.kind}|${a.sourceId}`).sort()).toEqual([...wanted].sort());
  // The same, written down by hand per path: no alert missing even if the rule above changed.
  const kindsOf = new Map<string, string[]>();
  for (const a of alerts) kindsOf.set(a.dossierCode!, [...(kindsOf.get(a.dossierCode!) ?? []), a.kind]);
  for (const { code, path } of w.plan) {
    expect((kindsOf.get(code) ?? []).sort(), code).toEqual([...path.alerts].sort());
  }
  const deliveries = await w.prisma.alertDelivery.findMany({
    where: { alertId: { in: alerts.map((a) => a.id) } },
  });
  const subs = [w.subscriptions.email, w.subscriptions.webhook].sort();
  for (const a of alerts) {
    const mine = deliveries.filter((d) => d.alertId === a.id);
    expect(mine.map((d) => [d.subscriptionId, d.change, d.level, d.status]).sort(), a.id).toEqual(
      subs.map((s) => [s, 'raised', 0, 'sent']).sort(),
    );
  }
  const all = await w.prisma.alertDelivery.findMany({
    where: { subscriptionId: { in: subs } },
  });
  const emailIds = all
    .filter((d) => d.subscriptionId === w.subscriptions.email)
    .map((d) => `<${d.id}@motcua>`);
  const hookIds = all.filter((d) => d.subscriptionId === w.subscriptions.webhook).map((d) => d.id);
  const alertMails = w.mails.filter((m) => m.to === w.subscriptions.emailTarget);
  expect(new Set(alertMails.map((m) => m.messageId))).toEqual(new Set(emailIds));
  expect(new Set(w.hooks.map((h) => h.deliveryId))).toEqual(new Set(hookIds));
  const planned = w.plan.reduce((n, p) => n + p.path.alerts.length, 0);
  expect({ emails: emailIds.length, webhooks: hookIds.length }).toEqual({
    emails: planned,
    webhooks: planned,
  });
}

/**
 * Letters and applicant notices: one Mẫu 04 apology per dossier that needed one (issued and
 * numbered when the path issued it), none elsewhere; one notice per notice-worthy event, each
 * sent, and the applicant's mailbox holds exactly those (by Message-ID).
 */
export async function expectLettersAndNotices(w: World): Promise<void> {
  const codes = w.plan.map((p) => p.code);
  const letters = await w.prisma.letter.findMany({ where: { dossierCode: { in: codes }, kind: 'apology' } });
  for (const { code, path } of w.plan) {
    const mine = letters.filter((l) => l.dossierCode === code);
    expect(mine.length, code).toBe(path.apologyLetter ? 1 : 0);
    if (path.apologyIssued) expect(mine[0]?.status, code).toBe('issued');
  }
  const issued = letters.filter((l) => l.status === 'issued');
  expect(new Set(issued.map((l) => `${l.issuingAgencyCode}/${l.year}/${l.number}`)).size).toBe(issued.length);

  const notices = await w.prisma.applicantNotice.findMany({ where: { dossierCode: { in: codes } } });
  for (const { code, path } of w.plan) {
    const mine = notices.filter((n) => n.dossierCode === code);
    expect(mine.length, code).toBe(path.notices);
    expect(
      mine.every((n) => n.status === 'sent' && n.channel === 'email'),
      code,
    ).toBe(true);
    const received = w.mails.filter((m) => m.to === applicantEmailOf(code));
    expect(new Set(received.map((m) => m.messageId)), code).toEqual(
      new Set(mine.map((n) => `<notice-${n.id}@motcua>`)),
    );
  }
}

/** All of the above, in order. */
export async function expectInvariants(w: World, streamMessagesBefore = 0): Promise<void> {
  const lastSeqOf = await expectFinalStates(w);
  const events = await expectEventsStoredOnce(w, lastSeqOf, streamMessagesBefore);
  expectPathEvents(w, events);
  await expectCountersAndRates(w);
  await expectAlertsExactlyOnce(w, events);
  await expectLettersAndNotices(w);
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
