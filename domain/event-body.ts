import type { DossierEventBody, DossierEventOf, DossierEventType } from './events';

/**
 * A decided event, before its envelope: what an action or timer wants to happen. Zod-free (the
 * schemas are domain/events.ts): actions and workflows import it.
 */
export const eventBody = <T extends DossierEventType>(
  type: T,
  occurredAt: string,
  payload: DossierEventOf<T>['payload'],
): DossierEventBody => ({ type, occurredAt, payload }) as DossierEventBody;
