import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { subjectToken } from '../domain/events';
import type { PrismaClient } from './db';
import { storableJson } from './event-quarantine';
import { canonicalJson, chainHash, GENESIS_HASH } from './eventlog';
import type { Logger } from './logger';
import type { JetStreamManager, Nats } from './nats';

/*
 * The hash chain of `dossier_event` proves only that PostgreSQL was not edited after projection by
 * someone who could not recompute it. Anchor: after committing, the projector publishes each
 * touched dossier's chain head (seq, hash) to the JetStream stream `<NATS_STREAM>_CHECKPOINTS`
 * (subject `checkpoint.<NATS_STREAM>.<dossier code token>`, the last head per dossier kept), which
 * only the projector may write. `verifyChainAnchors` recomputes every chain and compares it with
 * the heads: a table rewritten even with recomputed hashes differs from its checkpoint.
 */

export interface ChainHead {
  dossierCode: string;
  seq: number;
  hash: string;
}

export const checkpointStream = (eventStream: string) => `${eventStream}_CHECKPOINTS`;
export const checkpointSubject = (eventStream: string, dossierCode: string) =>
  `checkpoint.${eventStream}.${subjectToken(dossierCode)}`;

/** How often the latest heads are published (a batch per interval, one message per dossier). */
const FLUSH_EVERY_MS = 1000;

