import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { nanos, headers as natsHeaders } from '@nats-io/nats-core';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventActivities, type Published } from '../../activities/events';
import { eventIdFor } from '../../domain/dossier';
import type { DossierEvent } from '../../domain/events';
import { DEFAULT_EVENT_PARTITIONS, partitionOf } from '../../domain/partitions';
import { startAlertsConsumer } from '../../services/alerts/consumer';
import { eventSigningKeys } from '../../services/config';
import { createPrisma, type PrismaClient } from '../../services/db';
import { publishSignedEvent } from '../../services/event-publisher';
import { parseSigningKeys, SIGNATURE_HEADER, signEvent } from '../../services/event-signature';
import { connectNats, consumerGroupState, deleteConsumerGroup, type Nats } from '../../services/nats';
import {
  PROJECTOR_BACKOFF_MS,
  PROJECTOR_MAX_ACK_PENDING,
  PROJECTOR_MAX_DELIVER,
  processMessage,
  type RunningProjector,
  releaseQuarantined,
  startProjector,
} from '../../services/projector';
import { connectTemporalClient } from '../../services/temporal';
import { receivingAgencyFromReadModel } from '../../services/worker';
import { received as receivedFixture, resultReady as resultReadyBody } from '../lifecycle/fixtures';
import { eventually, streamTail, testConfig, testLogger, uniqueCode } from './helpers';

/*
 * The event path on the real stack (JetStream + PostgreSQL): whatever arrives on the stream, the
 * projector never jams and never loses a dossier. What it cannot apply is kept raw in
 * `event_quarantine` with an operator alert; forged events never reach the read model.
 */

const config = testConfig();
const keys = eventSigningKeys(config);
const durableName = `event-path-${process.pid}`;
let prisma: PrismaClient;
let nats: Nats;
let projector: RunningProjector;

const received = (code: string, agencyCode = 'X-AN-BINH'): DossierEvent => {
  const e = receivedFixture();
  return {
    ...e,
    id: eventIdFor(code, 1),
    dossierCode: code,
    workflowId: `dossier-${code}`,
    payload: { ...e.payload, agencyCode },
  };
};
const later = (code: string, seq: number): DossierEvent =>
  ({
    ...resultReadyBody('2026-11-02T08:00:00.000Z'),
    id: eventIdFor(code, seq),
    dossierCode: code,
    workflowId: `dossier-${code}`,
    seq,
    version: 1,
  }) as DossierEvent;

/** Publishes exactly these bytes, signed with our key (or unsigned / with another key). */
async function publishRaw(
  subject: string,
  body: string,
  msgID: string,
  signer: 'ours' | 'none' | string = 'ours',
): Promise<number> {
  const h = natsHeaders();
  if (signer === 'ours') h.set(SIGNATURE_HEADER, signEvent(keys, subject, body));
  else if (signer !== 'none') h.set(SIGNATURE_HEADER, signEvent(parseSigningKeys(signer), subject, body));
  return (await nats.js.publish(subject, body, { msgID, headers: h })).seq;
}

/** As the workers publish: on the dossier's partition. */
const publish = (event: DossierEvent, agency = 'X-AN-BINH') =>
  publishSignedEvent(nats.js, keys, event, agency, { partitions: config.MOTCUA_EVENT_PARTITIONS });
const dossier = (code: string) => prisma.dossier.findUnique({ where: { code } });
const quarantined = (where: object) =>
  prisma.eventQuarantine.findMany({ where, orderBy: { streamSeq: 'asc' } });

beforeAll(async () => {
  prisma = createPrisma(config.DATABASE_URL!);
  nats = await connectNats(config, testLogger());
  projector = await startProjector({
    config,
    logger: testLogger(),
    prisma,
    nats,
    durableName,
    startSeq: await streamTail(nats.jsm),
  });
});

afterAll(async () => {
  await projector?.stop();
  if (nats) await deleteConsumerGroup(nats.jsm, config.NATS_STREAM, durableName);
  await nats?.close();
  await prisma?.$disconnect();
});

