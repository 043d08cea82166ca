import { ApplicationFailure, patched } from '@temporalio/workflow';
import { dossierEventIssues } from '../domain/event-check';
import type { DossierEvent, DossierEventBody } from '../domain/events';
import { eventIdFor } from '../domain/ids';
import { applyEvent, type DossierState } from '../domain/lifecycle';
import { events } from './activities';
import { upsertDossierSearchAttributes } from './search-attributes';

export { eventBody } from '../domain/event-body';

/**
 * The dossier as the workflow holds it: its state, derived only from the events it emitted,
 * and an ordered outbox. Events get their sequence number (and `Nats-Msg-Id = <code>:<seq>`)
 * here, are applied at once and leave one at a time in sequence order.
 */
export class Dossier {
  state: DossierState | undefined;
  /** True while the admin backfill records history: live actions wait until it is done. */
  backfilling = false;
  private outbox: Promise<unknown> = Promise.resolve();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly code: string,
    readonly workflowId: string,
    carried?: DossierState,
  ) {
    this.state = carried;
  }

  /**
   * Emits and applies one event; resolves once it is published. The envelope records the workflow's
   * own time (`recordedAt`) and whether the admin backfill recorded it. An event that fails its
   * schema is refused here, before it touches the state (a non-retryable `invalid_event` failure),
   * instead of failing its publication forever. The check is domain/event-check.ts: the same
   * verdict as the zod catalogue (domain/events.ts), without zod in the workflow bundle.
   */
  emit(body: DossierEventBody, opts: { backfilled?: boolean } = {}): Promise<void> {
    const seq = (this.state?.lastSeq ?? 0) + 1;
    const stamped = patched('event-recorded-at');
    const event = {
      ...body,
      id: eventIdFor(this.code, seq),
      dossierCode: this.code,
      workflowId: this.workflowId,
      seq,
      version: 1,
      ...(stamped && { recordedAt: new Date(Date.now()).toISOString() }),
      ...(opts.backfilled && { backfilled: true }),
    } as DossierEvent;
    if (stamped) {
      const issues = dossierEventIssues(event);
      if (issues.length > 0) {
        throw ApplicationFailure.create({
          type: 'invalid_event',
          message: `event ${event.type} fails its schema: ${issues
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
          nonRetryable: true,
        });
      }
    }
    this.state = applyEvent(this.state, event);
    upsertDossierSearchAttributes(this.state);
    // The subject carries the receiving agency (older histories published without a route).
    const route = patched('event-subject-agency') ? [{ receivingAgencyCode: this.state.agencyCode }] : [];
    const published = this.outbox.then(() => events.publishDossierEvent(event, ...route));
    this.outbox = published;
    return published.then(() => undefined);
  }

  /** Resolves when every emitted event has been published. */
  async drained(): Promise<void> {
    await this.outbox;
  }

  /**
   * Runs transitions one after another: a handler that waits for an activity keeps the state
   * it validated against until it has emitted its event.
   */
  serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