export async function ensureCheckpointStream(
  jsm: JetStreamManager,
  eventStream: string,
  replicas = 1,
): Promise<void> {
  const name = checkpointStream(eventStream);
  try {
    await jsm.streams.info(name);
  } catch {
    await jsm.streams.add({
      name,
      subjects: [`checkpoint.${eventStream}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs_per_subject: 1,
      num_replicas: replicas,
    });
  }
}

export interface CheckpointPublisher {
  applied(head: ChainHead): void;
  /** Publishes what is pending now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Collects applied heads and publishes the latest per dossier every second (and on stop). */
export async function startCheckpointPublisher(
  nats: Nats,
  eventStream: string,
  log: Logger,
): Promise<CheckpointPublisher> {
  await ensureCheckpointStream(nats.jsm, eventStream, nats.replicas);
  let pending = new Map<string, ChainHead>();
  let flushing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    flushing = flushing.then(async () => {
      const batch = pending;
      pending = new Map();
      for (const head of batch.values()) {
        try {
          await nats.js.publish(
            checkpointSubject(eventStream, head.dossierCode),
            JSON.stringify({ ...head, at: new Date().toISOString() }),
            { msgID: `checkpoint:${head.dossierCode}:${head.seq}` },
          );
        } catch (err) {
          // Kept for the next flush unless a newer head came meanwhile.
          if (!pending.has(head.dossierCode)) pending.set(head.dossierCode, head);
          log.warn({ err, dossierCode: head.dossierCode }, 'checkpoint not published, retrying');
        }
      }
    });
    return flushing;
  };
  const timer = setInterval(() => void flush(), FLUSH_EVERY_MS);
  timer.unref();
  return {
    applied: (head) => {
      const known = pending.get(head.dossierCode);
      if (!known || known.seq < head.seq) pending.set(head.dossierCode, head);
    },
    flush,
    stop: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}

export interface ChainProblem {
  dossierCode: string;
  problem:
    | 'chain_broken'
    | 'head_mismatch'
    | 'checkpoint_mismatch'
    | 'checkpoint_missing_rows'
    | 'dossier_missing'
    | 'not_in_stream';
  detail: string;
}

/**
 * Recomputes each dossier's hash chain from its stored events and compares it with the dossier row
 * and with the last published checkpoint. No problems = the table is what the projector wrote.
 */
export async function verifyChainAnchors(
  prisma: PrismaClient,
  jsm: JetStreamManager,
  eventStream: string,
  dossierCodes?: string[],
  opts: { againstStream?: boolean } = {},
): Promise<ChainProblem[]> {
  const problems: ChainProblem[] = [];
  const dossiers = await prisma.dossier.findMany({
    where: dossierCodes ? { code: { in: dossierCodes } } : {},
    select: { code: true, lastSeq: true, lastHash: true },
    orderBy: { code: 'asc' },
  });
  // A checkpointed dossier whose row (and events) are gone altogether.
  const present = new Set(dossiers.map((d) => d.code));
  for (const code of await checkpointedDossiers(jsm, eventStream)) {
    if (present.has(code) || (dossierCodes && !dossierCodes.includes(code))) continue;
    problems.push({
      dossierCode: code,
      problem: 'dossier_missing',
      detail: 'checkpointed, not in the table',
    });
  }
  for (const d of dossiers) {
    const rows = await prisma.dossierEvent.findMany({
      where: { dossierCode: d.code },
      orderBy: { seq: 'asc' },
      select: { seq: true, payload: true, prevHash: true, hash: true, streamSeq: true },
    });
    if (opts.againstStream) {
      const missing = await rowsNotInStream(prisma, jsm, eventStream, rows);
      if (missing.length)
        problems.push({
          dossierCode: d.code,
          problem: 'not_in_stream',
          detail: `seq ${missing.join(', ')} differ from the stream (or are not in it)`,
        });
    }
    let prev = GENESIS_HASH;
    let broken = false;
    const hashAt = new Map<number, string>();
    for (const [i, row] of rows.entries()) {
      const recomputed = chainHash(prev, row.payload as never);
      if (row.seq !== i + 1 || row.prevHash !== prev || row.hash !== recomputed) {
        problems.push({ dossierCode: d.code, problem: 'chain_broken', detail: `at seq ${row.seq}` });
        broken = true;
        break;
      }
      hashAt.set(row.seq, row.hash);
      prev = row.hash;
    }
    if (!broken && (d.lastHash !== prev || d.lastSeq !== rows.length))
      problems.push({ dossierCode: d.code, problem: 'head_mismatch', detail: `row head seq ${d.lastSeq}` });
    let checkpoint: ChainHead | undefined;
    try {
      const stored = await jsm.streams.getMessage(checkpointStream(eventStream), {
        last_by_subj: checkpointSubject(eventStream, d.code),
      });
      checkpoint = stored ? (stored.json() as ChainHead) : undefined;
    } catch {
      checkpoint = undefined;
    }
    if (!checkpoint) continue;
    const ours = hashAt.get(checkpoint.seq);
    if (ours === undefined)
      problems.push({
        dossierCode: d.code,
        problem: 'checkpoint_missing_rows',
        detail: `checkpoint at seq ${checkpoint.seq}, table has ${rows.length}`,
      });
    else if (ours !== checkpoint.hash)
      problems.push({
        dossierCode: d.code,
        problem: 'checkpoint_mismatch',
        detail: `hash at seq ${checkpoint.seq} differs from the checkpoint`,
      });
  }
  return problems;
}

/** Dossier codes that have a checkpoint (subject tokens mapped back: `~` → `.`). */
async function checkpointedDossiers(jsm: JetStreamManager, eventStream: string): Promise<string[]> {
  const prefix = `checkpoint.${eventStream}.`;
  try {
    const info = await jsm.streams.info(checkpointStream(eventStream), { subjects_filter: `${prefix}>` });
    return Object.keys(info.state.subjects ?? {}).map((s) => s.slice(prefix.length).replaceAll('~', '.'));
  } catch {
    return [];
  }
}

/**
 * Rows whose event is not the message at their stream sequence (the stream keeps every event):
 * a row inserted or edited in PostgreSQL alone. Events projected with their text made storable are
 * compared with that same repair.
 */
async function rowsNotInStream(
  prisma: PrismaClient,
  jsm: JetStreamManager,
  eventStream: string,
  rows: Array<{ seq: number; payload: unknown; streamSeq: bigint }>,
): Promise<number[]> {
  const missing: number[] = [];
  for (const row of rows) {
    let stored: unknown;
    try {
      stored = (await jsm.streams.getMessage(eventStream, { seq: Number(row.streamSeq) }))?.json();
    } catch {
      stored = undefined;
    }
    const sanitized = await prisma.eventQuarantine.findFirst({
      where: { stream: eventStream, streamSeq: row.streamSeq, resolution: 'projected_sanitized' },
      select: { streamSeq: true },
    });
    const expected = stored === undefined ? undefined : sanitized ? storableJson(stored) : stored;
    if (expected === undefined || canonicalJson(expected) !== canonicalJson(row.payload))
      missing.push(row.seq);
  }
  return missing;
}
