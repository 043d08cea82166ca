import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Deadlines come from the legal-time engine outside the workflow and are recorded in history. */
export const deadlines = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * The receipt's plan (due instant, steps) as a local activity (since `intake-plan-local-activity`):
 * it runs inside the workflow task that started the dossier, so the intake's Update is answered
 * from that one task instead of after an activity task and a second workflow task. Same timeout and
 * retries as `deadlines`; its result is recorded in history all the same.
 */
export const localDeadlines = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Publishing retries until NATS is back: an event must never be lost. */
export const events = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
