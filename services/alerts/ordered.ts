import type { JsMsg } from '@nats-io/jetstream';

/**
 * Handles messages of different dossiers concurrently (at most `limit` at a time) and those of one
 * dossier one after another, in delivery order. A dossier's messages carry `Nats-Msg-Id =
 * <dossierCode>:<seq>`; without it the subject is the key. Each handler acks or naks its own
 * message, as before: JetStream acks are per message, so finishing out of order across dossiers is
 * fine, and a redelivery of a nak'd message is ordered exactly as it was with one handler at a time.
 *
 * Why: one slow step (a Temporal start, a database round trip under load) no longer holds up every
 * other dossier's alerts — the alert path's latency was dominated by this queue (issue 12, alerts).
 */
export function perDossier(
  handle: (m: JsMsg) => Promise<void>,
  limit: number,
): { handle: (m: JsMsg) => Promise<void>; drain: () => Promise<void> } {
  const tails = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();
  const keyOf = (m: JsMsg) => {
    const id = m.headers?.get('Nats-Msg-Id');
    const i = id ? id.lastIndexOf(':') : -1;
    return i > 0 ? id!.slice(0, i) : m.subject;
  };
  return {
    async handle(m) {
      while (running.size >= limit) await Promise.race(running);
      const key = keyOf(m);
      const run = (tails.get(key) ?? Promise.resolve()).then(() => handle(m)).catch(() => undefined);
      tails.set(key, run);
      running.add(run);
      void run.finally(() => {
        running.delete(run);
        if (tails.get(key) === run) tails.delete(key);
      });
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
