import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * The one logger factory. Child loggers carry `service`, and per dossier `dossierCode` and
 * `workflowId`. JSON lines by default; `LOG_FORMAT=pretty` (set by `motcua dev` on a terminal)
 * prints short readable lines instead, so the banner is not buried.
 */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  format = process.env.LOG_FORMAT ?? 'json',
): Logger {
  const options = { level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format !== 'pretty') return pino(options);
  return pino(
    options,
    pretty({
      sync: true,
      colorize: process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,service,component',
      messageFormat: '{service}{if component}/{component}{end} {msg}',
      singleLine: true,
    }),
  );
}
