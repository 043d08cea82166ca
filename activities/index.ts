import { createAlertActivities } from './alerts';
import { createDeadlineActivities, type DeadlineDeps } from './deadlines';
import { createEventActivities, type EventDeps } from './events';

export type ActivityDeps = DeadlineDeps & EventDeps & { prisma: DeadlineDeps['prisma'] };

/** All activities of the dossier task queue, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDeadlineActivities(deps),
    ...createEventActivities(deps),
    ...createAlertActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
