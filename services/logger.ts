import { type Logger, pino } from 'pino';

export type { Logger };

/** The one logger factory. Child loggers carry `service`, and per dossier `dossierCode` and `workflowId`. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
