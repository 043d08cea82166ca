import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';

/**
 * Where a running `motcua dev` says how to reach it, so CLI commands on the same machine
 * (`motcua keys create`, `catalogue import`, `db …`) work without copying a URL. Dev credentials
 * only: the file lives in MOTCUA_HOME and is removed when `motcua dev` stops.
 */
export interface DevStackInfo {
  pid: number;
  databaseUrl: string;
  apiUrl: string;
  temporalAddress: string;
  natsUrl: string;
}

const devStackFile = (home: string) => path.join(home, 'dev-stack.json');

/** Where `motcua dev` keeps its generated MOTCUA_PAYLOAD_KEYS (development only). */
export const devPayloadKeysFile = (home: string) => path.join(home, 'data', 'dev', 'payload-keys');

/** The dev stack's payload keys, when `motcua dev` generated them on this machine. */
export function readDevPayloadKeys(home: string): string | undefined {
  const file = devPayloadKeysFile(home);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

export function writeDevStack(home: string, info: DevStackInfo): void {
  writeFileSync(devStackFile(home), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export function removeDevStack(home: string): void {
  rmSync(devStackFile(home), { force: true });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The running dev stack of this MOTCUA_HOME, if any (a file left by a killed process is ignored). */
export function readDevStack(home = loadConfig().MOTCUA_HOME): DevStackInfo | undefined {
  const file = devStackFile(home);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as DevStackInfo;
    return alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The database a CLI command uses: DATABASE_URL when set, else the running `motcua dev` stack's
 * (said on stderr so nobody writes to a database by surprise), else undefined.
 */
export function cliDatabaseUrl(): string | undefined {
  const config = loadConfig();
  if (config.DATABASE_URL) return config.DATABASE_URL;
  const dev = readDevStack(config.MOTCUA_HOME);
  if (!dev) return undefined;
  process.stderr.write(`motcua: using the running \`motcua dev\` database (pid ${dev.pid})\n`);
  return dev.databaseUrl;
}
