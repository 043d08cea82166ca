import { createHash } from 'node:crypto';
import type { DossierEvent } from '../domain/events';

/** The chain starts from this value for every dossier. */
export const GENESIS_HASH = '0'.repeat(64);

/** Stable JSON: object keys sorted, so a re-serialised event hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** hash(n) = sha256(hash(n-1) ‖ canonical event n): auditors recompute it to detect any edit. */
export function chainHash(prevHash: string, event: DossierEvent): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(event)).digest('hex');
}
