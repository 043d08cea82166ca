/**
 * `motcua alerts …` beyond running the role: who hears about alerts (subscriptions) and what could
 * not be delivered (dead letters). Bad input exits 2 with a message, like the other commands.
 */
import { userInfo } from 'node:os';
import { Command } from 'commander';
import { supervisorAlertKinds } from '../../domain/alerts';
import {
  createSubscription,
  disableSubscription,
  listSubscriptions,
  UnknownAgencyError,
} from '../alerts/subscriptions';
import { alertSubscriptionBodySchema } from '../alerts/views';
import { createPrisma, type PrismaClient } from '../db';
import { cliDatabaseUrl } from './dev-stack';
import { cliIo } from './io';

export interface AlertsCliOptions {
  prisma?: () => PrismaClient;
  out?: (s: string) => void;
  err?: (s: string) => void;
}

function defaultPrisma(): PrismaClient {
  const url = cliDatabaseUrl();
  if (!url) throw new Error('DATABASE_URL is not set and no `motcua dev` is running on this machine');
  return createPrisma(url);
}

/** Subcommands of `motcua alerts` (the bare command runs the alerts role). */
export function alertsSubcommands(opts: AlertsCliOptions = {}): Command[] {
  const { out, configure, fail, parse } = cliIo('alerts', opts);
  const open = opts.prisma ?? defaultPrisma;
  const withDb = async <T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T> => {
    const prisma = open();
    try {
      return await fn(prisma);
    } finally {
      await prisma.$disconnect();
    }
  };

  const subscribe = configure(
    new Command('subscribe')
      .description(
        'Send an agency’s alerts (and those of the agencies below it) to an email address or a webhook; a webhook’s signing secret is printed once',
      )
      .requiredOption('--agency <code>', 'agency whose alerts are sent')
      .option('--email <address>', 'email address (or use --webhook)')
      .option('--webhook <url>', 'webhook URL (HMAC-SHA256 signed, see README)')
      .option('--kind <kind...>', `only these kinds (${supervisorAlertKinds.join(', ')}); default all`)
      .option('--own-agency-only', 'not the agencies below')
      .option('--json', 'print JSON'),
  );
  subscribe.action(
    async (o: {
      agency: string;
      email?: string;
      webhook?: string;
      kind?: string[];
      ownAgencyOnly?: boolean;
      json?: boolean;
    }) => {
      if (!o.email === !o.webhook) fail('give exactly one of --email or --webhook');
      const body = parse(alertSubscriptionBodySchema, {
        agencyCode: o.agency,
        channel: o.email ? 'email' : 'webhook',
        target: o.email ?? o.webhook,
        kinds: o.kind ?? [],
        includeSubtree: !o.ownAgencyOnly,
      });
      const created = await withDb((prisma) =>
        createSubscription(prisma, body, `cli:${userInfo().username}`).catch((err) => {
          if (err instanceof UnknownAgencyError) fail(err.message);
          throw err;
        }),
      );
      if (o.json) out(`${JSON.stringify(created, null, 2)}\n`);
      else {
        out(`subscription ${created.id}: ${created.channel} ${created.target} ← ${created.agencyCode}\n`);
        if (created.secret) out(`signing secret (shown once): ${created.secret}\n`);
      }
    },
  );

  const list = configure(
    new Command('subscriptions')
      .description('List alert subscriptions')
      .option('--agency <code>', 'only this agency’s')
      .option('--json', 'print JSON')
      .action(async (o: { agency?: string; json?: boolean }) => {
        const rows = await withDb((prisma) => listSubscriptions(prisma, o.agency));
        if (o.json) return out(`${JSON.stringify(rows, null, 2)}\n`);
        for (const r of rows) {
          const kinds = r.kinds.length > 0 ? r.kinds.join(',') : 'all kinds';
          out(
            `${r.id}  ${r.agencyCode}  ${r.channel}  ${r.target}  ${kinds}${r.disabledAt ? '  (disabled)' : ''}\n`,
          );
        }
      }),
  );

  const unsubscribe = configure(
    new Command('unsubscribe')
      .description('Disable an alert subscription')
      .argument('<id>', 'subscription id')
      .action(async (id: string) => {
        const view = await withDb((prisma) => disableSubscription(prisma, id));
        if (!view) fail(`no subscription ${id}`);
        out(`subscription ${id} disabled\n`);
      }),
  );

  const dead = configure(
    new Command('dead-letters')
      .description('Deliveries that failed after every retry (the dead-letter list)')
      .option('--json', 'print JSON')
      .action(async (o: { json?: boolean }) => {
        const rows = await withDb((prisma) =>
          prisma.alertDelivery.findMany({
            where: { status: 'dead' },
            orderBy: { createdAt: 'desc' },
            take: 200,
          }),
        );
        if (o.json) return out(`${JSON.stringify(rows, null, 2)}\n`);
        for (const r of rows)
          out(
            `${r.id}  alert ${r.alertId}  ${r.channel} ${r.target}  ${r.attempts}×  ${r.lastError ?? ''}\n`,
          );
      }),
  );
  return [subscribe, list, unsubscribe, dead];
}
