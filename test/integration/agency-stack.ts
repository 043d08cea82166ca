import type { Client } from '@temporalio/client';
import { inject } from 'vitest';
import type { Role } from '../../domain/commands';
import { createMotcuaClient } from '../../services/api/client';
import { type RunningServices, startServices } from '../../services/app';
import { createLogger } from '../../services/logger';
import { connectTemporalClient } from '../../services/temporal';
import { type PrivateStack, startPrivateStack } from '../setup/private-stack';
import { createTestKey } from './auth-helpers';
import type { PlannedDossier } from './dossier-paths';
import type { World } from './invariants';
import {
  type MailCatcher,
  startMailCatcher,
  startWebhookCatcher,
  type WebhookCatcher,
} from './mail-fixtures';

/**
 * One receiving agency on a private stack, as the fault-injection and scale-out suites drive it:
 * the stack (test/setup/private-stack.ts; motcua roles are spawned by the test), the API in the
 * test process, a Temporal client, intake/officer/supervisor keys of the agency, an SMTP and a
 * webhook catcher, and one email and one webhook alert subscription of the agency. `world(plan)`
 * is what test/integration/invariants.ts checks.
 */
export interface AgencyStack {
  agencyCode: string;
  ps: PrivateStack;
  /** The API (and its Prisma client and NATS connection) in the test process. */
  api: RunningServices;
  apiUrl: string;
  temporal: Client;
  tokens: Partial<Record<Role, string>>;
  subscriptions: World['subscriptions'];
  smtp: MailCatcher;
  webhooks: WebhookCatcher;
  world(plan: readonly PlannedDossier[]): World;
  /** Stops everything started here and every process spawned on the stack (safe after a failed start). */
  stop(): Promise<void>;
}

export const AGENCY = 'X-AN-BINH';

export async function startAgencyStack(opts: {
  databaseName: string;
  /** Extra environment of the stack's config and of every spawned role. */
  config?: Record<string, string>;
}): Promise<AgencyStack> {
  const logger = createLogger('test', process.env.LOG_LEVEL ?? 'error');
  // Stopped in reverse order, also when the start fails half-way.
  const cleanup: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
    const smtp = await startMailCatcher();
    cleanup.push(() => smtp.close());
    const webhooks = await startWebhookCatcher();
    cleanup.push(() => webhooks.close());
    const ps = await startPrivateStack({
      databaseName: opts.databaseName,
      logger,
      eventSigningKeys: inject('stack').eventSigningKeys,
      payloadKeys: inject('stack').payloadKeys,
      config: { SMTP_URL: smtp.url, ...opts.config },
    });
    cleanup.push(() => ps.stop());
    const temporal = await connectTemporalClient(ps.config);
    cleanup.push(() => temporal.connection.close());
    const api = await startServices(ps.config, logger, { api: true });
    cleanup.push(() => api.stop());
    const apiUrl = api.apiUrl!;
    const tokens: Partial<Record<Role, string>> = {};
    for (const role of ['intake', 'officer', 'supervisor'] as const) {
      tokens[role] = (await createTestKey(api.prisma, { role, agencyCode: AGENCY })).token;
    }
    const admin = createMotcuaClient({
      baseUrl: apiUrl,
      token: (await createTestKey(api.prisma, { role: 'admin', agencyCode: '*' })).token,
    });
    const emailTarget = 'lanh-dao@an-binh.test';
    const subscriptions = {
      emailTarget,
      email: (await admin.subscribeAlerts({ agencyCode: AGENCY, channel: 'email', target: emailTarget })).id,
      webhook: (
        await admin.subscribeAlerts({
          agencyCode: AGENCY,
          channel: 'webhook',
          target: webhooks.url('/canh-bao'),
        })
      ).id,
    };
    return {
      agencyCode: AGENCY,
      ps,
      api,
      apiUrl,
      temporal,
      tokens,
      subscriptions,
      smtp,
      webhooks,
      world: (plan) => ({
        prisma: api.prisma,
        temporal,
        nats: api.nats,
        stream: ps.config.NATS_STREAM,
        agencyCode: AGENCY,
        plan,
        subscriptions,
        mails: smtp.mails,
        hooks: webhooks.hooks,
      }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
