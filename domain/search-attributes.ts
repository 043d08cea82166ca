import type { DossierState, DossierStatus } from './lifecycle';

/**
 * Custom search attributes of dossier workflows, so operators can ask Temporal directly, e.g.
 * `temporal workflow list --query "MotcuaAgency='X-AN-BINH' AND MotcuaOverdue=true"`.
 * Pure: the workflow upserts them, the dev and test servers register them from this one list.
 */

/** Kinds as the Temporal CLI's `--search-attribute Name=Kind` flag spells them. */
export type SearchAttributeKind = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

/** The same kinds as the operator API numbers them (temporal.api.enums.v1.IndexedValueType). */
export const INDEXED_VALUE_TYPE: Record<SearchAttributeKind, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

export const dossierSearchAttributes = {
  /** Agency currently holding the dossier (changes on inter-agency handoff). */
  MotcuaAgency: 'Keyword',
  /** The one-stop desk that received it. */
  MotcuaReceivingAgency: 'Keyword',
  /** Every agency that took part (liên thông), receiving agency included. */
  MotcuaParticipants: 'KeywordList',
  MotcuaProcedure: 'Keyword',
  MotcuaStatus: 'Keyword',
  /** Current due instant (the new appointment after an apology). */
  MotcuaDueAt: 'Datetime',
  /** Passed its due instant while pending; stays true once late. */
  MotcuaOverdue: 'Bool',
} as const satisfies Record<string, SearchAttributeKind>;

export type DossierSearchAttributeName = keyof typeof dossierSearchAttributes;

/** Values by attribute; `null` means "not set yet" (e.g. no due instant before it is computed). */
export interface DossierSearchAttributeValues {
  MotcuaAgency: string;
  MotcuaReceivingAgency: string;
  MotcuaParticipants: string[];
  MotcuaProcedure: string;
  MotcuaStatus: DossierStatus;
  MotcuaDueAt: string | null;
  MotcuaOverdue: boolean;
}

/** What the attributes should say for this state. */
export function dossierSearchAttributeValues(state: DossierState): DossierSearchAttributeValues {
  const participants = state.participants?.length ? state.participants : [state.agencyCode];
  return {
    MotcuaAgency: state.currentAgencyCode || state.agencyCode,
    MotcuaReceivingAgency: state.agencyCode,
    MotcuaParticipants: [...new Set(participants)],
    MotcuaProcedure: state.procedureCode,
    MotcuaStatus: state.status,
    MotcuaDueAt: state.dueAt ? state.dueAt : null,
    MotcuaOverdue: Boolean(state.overdue),
  };
}

/** Attributes known at receipt, before the workflow computed anything (set at workflow start). */
export function receiptSearchAttributeValues(input: {
  procedureCode: string;
  agencyCode: string;
}): Omit<DossierSearchAttributeValues, 'MotcuaDueAt'> {
  return {
    MotcuaAgency: input.agencyCode,
    MotcuaReceivingAgency: input.agencyCode,
    MotcuaParticipants: [input.agencyCode],
    MotcuaProcedure: input.procedureCode,
    MotcuaStatus: 'received',
    MotcuaOverdue: false,
  };
}
