import type { JsMsg } from '@nats-io/jetstream';
import {
  type Client,
  type SignalDefinition,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import {
  type AlertDecision,
  alertDecision,
  type EscalationPolicy,
  escalationWorkingHours,
} from '../../domain/alerts';
import type { DossierEvent } from '../../domain/events';
import {
  alertEscalationWorkflow,
  alertSettledSignal,
  escalationWorkflowId,
  supplementReceivedSignal,
  supplementWatchWorkflow,
  supplementWatchWorkflowId,
} from '../../workflows/alerts';
import { type Config, eventSigningKeys, ownedPartitions } from '../config';
import type { PrismaClient } from '../db';
import { quarantineMessage } from '../event-quarantine';
import { readSignedEvent, streamMessageOf } from '../event-reader';
import type { Logger } from '../logger';
import {
  consumeAllUntilStopped,
  ensureAlertStream,
  type Nats,
  openPartitionConsumers,
  REDELIVERY_BACKOFF_MS,
  redeliveringConsumerSettings,
  redeliveryDelayMs,
} from '../nats';
import { createNotifier, type Notifier, startDispatcher } from './dispatch';
import { perDossier } from './ordered';
import { publishAlert } from './publish';
import { type AlertRow, closeAlerts, loadAgencies, raiseAlert } from './store';

export interface AlertsConsumerDeps {
  config: Pick<
    Config,
    | 'NATS_STREAM'
    | 'NATS_ALERT_STREAM'
    | 'NATS_DUPLICATE_WINDOW_HOURS'
    | 'TEMPORAL_TASK_QUEUE'
    | 'ALERT_ESCALATION_WORKING_HOURS'
    | 'ALERT_SUPPLEMENT_WAITING_WORKING_HOURS'
    | 'SMTP_URL'
    | 'ALERT_EMAIL_FROM'
    | 'PUBLIC_BASE_URL'
    | 'MOTCUA_EVENT_SIGNING_KEYS'
  > &
    Partial<Pick<Config, 'MOTCUA_EVENT_PARTITIONS' | 'ALERTS_PARTITIONS' | 'ALERTS_CONCURRENCY'>>;
  logger: Logger;
  prisma: PrismaClient;
  nats: Nats;
  temporal: Client;
  durableName?: string;
  /** A new consumer group starts at this stream sequence instead of the stream's beginning. */
  startSeq?: number;
  /** Tests replace the email/webhook sender. */
  notifier?: Notifier;
}

export interface RunningAlertsConsumer {
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Alerts consumer: DOSSIER_EVENTS → alert rows, `alerts.<agency>.<kind>` messages, escalation
 * clocks (Temporal) and the supplement watch. Every step is idempotent (unique alert per kind and
 * source event, message ids, workflow ids), so a redelivered event changes nothing.
 */
export async function startAlertsConsumer(deps: AlertsConsumerDeps): Promise<RunningAlertsConsumer> {
  const { config, prisma, nats, temporal, durableName = 'alerts' } = deps;
  const log = deps.logger.child({ consumer: durableName });
  await ensureAlertStream(nats.jsm, { ...config, NATS_STREAM_REPLICAS: nats.replicas });
  const consumers = await openPartitionConsumers(
    nats,
    config.NATS_STREAM,
    durableName,
    ownedPartitions(config, 'ALERTS_PARTITIONS'),
    redeliveringConsumerSettings(30_000),
    log,
    deps.startSeq,
  );
  const keys = eventSigningKeys(config);
  const policy: EscalationPolicy = config.ALERT_ESCALATION_WORKING_HOURS;
  const dispatcher = startDispatcher({
    prisma,
    notifier: deps.notifier ?? createNotifier(config),
    logger: log,
  });

  const startEscalation = async (alert: AlertRow) => {
    try {
      await temporal.workflow.start(alertEscalationWorkflow, {
        workflowId: escalationWorkflowId(alert.id),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        args: [
          {
            alertId: alert.id,
            kind: alert.kind as never,
            agencyCode: alert.agencyCode!,
            // The clock starts when the system raised it, not at the event's legal instant (a
            // migrated or late-projected overdue must not climb the hierarchy at once).
            raisedAt: new Date(Math.max(alert.raisedAt.getTime(), alert.createdAt.getTime())).toISOString(),
            workingHours: escalationWorkingHours(policy, alert.kind as never),
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  };

  const signal = async (workflowId: string, def: SignalDefinition<[]>) => {
    try {
      await temporal.workflow.getHandle(workflowId).signal(def);
    } catch (err) {
      // Already finished (escalated to the top, or the watch ended): nothing to stop.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  };

  const holdingAgency = async (event: DossierEvent): Promise<{ receiving: string; holding?: string }> => {
    if (event.type === 'dossier.received') return { receiving: event.payload.agencyCode };
    const row = await prisma.dossier.findUnique({
      where: { code: event.dossierCode },
      select: { agencyCode: true, currentAgencyCode: true },
    });
    const fromEvent =
      'agencyCode' in event.payload ? (event.payload.agencyCode as string | undefined) : undefined;
    const receiving = row?.agencyCode ?? fromEvent ?? '';
    return { receiving, holding: fromEvent ?? row?.currentAgencyCode ?? undefined };
  };

  const apply = async (event: DossierEvent, decision: AlertDecision, receiving: string) => {
    const ctx = { dossierCode: event.dossierCode, workflowId: event.workflowId, eventId: event.id };
    if (decision.raise.length > 0) {
      const agencies = await loadAgencies(prisma);
      for (const toRaise of decision.raise) {
        const { alert, created } = await raiseAlert(prisma, agencies, toRaise);
        // Published and started even when the row existed: a crash may have come in between;
        // the message id and the workflow id make the repeat a no-op.
        await publishAlert(nats.js, alert, 'raised');
        await startEscalation(alert);
        if (created) {
          dispatcher.poke();
          log.info(
            { ...ctx, alertId: alert.id, kind: alert.kind, agencyCode: alert.agencyCode },
            'alert raised',
          );
        }
      }
    }
    for (const close of decision.close) {
      for (const alert of await closeAlerts(prisma, close)) {
        await publishAlert(nats.js, alert, 'closed');
        await signal(escalationWorkflowId(alert.id), alertSettledSignal);
        log.info({ ...ctx, alertId: alert.id, kind: alert.kind, reason: close.reason }, 'alert closed');
      }
    }
    const watch = decision.supplementWatch;
    if (watch?.action === 'start') {
      const agencyCode = (await holdingAgency(event)).holding ?? receiving;
      await temporal.workflow.start(supplementWatchWorkflow, {
        workflowId: supplementWatchWorkflowId(event.dossierCode),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [
          {
            dossierCode: event.dossierCode,
            sourceId: watch.sourceId,
            requestedAt: watch.requestedAt,
            agencyCode,
            workingHours: config.ALERT_SUPPLEMENT_WAITING_WORKING_HOURS,
            escalationWorkingHours: escalationWorkingHours(policy, 'supplement_waiting'),
          },
        ],
      });
    } else if (watch?.action === 'end') {
      await signal(supplementWatchWorkflowId(event.dossierCode), supplementReceivedSignal);
    }
  };

  const handle = async (m: JsMsg) => {
    // Signed by our workers and readable, or quarantined (the same row and operator alert the
    // projector records for that message): a forged event never raises a supervisor alert.
    const msg = streamMessageOf(m);
    const read = readSignedEvent(keys, msg);
    if (!read.ok) {
      try {
        await quarantineMessage(prisma, msg, {
          reason: read.reason,
          detail: read.detail,
          ...read.envelope,
          authentic: read.reason === 'unreadable',
        });
        log.warn({ streamSeq: m.seq, subject: m.subject, reason: read.reason }, 'dossier event quarantined');
        m.term();
      } catch (err) {
        log.error({ streamSeq: m.seq, err }, 'could not quarantine, redelivering');
        m.nak(REDELIVERY_BACKOFF_MS.at(-1));
      }
      return;
    }
    const event = read.event;
    try {
      const agencies = await holdingAgency(event);
      const decision = alertDecision(event, {
        receivingAgencyCode: agencies.receiving,
        ...(agencies.holding && { holdingAgencyCode: agencies.holding }),
      });
      await apply(event, decision, agencies.receiving);
      await m.ackAck();
    } catch (err) {
      log.error(
        { dossierCode: event.dossierCode, eventId: event.id, err },
        'alert handling failed, redelivering',
      );
      m.nak(redeliveryDelayMs(m.info.deliveryCount));
    }
  };

  // Dossiers in parallel, each dossier's events in order (services/alerts/ordered.ts); one
  // dossier's events all come through one partition (or, before the upgrade, a legacy consumer).
  const ordered = perDossier(handle, config.ALERTS_CONCURRENCY ?? 8);
  const loop = consumeAllUntilStopped(consumers, ordered.handle, log, 256);
  return {
    done: loop.done,
    stop: async () => {
      await loop.stop();
      await ordered.drain();
      await dispatcher.stop();
    },
  };
}
