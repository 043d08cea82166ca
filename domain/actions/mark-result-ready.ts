import { classify, classifyByDay, classifyCompletion } from '../calendar/classify';
import type { Role } from '../commands';
import { eventBody } from '../event-body';
import type { DossierEventBody, DossierEventOf } from '../events';
import type { DossierState } from '../lifecycle';
import { refuse, requireStatus } from '../refusals';
import type { actionBodies } from './bodies';
import { type ActionCommand, type ActionDeps, currentStepOf, type Decided } from './common';

/*
 * Có kết quả: the result is ready. Classified here, once: early / on time / late against the legal
 * due instant before any extension. Both verdicts are recorded; the granularity pinned at receipt
 * says which counts. Lateness is monotonic: once the dossier went overdue nothing classifies it
 * early or on time. The result goes back to the one-stop desk that received the dossier.
 */

export const name = 'markResultReady' as const;
export const path = 'result-ready' as const;
export const event = 'dossier.result_ready' as const;

export type MarkResultReady = ActionCommand<(typeof actionBodies)[typeof name]>;

export const roles: readonly Role[] = ['officer', 'admin'];
export const holderOnly: boolean = true;

export function validate(state: DossierState, _c: MarkResultReady): void {
  if (state.status === 'waiting_supplement') {
    refuse('invalid_transition', 'Hồ sơ đang chờ bổ sung, chưa thể có kết quả.');
  }
  requireStatus(state, ['received', 'processing'], 'ghi nhận có kết quả');
}

/**
 * Rule added in issue 8 (behind a workflow patch): not while the step being processed is still
 * open (handed off, not completed). A dossier still at the desk may get its result at once.
 */
export function validateRules(state: DossierState, _c: MarkResultReady): void {
  const step = currentStepOf(state);
  if (state.status === 'processing' && step?.startedAt && !step.completedAt) {
    refuse('steps_open', `Bước "${step.name}" chưa hoàn thành, chưa thể ghi nhận có kết quả.`);
  }
}

export async function decide(
  state: DossierState,
  c: Decided<MarkResultReady>,
  { isPatched }: Pick<ActionDeps, 'isPatched'>,
): Promise<DossierEventBody> {
  const granularity = state.rules?.ruleSet.classificationGranularity ?? 'instant';
  const judged = new Date(c.judgedAt ?? c.at);
  const verdicts = isPatched('classification-granularity')
    ? classifyCompletion({
        originalDueAt: new Date(state.originalDueAt),
        completedAt: judged,
        granularity,
        overdueFired: state.overdue,
      })
    : undefined;
  return eventBody(event, c.at, {
    resultKind: c.resultKind,
    completedAt: c.at,
    dueAt: state.dueAt,
    originalDueAt: state.originalDueAt,
    outcome: verdicts?.outcome ?? (state.overdue ? 'late' : classify(new Date(state.originalDueAt), judged)),
    ...(verdicts && {
      outcomeByInstant: verdicts.outcomeByInstant,
      outcomeByDay: verdicts.outcomeByDay,
      granularity,
    }),
    actor: c.actor,
  });
}

export function apply(prev: DossierState, e: DossierEventOf<typeof event>): DossierState {
  const p = e.payload;
  const due = new Date(p.originalDueAt);
  const completed = new Date(p.completedAt);
  return {
    ...prev,
    status: 'result_ready',
    result: {
      kind: p.resultKind,
      readyAt: p.completedAt,
      outcome: p.outcome,
      // Derived for results recorded before both verdicts were in the event.
      outcomeByInstant: p.outcomeByInstant ?? classify(due, completed),
      outcomeByDay: p.outcomeByDay ?? classifyByDay(due, completed),
    },
    currentAgencyCode: prev.agencyCode,
  };
}
