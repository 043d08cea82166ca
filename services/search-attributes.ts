import type { Connection } from '@temporalio/client';
import {
  dossierSearchAttributes,
  INDEXED_VALUE_TYPE,
  type SearchAttributeKind,
} from '../domain/search-attributes';

const KIND_OF = Object.fromEntries(Object.entries(INDEXED_VALUE_TYPE).map(([k, v]) => [v, k])) as Record<
  number,
  SearchAttributeKind
>;

export interface SearchAttributeStatus {
  name: string;
  kind: SearchAttributeKind;
  /** Registered before this call, with the same kind. */
  present: boolean;
  /** Registered with another kind: needs an operator (remove and re-add loses the values). */
  conflict?: SearchAttributeKind;
}

/**
 * Registers the dossier search attributes on a Temporal namespace where missing. Workflows upsert
 * them on every transition and a server refuses unregistered ones, failing the workflow task.
 */
export function ensureDossierSearchAttributes(
  connection: Connection,
  namespace: string,
  opts: { dryRun?: boolean } = {},
): Promise<SearchAttributeStatus[]> {
  return ensureSearchAttributes(connection, namespace, dossierSearchAttributes, opts);
}

/** Adds the `wanted` attributes a namespace lacks (not with dryRun); reports each one's status. */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  wanted: Record<string, SearchAttributeKind>,
  opts: { dryRun?: boolean } = {},
): Promise<SearchAttributeStatus[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known: Record<string, number> = { ...existing.systemAttributes, ...existing.customAttributes };
  const statuses: SearchAttributeStatus[] = Object.entries(wanted).map(([name, kind]) => {
    const current = known[name];
    if (current === undefined) return { name, kind, present: false };
    if (current !== INDEXED_VALUE_TYPE[kind])
      return { name, kind, present: true, conflict: KIND_OF[current] };
    return { name, kind, present: true };
  });
  const missing = statuses.filter((s) => !s.present);
  if (missing.length > 0 && !opts.dryRun) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((s) => [s.name, INDEXED_VALUE_TYPE[s.kind]]),
      ) as Record<string, never>,
    });
  }
  return statuses;
}
