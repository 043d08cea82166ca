import path from 'node:path';
import { type Config, loadConfig } from '../config';
import { createLogger, type Logger } from '../logger';

/** Options shared by every provisioning entry point. */
export interface InfraOptions {
  /** Cache, data and logs root; defaults to `config.MOTCUA_HOME` (`<repo>/.motcua`). */
  home?: string;
  logger?: Logger;
  /** Environment to read the config from (tests); defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Where progress lines of slow steps go (a Go build takes minutes); defaults to stderr. */
  progress?: (line: string) => void;
}

export interface InfraContext {
  home: string;
  logger: Logger;
  config: Config;
  env: Record<string, string | undefined>;
  progress: (line: string) => void;
}

/** Loggers already bound to `component: 'infra'`, so nested entry points do not bind it twice. */
const infraLoggers = new WeakSet<Logger>();

export function infraContext(opts: InfraOptions = {}): InfraContext {
  const env = opts.env ?? process.env;
  const config = loadConfig(env);
  let logger = opts.logger ?? createLogger('infra', config.LOG_LEVEL);
  if (!infraLoggers.has(logger)) {
    logger = logger.child({ component: 'infra' });
    infraLoggers.add(logger);
  }
  return {
    home: path.resolve(opts.home ?? config.MOTCUA_HOME),
    logger,
    config,
    env,
    progress: opts.progress ?? ((line) => process.stderr.write(`motcua infra: ${line}\n`)),
  };
}

/** Layout of `MOTCUA_HOME`. */
export const layout = {
  cache: (home: string) => path.join(home, 'cache'),
  bin: (home: string) => path.join(home, 'cache', 'bin'),
  locks: (home: string) => path.join(home, 'cache', 'locks'),
  testServer: (home: string) => path.join(home, 'cache', 'temporal-test-server'),
  sdkDownloads: (home: string) => path.join(home, 'cache', 'sdk-download'),
  provisionLogs: (home: string) => path.join(home, 'logs', 'provision'),
  logs: (home: string, run: string) => path.join(home, 'logs', run),
  devData: (home: string) => path.join(home, 'data', 'dev'),
};
