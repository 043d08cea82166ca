import type { JsMsg } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';
import type { DossierEvent } from '../../domain/events';
import { createCalendarStore } from '../calendars';
import { type Config, eventSigningKeys, ownedPartitions } from '../config';
import type { PrismaClient } from '../db';
import { readSignedEvent, streamMessageOf } from '../event-reader';
import type { Logger } from '../logger';
import {
  consumeAllUntilStopped,
  type Nats,
  openPartitionConsumers,
  redeliveringConsumerSettings,
} from '../nats';
import { draftApology, type LetterDeps, NotReadyYet, recordApologyLetter } from './apology';
import {
  createNoticeProviders,
  NOTICE_KINDS,
  type NoticeProviders,
  queueNotices,
  startNoticeDispatcher,
} from './notices';

export interface LettersConsumerDeps {
  config: Pick<
    Config,
    | 'NATS_STREAM'
    | 'MOTCUA_EVENT_SIGNING_KEYS'
    | 'LETTER_PROPOSED_EXTENSION_WORKING_DAYS'
    | 'SMTP_URL'
    | 'NOTICE_EMAIL_FROM'
    | 'NOTICE_WEBHOOK_URL'
    | 'NOTICE_WEBHOOK_SECRET'
    | 'PUBLIC_BASE_URL'
  > &
    Partial<Pick<Config, 'MOTCUA_EVENT_PARTITIONS' | 'ALERTS_PARTITIONS' | 'LETTERS_PARTITIONS'>>;
  logger: Logger;
  prisma: PrismaClient;
  nats: Nats;
  temporal: Client;
  durableName?: string;
  /** A new consumer group starts at this stream sequence instead of the stream's beginning. */
  startSeq?: number;
  /** Tests replace the channels' providers. */
  providers?: NoticeProviders;
  /** Off for a second consumer that only replays (its dispatcher would compete for nothing). */
  dispatch?: boolean;
}

export interface RunningLettersConsumer {
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Letters consumer (runs in the `motcua alerts` process): DOSSIER_EVENTS → draft apology letters
 * (delay reported, due soon or overdue without an apology), the issued letter of an apology made
 * with the bare action, and the applicant notices outbox. Every effect is idempotent (one
 * apology letter per dossier, one notice per event and channel), so redelivery changes nothing.
 */
export async function startLettersConsumer(deps: LettersConsumerDeps): Promise<RunningLettersConsumer> {
  const { config, prisma, nats, temporal, durableName = 'letters' } = deps;
  const log = deps.logger.child({ consumer: durableName });
  const consumers = await openPartitionConsumers(
    nats,
    config.NATS_STREAM,
    durableName,
    ownedPartitions(config, 'LETTERS_PARTITIONS'),
    redeliveringConsumerSettings(60_000),
    log,
    deps.startSeq,
  );
  const calendars = createCalendarStore(prisma);
  const letterDeps: LetterDeps = {
    prisma,
    temporal,
    calendarFor: (agencyCode) => calendars.forAgency(agencyCode),
    config,
  };
  const dispatcher =
    deps.dispatch === false
      ? undefined
      : startNoticeDispatcher({
          prisma,
          providers: deps.providers ?? createNoticeProviders(config),
          logger: log,
        });

  const apply = async (event: DossierEvent, backfilled: boolean) => {
    const ctx = { dossierCode: event.dossierCode, eventId: event.id };
    let letterId: string | undefined;
    switch (event.type) {
      case 'dossier.delay_reported':
      case 'dossier.due_soon':
      case 'dossier.overdue': {
        const draft = await draftApology(letterDeps, event);
        if (draft?.created) log.info({ ...ctx, letterId: draft.letterId }, 'draft apology letter made');
        break;
      }
      case 'dossier.apology_issued':
        letterId = await recordApologyLetter(letterDeps, event);
        break;
      default:
        break;
    }
    // A backfilled (migrated) event happened long ago: the applicant is not told again.
    if (NOTICE_KINDS[event.type] && !backfilled) {
      const queued = await queueNotices({ prisma, temporal, config }, event, letterId ? { letterId } : {});
      if (queued > 0) {
        dispatcher?.poke();
        log.info({ ...ctx, queued }, 'applicant notices queued');
      }
    }
  };

  const keys = eventSigningKeys(config);
  const handle = async (m: JsMsg) => {
    // Only events our workers signed: a forged one never drafts a letter or tells an applicant.
    const read = readSignedEvent(keys, streamMessageOf(m));
    if (!read.ok) {
      // The projector quarantines it and alerts operators; nothing to do here.
      log.warn({ streamSeq: m.seq, subject: m.subject, reason: read.reason }, 'dossier event skipped');
      m.term();
      return;
    }
    const event = read.event;
    try {
      await apply(event, event.backfilled === true);
      await m.ackAck();
    } catch (err) {
      const ctx = { dossierCode: event.dossierCode, eventId: event.id, err };
      if (err instanceof NotReadyYet) log.debug(ctx, 'letters handling waits, redelivering');
      else log.warn(ctx, 'letters handling failed, redelivering');
      m.nak(1_000);
    }
  };

  const loop = consumeAllUntilStopped(consumers, handle, log, 64);
  return {
    done: loop.done,
    stop: async () => {
      await loop.stop();
      await dispatcher?.stop();
    },
  };
}
