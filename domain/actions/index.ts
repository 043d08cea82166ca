import type { DossierEventBody, DossierEventOf, DossierEventType } from '../events';
import type { DossierState } from '../lifecycle';
import type { ActionDeps } from './common';
import * as completeStep from './complete-step';
import * as handOff from './hand-off';
import * as issueApology from './issue-apology';
import * as markResultReady from './mark-result-ready';
import * as receiveSupplement from './receive-supplement';
import * as recordDigitization from './record-digitization';
import * as recordPayment from './record-payment';
import * as recordRating from './record-rating';
import * as reject from './reject';
import * as reportDelay from './report-delay';
import * as requestSupplement from './request-supplement';
import * as returnResult from './return-result';
import * as withdraw from './withdraw';

/** Every action on a running dossier, one module each (what it is: domain/actions/common.ts). */
export const actions = {
  handOff,
  completeStep,
  requestSupplement,
  receiveSupplement,
  reportDelay,
  issueApology,
  markResultReady,
  returnResult,
  reject,
  withdraw,
  recordDigitization,
  recordPayment,
  recordRating,
} as const;

export type Actions = typeof actions;
export type ActionName = keyof Actions;
export const actionNames = Object.keys(actions) as ActionName[];

/** The same property of every action, keyed by action name (e.g. every body schema). */
export function eachAction<K extends keyof Actions[ActionName]>(
  key: K,
): { [N in ActionName]: Actions[N][K] } {
  return Object.fromEntries(actionNames.map((n) => [n, actions[n][key]])) as never;
}

/** The action (and its fold) behind an event type: every event an action makes. */
const byEvent = new Map<DossierEventType, ActionName>(actionNames.map((n) => [actions[n].event, n]));

export function foldOf(
  type: DossierEventType,
): ((prev: DossierState, e: DossierEventBody) => DossierState) | undefined {
  const n = byEvent.get(type);
  return (
    n && (actions[n].apply as (prev: DossierState, e: DossierEventOf<typeof type>) => DossierState as never)
  );
}

/** A decision per action, each with the same injected deps (the workflow's activities and patches). */
export function decisionsWith(deps: ActionDeps) {
  return Object.fromEntries(
    actionNames.map((n) => [
      n,
      (state: DossierState, c: unknown) => actions[n].decide(state, c as never, deps as never),
    ]),
  ) as {
    [N in ActionName]: (
      state: DossierState,
      c: Parameters<Actions[N]['decide']>[1],
    ) => Promise<DossierEventBody>;
  };
}
