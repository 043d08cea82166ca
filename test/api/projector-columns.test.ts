import { describe, expect, it } from 'vitest';
import { dossierColumns } from '../../services/projector';
import {
  apologyIssued,
  body,
  completeStep,
  desk,
  handOff,
  officer,
  resultReady,
  stateAfter,
  supplementRequested,
} from '../lifecycle/fixtures';

const d = (iso: string) => new Date(iso);

describe('read-model columns of a dossier state', () => {
  it('start with the receipt: received, held by the receiving desk, nothing paid or rated', () => {
    const cols = dossierColumns(stateAfter());
    expect(cols).toMatchObject({
      status: 'received',
      agencyCode: 'X-AN-BINH',
      currentAgencyCode: 'X-AN-BINH',
      currentStep: null,
      participants: ['X-AN-BINH'],
      originalDueAt: d('2026-11-09T01:00:00.000Z'),
      pausedAt: null,
      dueSoon: false,
      overdue: false,
      apologyIssuedAt: null,
      completedAt: null,
      outcome: null,
      componentsDigitized: false,
      resultDigitized: false,
      paidOnline: null,
      ratingScore: null,
    });
  });

  it('follow an inter-agency handoff: current step and agency, participants', () => {
    const cols = dossierColumns(
      stateAfter(
        handOff('2026-11-02T02:00:00.000Z'),
        completeStep('2026-11-03T02:00:00.000Z'),
        handOff('2026-11-03T03:00:00.000Z', 1, 0, 'T-MAU'),
      ),
    );
    expect(cols).toMatchObject({
      status: 'processing',
      currentStep: 1,
      currentAgencyCode: 'T-MAU',
      participants: ['X-AN-BINH', 'T-MAU'],
    });
  });

  it('record the pause, the apology with the original due kept, and the clock flags', () => {
    const paused = dossierColumns(stateAfter(supplementRequested('2026-11-03T03:00:00.000Z')));
    expect(paused).toMatchObject({ status: 'waiting_supplement', pausedAt: d('2026-11-03T03:00:00.000Z') });

    const late = dossierColumns(
      stateAfter(
        apologyIssued('2026-11-05T02:00:00.000Z'),
        body('dossier.overdue', '2026-11-11T01:00:00.000Z', {
          dueAt: '2026-11-11T01:00:00.000Z',
          apologyIssued: true,
          agencyCode: 'X-AN-BINH',
          step: null,
        }),
      ),
    );
    expect(late).toMatchObject({
      apologyIssuedAt: d('2026-11-05T02:00:00.000Z'),
      originalDueAt: d('2026-11-09T01:00:00.000Z'),
      dueAt: d('2026-11-11T01:00:00.000Z'),
      overdue: true,
    });
  });

  it('record result, return, digitization, payment and rating', () => {
    const cols = dossierColumns(
      stateAfter(
        body('dossier.digitized', '2026-11-02T01:30:00.000Z', {
          components: ['Tờ khai'],
          result: false,
          actor: desk,
        }),
        body('dossier.payment_recorded', '2026-11-02T01:40:00.000Z', {
          amountVnd: 50_000,
          online: false,
          actor: desk,
        }),
        body('dossier.payment_recorded', '2026-11-02T01:45:00.000Z', {
          amountVnd: 10_000,
          online: true,
          actor: desk,
        }),
        resultReady('2026-11-05T03:00:00.000Z'),
        body('dossier.digitized', '2026-11-05T03:10:00.000Z', {
          components: [],
          result: true,
          actor: officer,
        }),
        body('dossier.rating_recorded', '2026-11-05T04:00:00.000Z', { score: 5, actor: desk }),
        body('dossier.result_returned', '2026-11-05T04:10:00.000Z', {
          returnedAt: '2026-11-05T04:10:00.000Z',
          actor: desk,
        }),
      ),
    );
    expect(cols).toMatchObject({
      status: 'returned',
      completedAt: d('2026-11-05T03:00:00.000Z'),
      outcome: 'early',
      resultKind: 'electronic',
      returnedAt: d('2026-11-05T04:10:00.000Z'),
      componentsDigitized: true,
      resultDigitized: true,
      paidOnline: true,
      ratingScore: 5,
    });
  });

  it('keep the whole folded state for GET /v1/dossiers/:code', () => {
    const state = stateAfter(handOff('2026-11-02T02:00:00.000Z'));
    expect(dossierColumns(state).state).toEqual(state);
  });
});
