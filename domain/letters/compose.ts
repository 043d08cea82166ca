/**
 * Builds a letter's content from a dossier's state (pure). The letters service resolves the
 * names (agencies, procedure, place, signer) and passes them in; everything else comes from
 * the dossier as the workflow recorded it.
 */
import type { DossierState } from '../lifecycle';
import type {
  ApologyContent,
  ControlSlipContent,
  ControlSlipEntry,
  LetterAgency,
  ReceiptContent,
  Signer,
} from './content';
import { type FaultParty, formFor, type RuleSet, ruleSetAt } from './forms';

type DossierFacts = Pick<DossierState, 'code' | 'applicantName' | 'receivedAt' | 'originalDueAt'>;

interface Names {
  issuingAgency: LetterAgency;
  procedureName: string;
  place: string;
  signer: Signer;
  /** The rule-set pinned at receipt when the dossier carries one; else the one in force then. */
  ruleSet?: RuleSet;
}

/** A draft apology (Mẫu 04): no number, dated when drafted. */
export function draftApologyContent(
  dossier: DossierFacts,
  names: Names & { receivingAgencyName?: string },
  apology: { faultParty: FaultParty; reason: string; newDueAt: string; draftedAt: string },
): ApologyContent {
  const form = formFor('apology', names.ruleSet ?? ruleSetAt(dossier.receivedAt));
  return {
    kind: 'apology',
    formId: form.id as ApologyContent['formId'],
    issuingAgency: names.issuingAgency,
    place: names.place,
    issuedAt: apology.draftedAt,
    number: null,
    draft: true,
    dossierCode: dossier.code,
    applicant: { name: dossier.applicantName },
    procedureName: names.procedureName,
    signer: names.signer,
    receivedAt: dossier.receivedAt,
    originalDueAt: dossier.originalDueAt,
    reason: apology.reason,
    newDueAt: apology.newDueAt,
    faultParty: apology.faultParty,
    ...(names.receivingAgencyName ? { receivingAgencyName: names.receivingAgencyName } : {}),
  };
}

/** The content of the issued letter: numbered, dated at issue, with the supervisor's edits. */
export function issuedApologyContent(
  draft: ApologyContent,
  issue: { number: number; issuedAt: string; reason?: string; newDueAt?: string; signer?: Signer },
): ApologyContent {
  return {
    ...draft,
    draft: false,
    number: issue.number,
    issuedAt: issue.issuedAt,
    reason: issue.reason ?? draft.reason,
    newDueAt: issue.newDueAt ?? draft.newDueAt,
    signer: issue.signer ?? draft.signer,
  };
}

export type AppointmentProblem = 'not_after_original_due' | 'not_after_issue';

/**
 * Basic legality of a new appointment: later than the original one and than the letter itself.
 * (How far it may go is the legal engine's business.)
 */
export function newAppointmentProblems(input: {
  originalDueAt: string;
  newDueAt: string;
  issuedAt: string;
}): { code: AppointmentProblem; message: string }[] {
  const problems: { code: AppointmentProblem; message: string }[] = [];
  const next = Date.parse(input.newDueAt);
  if (!(next > Date.parse(input.originalDueAt))) {
    problems.push({
      code: 'not_after_original_due',
      message: 'Ngày hẹn trả kết quả mới phải sau ngày hẹn ban đầu.',
    });
  }
  if (!(next > Date.parse(input.issuedAt))) {
    problems.push({
      code: 'not_after_issue',
      message: 'Ngày hẹn trả kết quả mới phải sau ngày ban hành văn bản.',
    });
  }
  return problems;
}

/** Mẫu 01 for a dossier at receipt. */
export function receiptContent(
  dossier: DossierFacts & Pick<DossierState, 'dueAt'>,
  names: Names & { documents?: ReceiptContent['documents']; returnPlace?: string },
): ReceiptContent {
  const form = formFor('receipt', names.ruleSet ?? ruleSetAt(dossier.receivedAt));
  return {
    kind: 'receipt',
    formId: form.id as ReceiptContent['formId'],
    issuingAgency: names.issuingAgency,
    place: names.place,
    issuedAt: dossier.receivedAt,
    number: null,
    draft: false,
    dossierCode: dossier.code,
    applicant: { name: dossier.applicantName },
    procedureName: names.procedureName,
    signer: names.signer,
    receivedAt: dossier.receivedAt,
    // The appointment given at receipt, even if the receipt is printed again after an apology.
    dueAt: dossier.originalDueAt,
    documents: names.documents ?? [],
    ...(names.returnPlace ? { returnPlace: names.returnPlace } : {}),
  };
}

/** Mẫu 05 from the dossier's timeline, as of `printedAt`. */
export function controlSlipContent(
  dossier: DossierFacts & Pick<DossierState, 'dueAt' | 'timeline' | 'agencyCode' | 'steps'>,
  names: Names & { agencyName?: (code: string) => string | undefined },
  printedAt: string,
): ControlSlipContent {
  const form = formFor('control_slip', names.ruleSet ?? ruleSetAt(dossier.receivedAt));
  const entries: ControlSlipEntry[] = dossier.timeline.map((e) => {
    const agencyName = names.agencyName?.(e.agencyCode);
    return {
      seq: e.seq,
      at: e.at,
      type: e.type,
      agencyCode: e.agencyCode,
      ...(e.actor ? { actor: e.actor } : {}),
      ...(agencyName ? { agencyName } : {}),
      ...(e.note ? { note: e.note } : {}),
    };
  });
  // The agency of the first step processes the dossier; the other steps' agencies coordinate.
  const stepAgencies = [...new Set(dossier.steps.map((s) => s.agencyCode))];
  const processing = stepAgencies[0] ?? dossier.agencyCode;
  const nameOf = (code: string) => names.agencyName?.(code) ?? code;
  return {
    kind: 'control_slip',
    formId: form.id as ControlSlipContent['formId'],
    issuingAgency: names.issuingAgency,
    place: names.place,
    issuedAt: printedAt,
    number: null,
    draft: false,
    dossierCode: dossier.code,
    applicant: { name: dossier.applicantName },
    procedureName: names.procedureName,
    signer: names.signer,
    receivedAt: dossier.receivedAt,
    dueAt: dossier.dueAt,
    processingAgencyName: nameOf(processing),
    coordinatingAgencyNames: stepAgencies.filter((c) => c !== processing).map(nameOf),
    entries,
  };
}