describe('the projector never jams on an event it cannot read', () => {
  it('quarantines an event of a newer version with an operator alert and holds the later events of that dossier', async () => {
    const code = uniqueCode('V2');
    await publish(received(code));
    await eventually(() => dossier(code));
    // A worker of the next release publishes a v2 event during a rolling deploy.
    const v2 = { ...later(code, 2), version: 2, payload: { shape: 'new' } };
    const subject = `dossier.X-AN-BINH.result_ready`;
    const v2Seq = await publishRaw(subject, JSON.stringify(v2), v2.id);
    await publish(later(code, 3));

    const rows = await eventually(async () => {
      const r = await quarantined({ dossierCode: code });
      return r.length === 2 ? r : undefined;
    });
    expect(rows.map((r) => [r.seq, r.reason, r.authentic])).toEqual([
      [2, 'unreadable', true],
      [3, 'held_behind_quarantined', true],
    ]);
    // Kept raw: the exact bytes, subject and signature header, for re-projection after the upgrade.
    expect(Buffer.from(rows[0]!.raw).toString('utf8')).toBe(JSON.stringify(v2));
    expect(rows[0]!.subject).toBe(subject);
    expect(JSON.stringify(rows[0]!.headers)).toContain('v1 keyId=test');
    const alerts = await prisma.alert.findMany({
      where: { dossierCode: code },
      orderBy: { raisedAt: 'asc' },
    });
    expect(alerts.map((a) => [a.kind, a.audience])).toEqual([
      ['event_quarantined', 'operator'],
      ['event_gap', 'operator'],
    ]);
    expect(alerts[0]!.sourceId).toBe(`${config.NATS_STREAM}:${v2Seq}`);
    expect((await dossier(code))?.lastSeq).toBe(1);

    // Nothing of that dossier stays unacknowledged: the next dossier goes straight through.
    const other = uniqueCode('V2-OK');
    await publish(received(other));
    await eventually(() => dossier(other), 10_000);
    await eventually(async () => {
      const group = await consumerGroupState(nats.jsm, config.NATS_STREAM, durableName);
      return group.numAckPending === 0 ? true : undefined;
    }, 10_000);
  });

  it('quarantines bytes that are not JSON at all', async () => {
    const code = uniqueCode('JUNK');
    const seq = await publishRaw('dossier.X-AN-BINH.received', '\u0000{not json', `${code}:1`);
    const [row] = await eventually(async () => {
      const r = await quarantined({ stream: config.NATS_STREAM, streamSeq: BigInt(seq) });
      return r.length ? r : undefined;
    });
    expect(row).toMatchObject({ reason: 'unreadable', detail: 'not JSON', authentic: true });
    expect(Buffer.from(row!.raw).toString('utf8')).toBe('\u0000{not json');
  });

  it('projects text PostgreSQL refuses (NUL, lone surrogate) with U+FFFD instead of retrying forever, and keeps the raw event', async () => {
    const code = uniqueCode('NUL');
    const event = received(code);
    (event as Extract<DossierEvent, { type: 'dossier.received' }>).payload.applicantName =
      'Nguyễn\u0000 Văn \ud800An';
    await publish(event);
    const row = await eventually(() => dossier(code));
    expect(row.applicantName).toBe('Nguyễn\uFFFD Văn \uFFFDAn');
    const [q] = await quarantined({ dossierCode: code });
    expect(q).toMatchObject({ reason: 'unstorable_text', resolution: 'projected_sanitized' });
    expect(q!.resolvedAt).not.toBeNull();
    expect(JSON.parse(Buffer.from(q!.raw).toString('utf8')).payload.applicantName).toBe(
      'Nguyễn\u0000 Văn \ud800An',
    );
    expect(await prisma.alert.count({ where: { dossierCode: code, kind: 'event_quarantined' } })).toBe(1);
    // The dossier keeps moving.
    await publish(later(code, 2));
    await eventually(async () => ((await dossier(code))?.lastSeq === 2 ? true : undefined));
  });

  it('keeps projecting other dossiers while 2,000 events wait for a missing predecessor', async () => {
    const info = await nats.jsm.consumers.info(config.NATS_STREAM, `${durableName}-p0`);
    expect(info.config).toMatchObject({
      max_ack_pending: PROJECTOR_MAX_ACK_PENDING,
      max_deliver: PROJECTOR_MAX_DELIVER,
    });
    expect(info.config.backoff?.length).toBeGreaterThan(1);

    // One dossier whose receipt never arrived: 2,000 events behind the gap, on their own agency's subjects.
    const stuckAgency = `STUCK-${process.pid}`;
    const stuck = uniqueCode('GAP');
    await Promise.all(Array.from({ length: 2000 }, (_, i) => publish(later(stuck, i + 2), stuckAgency)));
    try {
      // Another dossier, in another partition: its consumer is not even behind the stuck events.
      let code = uniqueCode('FLOW');
      while (
        partitionOf(code, config.MOTCUA_EVENT_PARTITIONS) ===
        partitionOf(stuck, config.MOTCUA_EVENT_PARTITIONS)
      )
        code = uniqueCode('FLOW');
      const t0 = Date.now();
      await publish(received(code));
      await eventually(() => dossier(code), 60_000);
      expect(Date.now() - t0).toBeLessThan(60_000);
      const after = await consumerGroupState(nats.jsm, config.NATS_STREAM, durableName);
      // The stuck ones still wait (undelivered yet, or delivered and unacknowledged), none lost.
      expect(after.numPending + after.numAckPending).toBeGreaterThanOrEqual(1000);
    } finally {
      // Leave the shared stream as we found it for the files that follow.
      await nats.jsm.streams.purge(config.NATS_STREAM, { filter: `dossier.${stuckAgency}.>` });
    }
  });

  it('brings an existing durable consumer with the old settings up to date at start', async () => {
    const name = `old-projector-${process.pid}`;
    await nats.jsm.consumers.add(config.NATS_STREAM, {
      durable_name: `${name}-p0`,
      filter_subject: 'dossier.*.*.0',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_ack_pending: 1000,
    });
    const upgraded = await startProjector({ config, logger: testLogger(), prisma, nats, durableName: name });
    try {
      const info = await nats.jsm.consumers.info(config.NATS_STREAM, `${name}-p0`);
      expect(info.config).toMatchObject({
        max_ack_pending: PROJECTOR_MAX_ACK_PENDING,
        max_deliver: PROJECTOR_MAX_DELIVER,
        backoff: PROJECTOR_BACKOFF_MS.map((ms) => nanos(ms)),
      });
    } finally {
      await upgraded.stop();
      await deleteConsumerGroup(nats.jsm, config.NATS_STREAM, name);
    }
  });

  it('sets an event aside as a gap at its last delivery instead of redelivering it forever', async () => {
    const code = uniqueCode('LAST');
    const event = later(code, 2);
    const body = JSON.stringify(event);
    const subject = 'dossier.X-AN-BINH.result_ready';
    const msg = {
      stream: config.NATS_STREAM,
      streamSeq: 9_000_000_000 + process.pid,
      subject,
      headers: { [SIGNATURE_HEADER]: [signEvent(keys, subject, body)] },
      data: Buffer.from(body),
      deliveryCount: 1,
    };
    expect(await processMessage({ prisma, keys }, msg)).toEqual({ action: 'nak', reason: 'out_of_order' });
    expect(await processMessage({ prisma, keys }, { ...msg, deliveryCount: 5 })).toEqual({
      action: 'nak',
      reason: 'out_of_order',
    });
    expect(await prisma.alert.count({ where: { kind: 'event_gap', sourceId: event.id } })).toBe(1);
    expect(await processMessage({ prisma, keys }, { ...msg, deliveryCount: PROJECTOR_MAX_DELIVER })).toEqual({
      action: 'term',
      quarantined: 'gap',
    });
    expect(await quarantined({ dossierCode: code })).toMatchObject([{ reason: 'gap', seq: 2 }]);

    // The missing receipt turns up; the operator releases the quarantined event (`motcua events release`).
    await publish(received(code));
    await eventually(() => dossier(code));
    expect(await releaseQuarantined(prisma, keys, { dossierCode: code })).toEqual({
      released: [event.id],
      remaining: 0,
    });
    expect(await dossier(code)).toMatchObject({ lastSeq: 2, status: 'result_ready' });
    expect(await quarantined({ dossierCode: code })).toMatchObject([{ resolution: 'projected' }]);
  });
});

