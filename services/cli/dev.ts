import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { dossierSearchAttributes } from '../../domain/search-attributes';
import { startServices } from '../app';
import { loadConfig } from '../config';
import { ADMIN_TOKEN_ID, createSignInLink, SIGN_IN_LINK_TTL_MS } from '../dashboard/session';
import { ensureAppRole, prepareDatabase } from '../db';
import { startStack } from '../infra';
import { onShutdown } from '../lifecycle';
import { createLogger } from '../logger';
import { generatePayloadKey } from '../payload-codec';
import { seedSampleReferenceData } from '../reference';
import { devPayloadKeysFile, removeDevStack, writeDevStack } from './dev-stack';

export function devCommand(): Command {
  return new Command('dev')
    .description(
      'Run the whole system on one machine: Temporal dev server, NATS JetStream, PostgreSQL\n' +
        '(embedded unless DATABASE_URL is set), worker, projector and API. Ctrl-C stops everything.',
    )
    .option('--no-sample', 'do not load the sample agencies and procedures')
    .action(async (opts: { sample: boolean }) => {
      // A person at a terminal reads short lines; a supervisor or a pipe gets JSON.
      process.env.LOG_FORMAT ??= process.stdout.isTTY ? 'pretty' : 'json';
      const base = loadConfig();
      const logger = createLogger('dev', base.LOG_LEVEL);
      const lifecycle = onShutdown(logger);
      console.error('motcua dev: starting Temporal, NATS and PostgreSQL (first run builds and caches them)…');
      const stack = await startStack({
        home: base.MOTCUA_HOME,
        logger,
        databaseUrl: base.DATABASE_URL,
        persistent: true,
        preferredPorts: true,
        searchAttributes: dossierSearchAttributes,
        handleSignals: false,
      });
      lifecycle.add('infrastructure', () => stack.stop());
      // The API needs a credential to be usable at all: without MOTCUA_ADMIN_TOKEN, one for this session only.
      const devAdminToken = base.MOTCUA_ADMIN_TOKEN
        ? undefined
        : `dev-${randomBytes(24).toString('base64url')}`;
      // The embedded PostgreSQL: migrations as its superuser, the app as a role that owns nothing.
      const appUrl = base.DATABASE_URL
        ? stack.databaseUrl
        : await ensureAppRole(stack.databaseUrl, 'motcua_app', randomBytes(18).toString('base64url'));
      const config = loadConfig({
        ...process.env,
        MOTCUA_ADMIN_TOKEN: base.MOTCUA_ADMIN_TOKEN ?? devAdminToken,
        MOTCUA_EVENT_SIGNING_KEYS:
          base.MOTCUA_EVENT_SIGNING_KEYS ??
          (await devSigningKeys(path.join(base.MOTCUA_HOME, 'data', 'dev'))),
        MOTCUA_PAYLOAD_KEYS: base.MOTCUA_PAYLOAD_KEYS ?? (await devPayloadKeys(base.MOTCUA_HOME)),
        DATABASE_URL: appUrl,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        NATS_URL: stack.natsUrl,
      });
      await prepareDatabase(config.DATABASE_URL!, logger, { ownerUrl: stack.databaseUrl });
      const services = await startServices(config, logger, {
        worker: true,
        projector: true,
        alerts: true,
        api: true,
      });
      lifecycle.add('services', () => services.stop());
      if (opts.sample) await seedSampleReferenceData(services.prisma);
      // Other CLI commands on this machine find the dev database by themselves (motcua keys create…).
      writeDevStack(base.MOTCUA_HOME, {
        pid: process.pid,
        databaseUrl: config.DATABASE_URL!,
        apiUrl: services.apiUrl ?? '',
        temporalAddress: stack.temporalAddress,
        natsUrl: stack.natsUrl,
      });
      lifecycle.add('dev-stack file', () => removeDevStack(base.MOTCUA_HOME));
      stopWithParent(() => lifecycle.shutdown('parent exited').then(() => process.exit(0)));
      // One click into the dashboard as the admin: a one-time link, valid for a few minutes.
      const signInLink = `${services.apiUrl}/dang-nhap/lien-ket/${await createSignInLink({ prisma: services.prisma }, ADMIN_TOKEN_ID)}`;
      console.log(
        [
          '',
          'motcua is running:',
          `  Dashboard    ${services.apiUrl}/`,
          `  Sign in      ${signInLink}`,
          `               (admin, one-time, valid ${SIGN_IN_LINK_TTL_MS / 60_000} minutes; later: sign in with the admin token or an API key)`,
          `  API          ${services.apiUrl}/v1`,
          `  OpenAPI docs ${services.apiUrl}/docs`,
          `  Temporal UI  ${stack.temporalUiUrl}`,
          `  Temporal     ${stack.temporalAddress}`,
          `  NATS         ${stack.natsUrl}`,
          `  PostgreSQL   ${redact(stack.databaseUrl)}`,
          `  Logs         ${stack.logDir}`,
          devAdminToken
            ? `  Admin token  ${devAdminToken}  (DEVELOPMENT ONLY: generated for this session; set MOTCUA_ADMIN_TOKEN to fix one)`
            : '  Admin token  the value of MOTCUA_ADMIN_TOKEN',
          'Every /v1 call needs "Authorization: Bearer <admin token or API key>". Get an API key',
          '  motcua keys create --role intake --agency X-AN-BINH --name "dev desk"   (finds this dev database)',
          'or over HTTP:',
          `  curl -s ${services.apiUrl}/v1/admin/keys -H "authorization: Bearer ${devAdminToken ?? '$MOTCUA_ADMIN_TOKEN'}" \\`,
          `    -H 'content-type: application/json' -d '{"role":"intake","agencyCode":"X-AN-BINH","name":"dev desk"}'`,
          'Press Ctrl-C to stop.',
        ].join('\n'),
      );
    });
}

/** A development signing key kept with the dev data, so events stay verifiable across restarts. */
async function devSigningKeys(dir: string): Promise<string> {
  const file = path.join(dir, 'event-signing-keys');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const keys = `dev:${randomBytes(32).toString('base64url')}`;
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${keys}\n`, { mode: 0o600 });
  return keys;
}

/**
 * The dev stack's payload encryption key, generated once and kept beside its data (the persistent
 * Temporal dev server's histories stay readable across restarts). `motcua audit replay` finds it
 * there too.
 */
async function devPayloadKeys(home: string): Promise<string> {
  const file = devPayloadKeysFile(home);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const keys = generatePayloadKey('dev1');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${keys}\n`, { mode: 0o600 });
  return keys;
}

/**
 * A process supervisor that stops `npm run dev` may kill npm (or its shell) and never signal us:
 * when the parent goes away we are re-parented, so stop everything then too.
 */
function stopWithParent(stop: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop();
    }
  }, 1000);
  timer.unref();
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
