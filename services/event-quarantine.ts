import { agencyOfSubject } from '../domain/events';
import { raiseOperatorAlert } from './alerts/operator';
import type { PrismaClient } from './db';

/** Why a message of the dossier event stream was set aside instead of projected. */
export type QuarantineReason =
  | 'unsigned'
  | 'malformed_signature'
  | 'unknown_key'
  | 'bad_signature'
  | 'unreadable'
  | 'unstorable_text'
  | 'held_behind_quarantined'
  | 'gap'
  | 'projection_failed';

/** A message as it came from the stream, independent of the NATS client (kept raw in quarantine). */
export interface StreamMessage {
  stream: string;
  streamSeq: number;
  subject: string;
  headers: Record<string, string[]>;
  data: Uint8Array;
  /** 1 on first delivery. */
  deliveryCount: number;
}

export interface QuarantineEntry {
  reason: QuarantineReason;
  detail?: string;
  /** Whatever could be read of the envelope (untrusted when the signature did not verify). */
  eventId?: string;
  dossierCode?: string;
  seq?: number;
  authentic: boolean;
  /** Stored and already dealt with (e.g. projected with its text made storable). */
  resolution?: 'projected_sanitized';
}

/**
 * Stores the raw message with its reason (once per stream sequence) and raises the operator alert
 * that goes with it: `event_gap` for an event held behind a missing or quarantined predecessor,
 * `event_quarantined` otherwise.
 */
export async function quarantineMessage(
  prisma: PrismaClient,
  msg: StreamMessage,
  entry: QuarantineEntry,
): Promise<void> {
  // The alert first: whoever sees the quarantine row also finds its alert (both are idempotent).
  const gap = entry.reason === 'held_behind_quarantined' || entry.reason === 'gap';
  await raiseOperatorAlert(prisma, {
    kind: gap ? 'event_gap' : 'event_quarantined',
    sourceId: `${msg.stream}:${msg.streamSeq}`,
    dossierCode: entry.authentic ? entry.dossierCode : undefined,
    agencyCode: entry.authentic ? agencyOfSubject(msg.subject) : undefined,
    details: {
      reason: entry.reason,
      detail: entry.detail === undefined ? undefined : storable(entry.detail).slice(0, 500),
      subject: storable(msg.subject),
      streamSeq: msg.streamSeq,
      eventId: entry.eventId === undefined ? undefined : storable(entry.eventId),
      seq: entry.seq,
      authentic: entry.authentic,
      resolution: entry.resolution,
    },
  });
  await prisma.eventQuarantine.createMany({
    data: [
      {
        stream: msg.stream,
        streamSeq: BigInt(msg.streamSeq),
        subject: storable(msg.subject),
        headers: storableJson(msg.headers) as object,
        raw: Buffer.from(msg.data),
        reason: entry.reason,
        detail: entry.detail === undefined ? null : storable(entry.detail).slice(0, 4000),
        eventId: entry.eventId === undefined ? null : storable(entry.eventId),
        dossierCode: entry.dossierCode === undefined ? null : storable(entry.dossierCode),
        seq: entry.seq ?? null,
        authentic: entry.authentic,
        resolvedAt: entry.resolution ? new Date() : null,
        resolution: entry.resolution ?? null,
      },
    ],
    skipDuplicates: true,
  });
}

/** An unresolved authentic quarantined event of this dossier before `seq`: later events wait behind it. */
export async function quarantinedPredecessor(
  prisma: PrismaClient,
  dossierCode: string,
  seq: number,
): Promise<{ seq: number | null; reason: string } | null> {
  return prisma.eventQuarantine.findFirst({
    where: { dossierCode, seq: { lt: seq }, authentic: true, resolvedAt: null },
    orderBy: { seq: 'asc' },
    select: { seq: true, reason: true },
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what PostgreSQL refuses
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text PostgreSQL stores: no NUL (text and jsonb refuse it), no lone surrogate (jsonb refuses it). */
export function storable(text: string): string {
  return text.replace(NUL, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** True when some string in the value (keys included) is not `storable` as it is. */
export function hasUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return storable(value) !== value;
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => storable(k) !== k || hasUnstorableText(v));
  return false;
}

/** The value with every string made `storable` (U+FFFD in place of NUL and lone surrogates). */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storable(value) as T;
  if (Array.isArray(value)) return value.map(storableJson) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storableJson(v)])) as T;
  return value;
}
