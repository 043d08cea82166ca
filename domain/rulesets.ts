import { z } from 'zod';
import type { ClassificationGranularity } from './calendar';

/**
 * Legal rule-sets of the one-stop mechanism, as data with effective dates (Asia/Ho_Chi_Minh
 * local dates). Each dossier is pinned at receipt to the rule-set in force on its receipt day and
 * keeps it for life (DESIGN "The law changes under the product").
 */
export interface RuleSet {
  id: string;
  name: string;
  /** First local day (YYYY-MM-DD) the rule-set applies to receipts. */
  effectiveFrom: string;
  /** The apology letter (xin lỗi và hẹn lại) form of the circular in force. */
  apologyForm: { id: string; title: string; circular: string };
  /** How completions are classified unless the deployment says otherwise. */
  classificationGranularity: ClassificationGranularity;
}

export const RULE_SETS: readonly RuleSet[] = [
  {
    id: 'nd-61-2018',
    name: 'Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP)',
    effectiveFrom: '2018-06-21',
    apologyForm: {
      id: 'mau-04',
      title: 'Phiếu xin lỗi và hẹn lại ngày trả kết quả',
      circular: 'Thông tư 01/2018/TT-VPCP',
    },
    classificationGranularity: 'instant',
  },
  {
    id: 'nd-118-2025',
    name: 'Nghị định 118/2025/NĐ-CP (sửa đổi bởi Nghị định 367/2025/NĐ-CP)',
    effectiveFrom: '2025-07-01',
    apologyForm: {
      id: 'mau-04',
      title: 'Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết',
      circular: 'Thông tư 03/2025/TT-VPCP',
    },
    classificationGranularity: 'instant',
  },
];

const VN_OFFSET_MS = 7 * 3_600_000;

/** The local date (YYYY-MM-DD, UTC+7) of an instant. */
const localDate = (at: Date): string => new Date(at.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);

/**
 * The rule-set in force on the local day of `at` (receipts before the first one use the first).
 * `granularity` overrides the rule-set's default classification granularity (deployment option).
 */
export function ruleSetInForce(at: Date, granularity?: ClassificationGranularity): RuleSet {
  const day = localDate(at);
  let found = RULE_SETS[0]!;
  for (const r of RULE_SETS) if (r.effectiveFrom <= day) found = r;
  return granularity ? { ...found, classificationGranularity: granularity } : found;
}

// ------------------------------------------------------------------------------------------------
// What a dossier pins at receipt (optional fields of the v1 `dossier.received` payload).

export const deadlineUnits = ['working_days', 'working_hours', 'calendar_days'] as const;
export type DeadlineUnit = (typeof deadlineUnits)[number];
export const classificationGranularities = ['instant', 'day'] as const;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);

export const deadlineSchema = z.object({
  amount: z.number().positive(),
  unit: z.enum(deadlineUnits),
  /** A receipt at or after it (HH:mm, local) on a working day counts from the next day. */
  sameDayCutoff: hhmm.optional(),
});
/** A procedure's legal deadline (thời hạn giải quyết) with its unit and same-day cut-off. */
export type Deadline = z.infer<typeof deadlineSchema>;

export const ruleSetSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  effectiveFrom: z.string(),
  apologyForm: z.object({ id: z.string(), title: z.string(), circular: z.string() }),
  classificationGranularity: z.enum(classificationGranularities),
});

export const pinnedRulesSchema = z.object({
  /** The procedure's deadline as in force at receipt. */
  deadline: deadlineSchema,
  /** The catalogue version of the procedure the dossier was received under, when versioned. */
  procedureVersion: z.number().int().positive().optional(),
  ruleSet: ruleSetSchema,
});
/** Rules a dossier keeps from its receipt on (the steps are pinned beside them, in `steps`). */
export type PinnedRules = z.infer<typeof pinnedRulesSchema>;
