/**
 * The one-stop forms the product prints, per rule-set (pure).
 *
 * Circular 01/2018/TT-VPCP governs dossiers received before 1 July 2025; Circular
 * 03/2025/TT-VPCP governs dossiers received from that day on. A dossier keeps the rule-set in
 * force at its receipt for its whole life, so a late dossier received in June 2025 still gets
 * the 2018 apology form even if it is late in 2026.
 */
import { z } from 'zod';
import type { faultPartySchema } from '../events';

export const ruleSetSchema = z.enum(['tt01-2018', 'tt03-2025']);
export type RuleSet = z.infer<typeof ruleSetSchema>;

/** 2025-07-01 00:00 in Asia/Ho_Chi_Minh: the first instant governed by Circular 03/2025. */
export const TT03_2025_EFFECTIVE_FROM = '2025-06-30T17:00:00.000Z';

/** The rule-set in force at an instant (the dossier's receipt). */
export function ruleSetAt(receivedAt: string): RuleSet {
  const ms = Date.parse(receivedAt);
  if (Number.isNaN(ms)) throw new RangeError(`invalid instant '${receivedAt}'`);
  return ms < Date.parse(TT03_2025_EFFECTIVE_FROM) ? 'tt01-2018' : 'tt03-2025';
}

export const RULE_SET_CITATION: Record<RuleSet, string> = {
  'tt01-2018': 'Thông tư số 01/2018/TT-VPCP',
  'tt03-2025': 'Thông tư số 03/2025/TT-VPCP',
};

export const letterKindSchema = z.enum(['apology', 'receipt', 'control_slip']);
export type LetterKind = z.infer<typeof letterKindSchema>;

export interface FormDefinition {
  /** Stable id stored with each letter, e.g. `tt03-2025/mau-04`. */
  id: string;
  kind: LetterKind;
  ruleSet: RuleSet;
  /** "Mẫu 04" as printed in the top corner. */
  label: string;
  /** The title, printed centred in capitals. */
  title: string;
  /** Symbol in the letter number "Số: 12/PXL-<agency>" (numbered forms only). */
  numberSymbol?: string;
}

const define = (f: FormDefinition) => f;

export const FORMS = {
  'tt01-2018/mau-01': define({
    id: 'tt01-2018/mau-01',
    kind: 'receipt',
    ruleSet: 'tt01-2018',
    label: 'Mẫu số 01',
    title: 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
  }),
  'tt03-2025/mau-01': define({
    id: 'tt03-2025/mau-01',
    kind: 'receipt',
    ruleSet: 'tt03-2025',
    label: 'Mẫu số 01',
    title: 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
  }),
  'tt01-2018/mau-04': define({
    id: 'tt01-2018/mau-04',
    kind: 'apology',
    ruleSet: 'tt01-2018',
    label: 'Mẫu số 04',
    title: 'PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ',
    numberSymbol: 'PXL',
  }),
  'tt03-2025/mau-04': define({
    id: 'tt03-2025/mau-04',
    kind: 'apology',
    ruleSet: 'tt03-2025',
    label: 'Mẫu số 04',
    title: 'VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT',
    numberSymbol: 'PXL',
  }),
  'tt01-2018/mau-05': define({
    id: 'tt01-2018/mau-05',
    kind: 'control_slip',
    ruleSet: 'tt01-2018',
    label: 'Mẫu số 05',
    title: 'PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ',
  }),
  'tt03-2025/mau-05': define({
    id: 'tt03-2025/mau-05',
    kind: 'control_slip',
    ruleSet: 'tt03-2025',
    label: 'Mẫu số 05',
    title: 'PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ',
  }),
} as const satisfies Record<string, FormDefinition>;

export type FormId = keyof typeof FORMS;
export const formIdSchema = z.enum(Object.keys(FORMS) as [FormId, ...FormId[]]);

/** The form of a kind under a rule-set. */
export function formFor(kind: LetterKind, ruleSet: RuleSet): FormDefinition {
  const form = Object.values(FORMS).find((f) => f.kind === kind && f.ruleSet === ruleSet);
  if (!form) throw new Error(`no form for ${kind} under ${ruleSet}`);
  return form;
}

/**
 * "12/PXL-X-AN-BINH": the per-agency, per-year sequence number, the form's symbol and the
 * issuing agency's code. A draft (no number yet) prints blank dots in its place.
 */
export function formatLetterNumber(number: number | null | undefined, symbol: string, agencyCode: string) {
  if (number !== null && number !== undefined && (!Number.isInteger(number) || number < 1)) {
    throw new RangeError(`letter number must be a positive integer, got ${number}`);
  }
  return `${number ?? '......'}/${symbol}-${agencyCode}`;
}

export type FaultParty = z.infer<typeof faultPartySchema>;

/**
 * Who issues (and signs) the apology: the one-stop desk when the desk caused the delay,
 * the agency at fault when another agency in an inter-agency procedure did, otherwise the
 * processing agency.
 */
export function issuingAgencyCode(input: {
  faultParty: FaultParty;
  deskAgencyCode: string;
  processingAgencyCode: string;
  faultAgencyCode?: string;
}): string {
  switch (input.faultParty) {
    case 'desk':
      return input.deskAgencyCode;
    case 'other_agency':
      return input.faultAgencyCode ?? input.processingAgencyCode;
    case 'processing_agency':
      return input.processingAgencyCode;
  }
}

/** Default signer title when none is configured: the desk's director or the agency head. */
export function defaultSignerTitle(faultParty: FaultParty): string {
  return faultParty === 'desk' ? 'GIÁM ĐỐC' : 'THỦ TRƯỞNG CƠ QUAN';
}
