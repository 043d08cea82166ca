import { describe, expect, it } from 'vitest';
import { dossierListQuerySchema, dossierViewSchema, viewOfState } from '../../services/api/views';
import {
  apologyIssued,
  body,
  completeStep,
  DUE_AT,
  desk,
  handOff,
  resultReady,
  stateAfter,
  supplementRequested,
} from '../lifecycle/fixtures';

describe('the dossier view', () => {
  it('shows every instant in Vietnam time and validates against the response schema', () => {
    const state = stateAfter(
      handOff('2026-11-02T02:00:00.000Z'),
      completeStep('2026-11-03T02:00:00.000Z'),
      apologyIssued('2026-11-05T02:00:00.000Z'),
      resultReady('2026-11-10T03:00:00.000Z'),
    );
    const view = viewOfState(state);
    expect(dossierViewSchema.parse(view)).toEqual(view);
    expect(view).toMatchObject({
      status: 'result_ready',
      receivedAt: '2026-11-02T08:00:00+07:00',
      originalDueAt: '2026-11-09T08:00:00+07:00',
      dueAt: '2026-11-11T08:00:00+07:00',
      completedAt: '2026-11-10T10:00:00+07:00',
      resultKind: 'electronic',
      apology: { at: '2026-11-05T09:00:00+07:00', newDueAt: '2026-11-11T08:00:00+07:00', signedBy: null },
      currentStep: 0,
      lastSeq: 5,
    });
    expect(view.steps[0]).toMatchObject({
      startedAt: '2026-11-02T09:00:00+07:00',
      completedAt: '2026-11-03T09:00:00+07:00',
    });
  });

  it('shows the paused clock while waiting for a supplement', () => {
    const view = viewOfState(stateAfter(supplementRequested('2026-11-03T03:00:00.000Z')));
    expect(view).toMatchObject({ status: 'waiting_supplement', pausedAt: '2026-11-03T10:00:00+07:00' });
    expect(view.supplementRequests).toBe(1);
  });

  it('shows a withdrawal without a reason as null, not missing', () => {
    const view = viewOfState(
      stateAfter(body('dossier.withdrawn', '2026-11-03T03:00:00.000Z', { actor: desk })),
    );
    expect(view.withdrawal).toEqual({ at: '2026-11-03T10:00:00+07:00', reason: null });
    expect(view.dueAt).toBe(viewOfState(stateAfter()).dueAt);
    expect(new Date(view.dueAt!).toISOString()).toBe(new Date(DUE_AT).toISOString());
  });
});

describe('list query parameters', () => {
  it('accepts one status or several, and reads overdue as a boolean', () => {
    expect(dossierListQuerySchema.parse({ status: 'processing' }).status).toEqual(['processing']);
    expect(dossierListQuerySchema.parse({ status: ['received', 'processing'] }).status).toEqual([
      'received',
      'processing',
    ]);
    expect(dossierListQuerySchema.parse({ overdue: 'false' }).overdue).toBe(false);
    expect(dossierListQuerySchema.parse({ overdue: 'true' }).overdue).toBe(true);
  });

  it('pages by 50 unless told, never more than 200', () => {
    expect(dossierListQuerySchema.parse({}).limit).toBe(50);
    expect(dossierListQuerySchema.parse({ limit: '200' }).limit).toBe(200);
    expect(dossierListQuerySchema.safeParse({ limit: '201' }).success).toBe(false);
    expect(dossierListQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
  });

  it('refuses unknown statuses, unknown parameters and periods without an offset', () => {
    expect(dossierListQuerySchema.safeParse({ status: 'completed' }).success).toBe(false);
    expect(dossierListQuerySchema.safeParse({ agencyCode: 'X' }).success).toBe(false);
    expect(dossierListQuerySchema.safeParse({ receivedFrom: '2026-11-01' }).success).toBe(false);
    expect(dossierListQuerySchema.safeParse({ receivedFrom: '2026-11-01T00:00:00+07:00' }).success).toBe(
      true,
    );
  });
});
