import { describe, expect, it } from 'vitest';
import type { CommandName } from '../../domain/commands';
import {
  type DossierState,
  rejectionStatus,
  TransitionRejected,
  validateCommand,
} from '../../domain/lifecycle';
import {
  apologyIssued,
  body,
  command,
  completeStep,
  desk,
  handOff,
  RECEIVED_AT,
  resultReady,
  stateAfter,
  supplementRequested,
} from './fixtures';

const T1 = '2026-11-02T02:00:00.000Z';
const T2 = '2026-11-02T03:00:00.000Z';
const T3 = '2026-11-03T02:00:00.000Z';

/** The rejection code, or 'ok' when the command is accepted. */
function verdict<N extends CommandName>(
  state: DossierState | undefined,
  name: N,
  fields: object = {},
): string {
  try {
    validateCommand(state, name, command(name, fields as never));
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(TransitionRejected);
    const rejected = err as TransitionRejected;
    expect(rejected.message.length).toBeGreaterThan(0);
    expect(rejectionStatus[rejected.code]).toBeDefined();
    return rejected.code;
  }
}

const receivedState = () => stateAfter();
const processing = () => stateAfter(handOff(T1));
const stepDone = () => stateAfter(handOff(T1), completeStep(T2));
const waiting = () => stateAfter(handOff(T1), supplementRequested(T2));
const ready = () => stateAfter(handOff(T1), resultReady(T2));
const returned = () =>
  stateAfter(
    handOff(T1),
    resultReady(T2),
    body('dossier.result_returned', T3, { returnedAt: T3, actor: desk }),
  );
const rejected = () =>
  stateAfter(body('dossier.rejected', T1, { reason: 'Không thuộc thẩm quyền', actor: desk }));
const withdrawn = () => stateAfter(body('dossier.withdrawn', T1, { actor: desk }));