describe('forged events never reach the read model', () => {
  it('quarantines a forged event published with the next message id, and the real event still gets through', async () => {
    const code = uniqueCode('FORGE');
    await publish(received(code));
    await eventually(() => dossier(code));
    // Someone on the network publishes "result ready, early" under the real event's id.
    const forged = {
      ...later(code, 2),
      payload: { ...(later(code, 2).payload as object), resultKind: 'paper' },
    };
    const forgedSeq = await publishRaw(
      'dossier.X-AN-BINH.result_ready',
      JSON.stringify(forged),
      forged.id,
      'none',
    );
    const [q] = await eventually(async () => {
      const r = await quarantined({ dossierCode: code });
      return r.length ? r : undefined;
    });
    expect(q).toMatchObject({ reason: 'unsigned', authentic: false, eventId: `${code}:2` });
    expect(
      await prisma.alert.count({
        where: { kind: 'event_quarantined', sourceId: `${config.NATS_STREAM}:${forgedSeq}` },
      }),
    ).toBe(1);

    // The worker's real publish finds its id taken by other bytes and goes out under a fallback id.
    const real = { ...later(code, 2) };
    const published = (await new MockActivityEnvironment().run(
      createEventActivities({ js: nats.js, signingKeys: keys }).publishDossierEvent,
      real,
      { receivingAgencyCode: 'X-AN-BINH' },
    )) as Published;
    expect(published.duplicate).toBe(false);
    const row = await eventually(async () => {
      const d = await dossier(code);
      return d?.lastSeq === 2 ? d : undefined;
    });
    expect(row.status).toBe('result_ready');
    const stored = await prisma.dossierEvent.findUniqueOrThrow({ where: { id: `${code}:2` } });
    expect(stored.payload).toEqual(JSON.parse(JSON.stringify(real)));
  });

  it('quarantines an event signed with a key it does not hold, or whose body was changed', async () => {
    const code = uniqueCode('MIS');
    const stranger = `test:${'x'.repeat(40)}`;
    await publishRaw('dossier.X-AN-BINH.received', JSON.stringify(received(code)), `${code}:1`, stranger);
    const subject = 'dossier.X-AN-BINH.received';
    const other = uniqueCode('MIS');
    const genuine = JSON.stringify(received(other));
    const h = natsHeaders();
    h.set(SIGNATURE_HEADER, signEvent(keys, subject, genuine));
    await nats.js.publish(subject, genuine.replace('Nguyễn Thị An', 'Kẻ Giả Mạo'), {
      msgID: `${other}:1`,
      headers: h,
    });
    const rows = await eventually(async () => {
      const r = await quarantined({ dossierCode: { in: [code, other] } });
      return r.length === 2 ? r : undefined;
    });
    expect(rows.map((r) => r.reason)).toEqual(['bad_signature', 'bad_signature']);
    expect(await dossier(code)).toBeNull();
    expect(await dossier(other)).toBeNull();
  });
});

