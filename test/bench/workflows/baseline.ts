/**
 * Bare-Temporal baseline of the intake benchmark: an empty workflow that answers one Update and
 * ends. Started and updated exactly as the API does with a dossier (start, then executeUpdate), on
 * the same server, so the ratio shows what motcua adds on top of Temporal itself.
 */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const pingUpdate = defineUpdate<{ ok: true }>('ping');

export async function benchEmptyWorkflow(): Promise<void> {
  let answered = false;
  setHandler(pingUpdate, () => {
    answered = true;
    return { ok: true } as const;
  });
  await condition(() => answered);
}
