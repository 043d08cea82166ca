import type { Logger } from './logger';

type Stop = () => Promise<unknown> | unknown;

/**
 * Runs stop functions in reverse order of registration on SIGINT/SIGTERM (or when called),
 * once; a second Ctrl-C exits at once.
 */
export function onShutdown(logger: Logger) {
  const stops: { name: string; stop: Stop }[] = [];
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      for (const { name, stop } of [...stops].reverse()) {
        try {
          await stop();
        } catch (err) {
          logger.warn({ err, component: name }, 'error while stopping');
        }
      }
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    void shutdown(signal).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    add(name: string, stop: Stop) {
      stops.push({ name, stop });
    },
    shutdown,
  };
}