describe('every consumer verifies signatures', () => {
  it('the alerts consumer quarantines a forged "overdue" instead of alerting supervisors', async () => {
    const code = uniqueCode('FAKE-OD');
    const startSeq = await streamTail(nats.jsm);
    await publish(received(code));
    await eventually(() => dossier(code));
    const temporal = await connectTemporalClient(config);
    const durable = `alerts-forged-${process.pid}`;
    const alerts = await startAlertsConsumer({
      config,
      logger: testLogger(),
      prisma,
      nats,
      temporal,
      durableName: durable,
      startSeq,
    });
    try {
      const forged = {
        id: eventIdFor(code, 2),
        dossierCode: code,
        workflowId: `dossier-${code}`,
        seq: 2,
        type: 'dossier.overdue',
        version: 1,
        occurredAt: '2026-11-10T01:00:00.000Z',
        payload: {
          dueAt: '2026-11-10T01:00:00.000Z',
          apologyIssued: false,
          agencyCode: 'X-AN-BINH',
          step: null,
        },
      };
      const seq = await publishRaw(
        'dossier.X-AN-BINH.overdue',
        JSON.stringify(forged),
        forged.id,
        `test:${'f'.repeat(40)}`,
      );
      await eventually(async () => {
        const group = await consumerGroupState(nats.jsm, config.NATS_STREAM, durable);
        return group.caughtUp ? true : undefined;
      }, 60_000);
      expect(await prisma.alert.count({ where: { dossierCode: code, audience: 'supervisor' } })).toBe(0);
      expect(await quarantined({ stream: config.NATS_STREAM, streamSeq: BigInt(seq) })).toMatchObject([
        { reason: 'bad_signature', authentic: false },
      ]);
    } finally {
      await alerts.stop();
      await deleteConsumerGroup(nats.jsm, config.NATS_STREAM, durable);
      await temporal.connection.close();
    }
  });
});

