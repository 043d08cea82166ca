import {
  defineSearchAttributeKey,
  type SearchAttributePair,
  type SearchAttributeUpdatePair,
} from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { DossierState } from '../domain/lifecycle';
import {
  type DossierSearchAttributeName,
  type DossierSearchAttributeValues,
  dossierSearchAttributes,
  dossierSearchAttributeValues,
  receiptSearchAttributeValues,
  type SearchAttributeKind,
} from '../domain/search-attributes';

const SDK_TYPE = {
  Keyword: 'KEYWORD',
  Text: 'TEXT',
  Int: 'INT',
  Double: 'DOUBLE',
  Bool: 'BOOL',
  Datetime: 'DATETIME',
  KeywordList: 'KEYWORD_LIST',
} as const satisfies Record<SearchAttributeKind, string>;

type SearchAttributeKey<T extends SearchAttributePair['key']['type']> = ReturnType<
  typeof defineSearchAttributeKey<T>
>;
type DossierSearchKeys = {
  [N in DossierSearchAttributeName]: SearchAttributeKey<
    (typeof SDK_TYPE)[(typeof dossierSearchAttributes)[N]]
  >;
};

/** Typed keys, derived from the one list in domain/search-attributes. */
export const dossierSearchKeys = Object.fromEntries(
  Object.entries(dossierSearchAttributes).map(([name, kind]) => [
    name,
    defineSearchAttributeKey(name, SDK_TYPE[kind]),
  ]),
) as DossierSearchKeys;

function toPairs(values: Partial<DossierSearchAttributeValues>): SearchAttributeUpdatePair[] {
  const k = dossierSearchKeys;
  const pairs: SearchAttributeUpdatePair[] = [];
  if (values.MotcuaAgency !== undefined) pairs.push({ key: k.MotcuaAgency, value: values.MotcuaAgency });
  if (values.MotcuaReceivingAgency !== undefined)
    pairs.push({ key: k.MotcuaReceivingAgency, value: values.MotcuaReceivingAgency });
  if (values.MotcuaParticipants !== undefined)
    pairs.push({ key: k.MotcuaParticipants, value: values.MotcuaParticipants });
  if (values.MotcuaProcedure !== undefined)
    pairs.push({ key: k.MotcuaProcedure, value: values.MotcuaProcedure });
  if (values.MotcuaStatus !== undefined) pairs.push({ key: k.MotcuaStatus, value: values.MotcuaStatus });
  if (values.MotcuaDueAt !== undefined)
    pairs.push({
      key: k.MotcuaDueAt,
      value: values.MotcuaDueAt === null ? null : new Date(values.MotcuaDueAt),
    });
  if (values.MotcuaOverdue !== undefined) pairs.push({ key: k.MotcuaOverdue, value: values.MotcuaOverdue });
  return pairs;
}

function sameValue(current: unknown, wanted: unknown): boolean {
  if (wanted === null) return current === undefined || current === null;
  if (wanted instanceof Date) return current instanceof Date && current.getTime() === wanted.getTime();
  if (Array.isArray(wanted))
    return (
      Array.isArray(current) && current.length === wanted.length && current.every((v, i) => v === wanted[i])
    );
  return current === wanted;
}

/**
 * Brings the workflow's search attributes in line with `state`. Call after every transition.
 * Upserts only what changed (compared with `workflowInfo().typedSearchAttributes`, which replay
 * rebuilds identically), so a transition that moves no attribute adds no history event.
 */
export function upsertDossierSearchAttributes(state: DossierState): void {
  const current = workflowInfo().typedSearchAttributes;
  const changed = toPairs(dossierSearchAttributeValues(state)).filter(
    (pair) => !sameValue(current.get(pair.key), pair.value),
  );
  if (changed.length > 0) upsertSearchAttributes(changed);
}

/**
 * Attributes to set when starting a dossier workflow (client `typedSearchAttributes` option), so
 * the dossier is findable by agency and procedure from its first moment.
 */
export function dossierStartSearchAttributes(input: {
  procedureCode: string;
  agencyCode: string;
}): SearchAttributePair[] {
  return toPairs(receiptSearchAttributeValues(input)) as SearchAttributePair[];
}
