import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Deadlines come from the legal-time engine outside the workflow and are recorded in history. */
export const deadlines = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Publishing retries until NATS is back: an event must never be lost. */
export const events = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
