import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Command, CommandName } from '../domain/commands';
import type { Channel } from '../domain/dossier';
import type { Actor, PlannedStep } from '../domain/events';
import type { DossierState, TimelineEntry } from '../domain/lifecycle';

/** Start input: what was received at the desk, plus the procedure's steps resolved to agencies. */
export interface DossierWorkflowInput {
  code: string;
  procedureCode: string;
  agencyCode: string;
  channel: Channel;
  applicantName: string;
  receivedAt: string;
  /** Steps resolved by the caller; by default the procedure's, resolved at receipt. */
  steps?: PlannedStep[];
  actor?: Actor;
  /** Continue-as-new: the state of the previous run (its timers are instants in it). */
  carriedState?: DossierState;
  /** History length after which the run continues as new (default 10,000; tests set it low). */
  historyLimit?: number;
}

/**
 * How every dossier workflow is started: one workflow id per dossier code, never a second run
 * while the first runs or after it closed normally. A first run that FAILED (e.g. before its
 * receipt was recorded) does not burn the code: a new intake may start it again. (Temporal forgets
 * closed runs after its retention period; the API also refuses a code the read model knows.)
 */
export const dossierStartPolicy = {
  workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
  workflowIdConflictPolicy: 'FAIL',
} as const;

/**
 * Intake is one atomic Update-with-Start: a concurrent intake of the same code attaches to the
 * running workflow (and is answered 409) instead of failing.
 */
export const dossierIntakePolicy = {
  workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
  workflowIdConflictPolicy: 'USE_EXISTING',
} as const;

/** What queries and updates return. */
export type DossierSnapshot = DossierState;

export const dossierStateQuery = defineQuery<DossierSnapshot>('dossierState');
/** Mẫu 05: the process control slip, one line per transition. */
export const dossierTimelineQuery = defineQuery<TimelineEntry[]>('dossierTimeline');
/** Resolves once the appointment (Mẫu 01: hẹn trả kết quả) is known. */
export const appointmentUpdate = defineUpdate<DossierSnapshot>('appointment');

/** One Update per action, named like the command; validators reject invalid transitions at once. */
const update = <N extends CommandName>(name: N) => defineUpdate<DossierSnapshot, [Command<N>]>(name);
export const dossierUpdates = {
  handOff: update('handOff'),
  completeStep: update('completeStep'),
  requestSupplement: update('requestSupplement'),
  receiveSupplement: update('receiveSupplement'),
  reportDelay: update('reportDelay'),
  issueApology: update('issueApology'),
  markResultReady: update('markResultReady'),
  returnResult: update('returnResult'),
  reject: update('reject'),
  withdraw: update('withdraw'),
  recordDigitization: update('recordDigitization'),
  recordPayment: update('recordPayment'),
  recordRating: update('recordRating'),
} satisfies { [N in CommandName]: ReturnType<typeof update<N>> };