describe('subjects carry the receiving agency', () => {
  it("publishes on dossier.<receiving agency>.<kind>.<partition>, so one agency's events can be read alone", async () => {
    const code = uniqueCode('SUBJ');
    const activity = createEventActivities({ js: nats.js, signingKeys: keys }).publishDossierEvent;
    const run = (event: DossierEvent, route?: object) =>
      new MockActivityEnvironment().run(activity, event, route) as Promise<Published>;
    const first = await run(received(code, 'T-MAU')); // receipt: the agency is in the event
    const second = await run(later(code, 2), { receivingAgencyCode: 'T-MAU' });
    const msg = (seq: number) => nats.jsm.streams.getMessage(config.NATS_STREAM, { seq });
    const p = partitionOf(code, DEFAULT_EVENT_PARTITIONS);
    expect((await msg(first.streamSeq))?.subject).toBe(`dossier.T-MAU.received.${p}`);
    expect((await msg(second.streamSeq))?.subject).toBe(`dossier.T-MAU.result_ready.${p}`);
  });

  it('routes an event of a workflow that predates routed subjects by the read model, else on the legacy subject', async () => {
    const code = uniqueCode('OLD');
    const activity = createEventActivities({
      js: nats.js,
      signingKeys: keys,
      receivingAgencyOf: receivingAgencyFromReadModel(prisma),
    }).publishDossierEvent;
    const run = (event: DossierEvent) =>
      new MockActivityEnvironment().run(activity, event) as Promise<Published>;
    const unknown = await run(later(uniqueCode('NONE'), 2)); // no row: nothing to route by
    await run(received(code, 'T-MAU'));
    await eventually(() => dossier(code));
    const routed = await run(later(code, 2));
    const msg = (seq: number) => nats.jsm.streams.getMessage(config.NATS_STREAM, { seq });
    expect((await msg(unknown.streamSeq))?.subject).toBe('dossier.result_ready');
    expect((await msg(routed.streamSeq))?.subject).toBe(
      `dossier.T-MAU.result_ready.${partitionOf(code, DEFAULT_EVENT_PARTITIONS)}`,
    );
    await nats.jsm.streams.deleteMessage(config.NATS_STREAM, unknown.streamSeq); // it would wait for its receipt
  });

  it('still projects events on the legacy dossier.<kind> subjects', async () => {
    const code = uniqueCode('LEG');
    await publishSignedEvent(nats.js, keys, received(code), undefined);
    const stored = await nats.jsm.streams.getMessage(config.NATS_STREAM, {
      last_by_subj: 'dossier.received',
    });
    expect(stored?.json<DossierEvent>().dossierCode).toBe(code);
    await eventually(() => dossier(code));
  });
});
