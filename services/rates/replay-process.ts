/**
 * One replayer process of `replayDossiersInProcesses` (services/rates/replay.ts), forked by it: it
 * receives its slice of the targets, the Temporal connection (payload keys included: over the IPC
 * channel, never argv or the environment) and the path of the bundle the parent built, fetches and
 * replays that slice, reports progress, then its outcome.
 */
import { createLogger } from '../logger';
import { connectTemporalClient, installTemporalLogging } from '../temporal';
import { type ReplayJob, type ReplayProcessMessage, replayDossiers } from './replay';

const send = (m: ReplayProcessMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(m, () => resolve());
  });

process.once('message', async (job: ReplayJob) => {
  installTemporalLogging(createLogger('audit-replay', process.env.LOG_LEVEL ?? 'warn'));
  try {
    const client = await connectTemporalClient(job.connect);
    try {
      let reported = 0;
      const outcome = await replayDossiers(client, job.targets, {
        workflowBundle: { codePath: job.bundlePath },
        ...(job.prefetch && { prefetch: job.prefetch }),
        onProgress: (done) => {
          // Every 10 histories: enough for the parent's progress line, few messages.
          if (done - reported >= 10 || done === job.targets.length) {
            reported = done;
            void send({ progress: done });
          }
        },
      });
      await send({ outcome });
    } finally {
      await client.connection.close();
    }
  } catch (err) {
    await send({ error: String((err as Error)?.stack ?? err) });
  }
  process.disconnect?.();
});