describe('validateCommand', () => {
  it('asks to retry while the receipt is not recorded yet', () => {
    expect(verdict(undefined, 'handOff')).toBe('dossier_not_ready');
  });

  it('refuses every action on a returned, rejected or withdrawn dossier, except rating a returned one', () => {
    for (const closed of [returned(), rejected(), withdrawn()]) {
      for (const name of ['handOff', 'recordPayment', 'recordRating', 'withdraw', 'issueApology'] as const) {
        if (name === 'recordRating' && closed.status === 'returned') continue;
        expect(
          verdict(closed, name, {
            amountVnd: 0,
            online: false,
            score: 5,
            reason: 'x',
            newDueAt: '2027-01-01T00:00:00Z',
            faultParty: 'desk',
          }),
        ).toBe('dossier_closed');
      }
    }
  });

  it('refuses an action dated before the receipt', () => {
    expect(verdict(receivedState(), 'reject', { reason: 'x', at: '2026-11-01T00:00:00.000Z' })).toBe(
      'invalid_instant',
    );
    expect(verdict(receivedState(), 'reject', { reason: 'x', at: RECEIVED_AT })).toBe('ok');
  });

  describe('handoff', () => {
    it('hands a received dossier to the first step, or to a named step', () => {
      expect(verdict(receivedState(), 'handOff')).toBe('ok');
      expect(verdict(receivedState(), 'handOff', { toStep: 1 })).toBe('ok');
    });

    it('refuses a step the procedure does not have', () => {
      expect(verdict(receivedState(), 'handOff', { toStep: 5 })).toBe('unknown_step');
      expect(verdict(stepDone(), 'handOff', { toStep: 7 })).toBe('unknown_step');
    });

    it('waits for the current step to be completed before handing on', () => {
      expect(verdict(processing(), 'handOff')).toBe('step_not_completed');
      expect(verdict(stepDone(), 'handOff')).toBe('ok');
    });

    it('has nowhere to go after the last step', () => {
      const last = stateAfter(handOff(T1, 1), completeStep(T2, 1));
      expect(verdict(last, 'handOff')).toBe('no_next_step');
    });

    it('does not hand off a paused or finished dossier', () => {
      expect(verdict(waiting(), 'handOff')).toBe('invalid_transition');
      expect(verdict(ready(), 'handOff')).toBe('invalid_transition');
    });
  });

  describe('complete step', () => {
    it('completes the open step while processing', () => {
      expect(verdict(processing(), 'completeStep')).toBe('ok');
    });

    it('has no step to complete before the handoff or twice', () => {
      expect(verdict(receivedState(), 'completeStep')).toBe('invalid_transition');
      expect(verdict(stepDone(), 'completeStep')).toBe('step_not_open');
      expect(verdict(waiting(), 'completeStep')).toBe('invalid_transition');
    });
  });

  describe('supplement (Mẫu 02)', () => {
    const request = { reason: 'Thiếu giấy tờ', items: ['CCCD'] };
    it('may be requested at the desk or during processing, not while already waiting', () => {
      expect(verdict(receivedState(), 'requestSupplement', request)).toBe('ok');
      expect(verdict(processing(), 'requestSupplement', request)).toBe('ok');
      expect(verdict(waiting(), 'requestSupplement', request)).toBe('invalid_transition');
      expect(verdict(ready(), 'requestSupplement', request)).toBe('invalid_transition');
    });

    it('is received only while waiting, and not before it was requested', () => {
      expect(verdict(processing(), 'receiveSupplement')).toBe('invalid_transition');
      expect(verdict(waiting(), 'receiveSupplement', { at: T3 })).toBe('ok');
      expect(verdict(waiting(), 'receiveSupplement', { at: T1 })).toBe('invalid_instant');
    });
  });

  describe('delay report', () => {
    const report = { reason: 'Chờ ý kiến cơ quan khác', faultParty: 'other_agency' as const };
    it('is accepted while pending with a later proposed appointment', () => {
      for (const s of [receivedState(), processing(), waiting()]) {
        expect(verdict(s, 'reportDelay', { ...report, proposedDueAt: '2026-11-12T01:00:00.000Z' })).toBe(
          'ok',
        );
      }
    });
    it('refuses a proposed appointment not after the current due instant, and after the result', () => {
      expect(
        verdict(processing(), 'reportDelay', { ...report, proposedDueAt: '2026-11-05T01:00:00.000Z' }),
      ).toBe('invalid_due_date');
      expect(verdict(ready(), 'reportDelay', { ...report, proposedDueAt: '2026-11-12T01:00:00.000Z' })).toBe(
        'invalid_transition',
      );
    });
  });

  describe('apology (Mẫu 04)', () => {
    const apology = {
      reason: 'Cần xác minh',
      faultParty: 'processing_agency' as const,
      newDueAt: '2026-11-12T01:00:00.000Z',
    };
    it('moves the appointment once while the dossier is pending', () => {
      expect(verdict(processing(), 'issueApology', apology)).toBe('ok');
      expect(verdict(waiting(), 'issueApology', apology)).toBe('ok');
    });
    it('refuses a second apology', () => {
      const once = stateAfter(handOff(T1), apologyIssued(T2));
      expect(verdict(once, 'issueApology', { ...apology, newDueAt: '2026-11-20T01:00:00.000Z' })).toBe(
        'apology_already_issued',
      );
    });
    it('refuses a new appointment not after the current due instant', () => {
      expect(
        verdict(processing(), 'issueApology', { ...apology, newDueAt: '2026-11-09T01:00:00.000Z' }),
      ).toBe('invalid_due_date');
    });
    it('is too late once the result is ready', () => {
      expect(verdict(ready(), 'issueApology', apology)).toBe('invalid_transition');
    });
  });

  describe('result', () => {
    it('is marked ready from received or processing, not while paused for a supplement', () => {
      expect(verdict(receivedState(), 'markResultReady', { resultKind: 'paper' })).toBe('ok');
      expect(verdict(processing(), 'markResultReady', { resultKind: 'electronic' })).toBe('ok');
      expect(verdict(waiting(), 'markResultReady', { resultKind: 'paper' })).toBe('invalid_transition');
      expect(verdict(ready(), 'markResultReady', { resultKind: 'paper' })).toBe('invalid_transition');
    });
    it('is returned only once ready', () => {
      expect(verdict(processing(), 'returnResult')).toBe('invalid_transition');
      expect(verdict(ready(), 'returnResult')).toBe('ok');
    });
  });

  describe('side exits', () => {
    it('rejects and withdraws a pending dossier only', () => {
      for (const s of [receivedState(), processing(), waiting()]) {
        expect(verdict(s, 'reject', { reason: 'Hồ sơ giả mạo' })).toBe('ok');
        expect(verdict(s, 'withdraw', {})).toBe('ok');
      }
      expect(verdict(ready(), 'reject', { reason: 'x' })).toBe('invalid_transition');
      expect(verdict(ready(), 'withdraw', {})).toBe('invalid_transition');
    });
  });

  describe('digitization, payment, rating', () => {
    it('records digitization and payment in any open state', () => {
      for (const s of [receivedState(), processing(), waiting(), ready()]) {
        expect(verdict(s, 'recordDigitization', { components: ['to-khai'], result: false })).toBe('ok');
        expect(verdict(s, 'recordPayment', { amountVnd: 50_000, online: true })).toBe('ok');
      }
    });
    it('digitizes the result only once there is one', () => {
      expect(verdict(processing(), 'recordDigitization', { components: [], result: true })).toBe(
        'invalid_transition',
      );
      expect(verdict(ready(), 'recordDigitization', { components: [], result: true })).toBe('ok');
    });
    it('takes the applicant rating once, after the result is ready or returned', () => {
      expect(verdict(processing(), 'recordRating', { score: 5 })).toBe('invalid_transition');
      expect(verdict(ready(), 'recordRating', { score: 5 })).toBe('ok');
      expect(verdict(returned(), 'recordRating', { score: 5 })).toBe('ok');
      expect(verdict(rejected(), 'recordRating', { score: 5 })).toBe('dossier_closed');
      const rated = stateAfter(
        handOff(T1),
        resultReady(T2),
        body('dossier.rating_recorded', T3, { score: 4, actor: desk }),
      );
      expect(verdict(rated, 'recordRating', { score: 5 })).toBe('rating_already_recorded');
    });
  });
});
