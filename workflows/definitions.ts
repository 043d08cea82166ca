import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Command, CommandName } from '../domain/commands';
import type { Channel } from '../domain/dossier';
import type { Actor, PlannedStep } from '../domain/events';
import type { InstantLimits } from '../domain/instants';
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
  /**
   * Pinned at the start (services/config.ts): how far a caller's instant may stray from the
   * workflow's time, how far an apology may move the appointment. Defaults: domain/instants.ts.
   */
  instantLimits?: InstantLimits;
  /**
   * Admin backfill of a dossier from an older system: receipt and these actions are recorded at
   * their own instants (events say `backfilled: true`), then the dossier continues live.
   */
  backfill?: { actions: BackfillAction[] };
}

/** One action of a backfill, at its historical instant. */
export type BackfillAction = { [N in CommandName]: { name: N; command: Command<N> } }[CommandName];

/** What an Update carries: `at` is the caller's instant, if it gave one (else the workflow's time). */
export type UpdateCommand<N extends CommandName> = Omit<Command<N>, 'at'> & { at?: string };

/**
 * How every dossier workflow is started: one workflow id per dossier code, never a second run
 * while the first runs or after it closed normally. A first run that FAILED (e.g. before its
 * receipt was recorded) does not burn the code: a new intake may start it again. (Temporal forgets
 * closed runs after its retention period; the API also refuses a code the read model knows.)
 */
export const dossierStartPolicy = {
  // A run that failed before the receipt was recorded leaves the code usable (nothing was received).
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

/** What queries return. */
export type DossierSnapshot = DossierState;

/**
 * What Updates return: the state without its timeline and the applicant's name, so history does not
 * grow with the square of the events nor repeat personal data (the API reads those by query).
 */
export type DossierSlim = Omit<DossierState, 'timeline' | 'applicantName'>;
export const slimOf = (state: DossierState): DossierSlim => {
  const { timeline: _timeline, applicantName: _name, ...slim } = state;
  return slim;
};

export const dossierStateQuery = defineQuery<DossierSnapshot>('dossierState');
/** Mẫu 05: the process control slip, one line per transition. */
export const dossierTimelineQuery = defineQuery<TimelineEntry[]>('dossierTimeline');
/**
 * The appointment Update's answer. Since `intake-answer-full-state` it is the whole state at receipt
 * (one timeline entry: still small) with the intake marks of the run's memo, so the API answers an
 * intake without a query and a describe; older runs answer the slim state only.
 */
export type AppointmentAnswer = DossierSlim &
  Partial<Pick<DossierState, 'timeline' | 'applicantName'>> & {
    /** The memo's marks of the request that started this run (see services/api/routes/dossiers.ts). */
    startedBy?: { intakeId?: string; idempotencyKey?: string };
  };
/** Resolves once the appointment (Mẫu 01: hẹn trả kết quả) is known. */
export const appointmentUpdate = defineUpdate<AppointmentAnswer>('appointment');

/** One Update per action, named like the command; validators reject invalid transitions at once. */
const update = <N extends CommandName>(name: N) => defineUpdate<DossierSlim, [UpdateCommand<N>]>(name);
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
