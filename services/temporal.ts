import { Client, Connection } from '@temporalio/client';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { type Config, payloadKeys } from './config';
import type { Logger } from './logger';
import { payloadDataConverter } from './payload-codec';

/** The one Temporal client factory: encrypts applicant data with MOTCUA_PAYLOAD_KEYS (payload-codec.ts). */
export async function connectTemporalClient(
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> &
    Partial<Pick<Config, 'MOTCUA_PAYLOAD_KEYS' | 'NODE_ENV'>>,
): Promise<Client> {
  const dataConverter = temporalDataConverter(config);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(dataConverter && { dataConverter }),
  });
}

/** The data converter every client, worker and replayer of this deployment uses (same keys everywhere). */
export function temporalDataConverter(config: Partial<Pick<Config, 'MOTCUA_PAYLOAD_KEYS' | 'NODE_ENV'>>) {
  return payloadDataConverter(
    payloadKeys({
      MOTCUA_PAYLOAD_KEYS: config.MOTCUA_PAYLOAD_KEYS,
      NODE_ENV: config.NODE_ENV ?? 'development',
    }),
  );
}

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Routes the SDK's workflow/activity/worker logs into pino (once per process). */
export function installTemporalLogging(logger: Logger): void {
  if (Runtime.instantiator !== undefined) return;
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) =>
    logger[levels[level]]({ ...meta }, message);
  const bridge: TemporalLogger = {
    log: forward,
    trace: (m, meta) => forward('TRACE', m, meta),
    debug: (m, meta) => forward('DEBUG', m, meta),
    info: (m, meta) => forward('INFO', m, meta),
    warn: (m, meta) => forward('WARN', m, meta),
    error: (m, meta) => forward('ERROR', m, meta),
  };
  // Our own lifecycle orders shutdown (API, then worker, then infrastructure).
  Runtime.install({ logger: bridge, shutdownSignals: [] });
}
