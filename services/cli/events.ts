/**
 * `motcua events …` — the operator's view of the dossier event path (DATABASE_URL, NATS_*).
 *
 *   events quarantine [--all] [--json]       messages set aside by the projector, with the reason
 *   events release [--dossier CODE]          re-project quarantined events of our workers (after an upgrade)
 *   events verify-chain [--dossier CODE...] [--against-stream]  recompute the hash chains, compare with the
 *                                            JetStream checkpoints (and every event with its stream message)
 *
 * verify-chain exits 1 when it finds a problem.
 */
import { Command } from 'commander';
import { verifyChainAnchors } from '../checkpoints';
import { eventSigningKeys, loadConfig } from '../config';
import { createPrisma } from '../db';
import { createLogger } from '../logger';
import { connectNats } from '../nats';
import { releaseQuarantined } from '../projector';

function database() {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  return { config, prisma: createPrisma(config.DATABASE_URL) };
}

export function eventsCommand(): Command {
  const events = new Command('events').description(
    'Dossier event path: quarantined messages, their release, and the hash-chain check',
  );
  events
    .command('quarantine')
    .description('List the messages the projector set aside (unresolved unless --all)')
    .option('--all', 'include resolved ones')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const { prisma } = database();
      try {
        const rows = await prisma.eventQuarantine.findMany({
          where: opts.all ? {} : { resolvedAt: null },
          orderBy: { streamSeq: 'asc' },
        });
        for (const r of rows) {
          const view = {
            stream: r.stream,
            streamSeq: Number(r.streamSeq),
            subject: r.subject,
            reason: r.reason,
            detail: r.detail,
            eventId: r.eventId,
            dossierCode: r.dossierCode,
            seq: r.seq,
            authentic: r.authentic,
            quarantinedAt: r.quarantinedAt.toISOString(),
            resolution: r.resolution,
          };
          console.log(
            opts.json
              ? JSON.stringify(view)
              : `${view.streamSeq}\t${view.reason}\t${view.eventId ?? '-'}\t${view.subject}\t${view.detail ?? ''}`,
          );
        }
        if (!opts.json) console.error(`${rows.length} message(s)`);
      } finally {
        await prisma.$disconnect();
      }
    });
  events
    .command('release')
    .description('Re-project the quarantined events signed by our workers that the current code can read')
    .option('--dossier <code>', 'only this dossier')
    .action(async (opts: { dossier?: string }) => {
      const { config, prisma } = database();
      try {
        const r = await releaseQuarantined(prisma, eventSigningKeys(config), { dossierCode: opts.dossier });
        console.log(
          `released ${r.released.length}: ${r.released.join(', ') || '-'}; still quarantined: ${r.remaining}`,
        );
      } finally {
        await prisma.$disconnect();
      }
    });
  events
    .command('verify-chain')
    .description(
      'Recompute every dossier hash chain and compare it with the chain heads published to JetStream',
    )
    .option('--dossier <code...>', 'only these dossiers')
    .option(
      '--against-stream',
      'also compare every stored event with its message in the event stream (slower)',
    )
    .action(async (opts: { dossier?: string[]; againstStream?: boolean }) => {
      const { config, prisma } = database();
      const nats = await connectNats(config, createLogger('events', config.LOG_LEVEL));
      try {
        const problems = await verifyChainAnchors(prisma, nats.jsm, config.NATS_STREAM, opts.dossier, {
          againstStream: opts.againstStream,
        });
        for (const p of problems) console.log(`${p.dossierCode}\t${p.problem}\t${p.detail}`);
        console.error(
          problems.length ? `${problems.length} problem(s)` : 'every chain matches its checkpoint',
        );
        if (problems.length) process.exitCode = 1;
      } finally {
        await nats.close();
        await prisma.$disconnect();
      }
    });
  return events;
}
