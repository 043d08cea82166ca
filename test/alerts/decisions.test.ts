import { describe, expect, it } from 'vitest';
import { alertDecision, ancestorsOf } from '../../domain/alerts';
import type { DossierEvent } from '../../domain/events';

const envelope = (seq: number) => ({
  id: `X-AN-BINH-261130-0001:${seq}`,
  dossierCode: 'X-AN-BINH-261130-0001',
  workflowId: 'dossier-X-AN-BINH-261130-0001',
  seq,
  occurredAt: '2026-11-30T10:00:00.000Z',
  version: 1 as const,
});
const agencies = { receivingAgencyCode: 'X-AN-BINH', holdingAgencyCode: 'CA-X-AN-BINH' };

describe('what a dossier event means for supervisors', () => {
  it('raises overdue_without_apology when the due instant passes with no apology', () => {
    const event = {
      ...envelope(5),
      type: 'dossier.overdue',
      payload: {
        dueAt: '2026-11-30T10:00:00.000Z',
        apologyIssued: false,
        agencyCode: 'CA-X-AN-BINH',
        step: 1,
      },
    } as DossierEvent;
    const d = alertDecision(event, agencies);
    expect(d.raise).toEqual([
      expect.objectContaining({
        kind: 'overdue_without_apology',
        agencyCode: 'CA-X-AN-BINH',
        sourceId: event.id,
      }),
    ]);
    expect(d.close).toEqual([expect.objectContaining({ kinds: ['due_soon'] })]);
  });

  it('raises plain overdue when an apology had moved the appointment', () => {
    const event = {
      ...envelope(6),
      type: 'dossier.overdue',
      payload: {
        dueAt: '2026-11-30T10:00:00.000Z',
        apologyIssued: true,
        agencyCode: 'X-AN-BINH',
        step: null,
      },
    } as DossierEvent;
    expect(alertDecision(event, agencies).raise[0]?.kind).toBe('overdue');
  });

  it('warns at the apology deadline only while no apology exists, at the agency holding the dossier', () => {
    const base = { ...envelope(4), type: 'dossier.due_soon' as const };
    const without = {
      ...base,
      payload: { dueAt: 'x', warningAt: 'y', apologyIssued: false },
    } as DossierEvent;
    const withApology = {
      ...base,
      payload: { dueAt: 'x', warningAt: 'y', apologyIssued: true },
    } as DossierEvent;
    expect(alertDecision(without, agencies).raise[0]).toMatchObject({
      kind: 'due_soon',
      agencyCode: 'CA-X-AN-BINH',
    });
    expect(alertDecision(withApology, agencies).raise).toEqual([]);
  });

  it('gives the same source id on every redelivery, so an alert is raised once', () => {
    const event = {
      ...envelope(7),
      type: 'dossier.step_overdue',
      payload: {
        step: 1,
        stepKey: 'tham-dinh',
        agencyCode: 'CA-X-AN-BINH',
        stepDueAt: '2026-11-30T10:00:00.000Z',
      },
    } as DossierEvent;
    expect(alertDecision(event, agencies).raise[0]?.sourceId).toBe(
      alertDecision(event, agencies).raise[0]?.sourceId,
    );
  });

  it('closes every open alert when the dossier leaves the late path', () => {
    for (const type of ['dossier.result_ready', 'dossier.withdrawn', 'dossier.rejected'] as const) {
      const d = alertDecision({ ...envelope(9), type, payload: {} } as unknown as DossierEvent, agencies);
      expect(d.close).toHaveLength(1);
      expect(d.close[0]?.kinds).toBeUndefined();
    }
  });

  it('starts the supplement watch on a request and ends it when the supplement arrives', () => {
    const req = {
      ...envelope(3),
      type: 'dossier.supplement_requested',
      payload: {},
    } as unknown as DossierEvent;
    const got = {
      ...envelope(4),
      type: 'dossier.supplement_received',
      payload: {},
    } as unknown as DossierEvent;
    expect(alertDecision(req, agencies).supplementWatch).toMatchObject({ action: 'start', sourceId: req.id });
    expect(alertDecision(got, agencies).supplementWatch).toEqual({ action: 'end' });
    expect(alertDecision(got, agencies).close[0]?.kinds).toEqual(['supplement_waiting']);
  });
});

describe('the hierarchy escalation walks', () => {
  const tree = [
    { code: 'BO', parentCode: null },
    { code: 'T-MAU', parentCode: 'BO' },
    { code: 'X-AN-BINH', parentCode: 'T-MAU' },
    { code: 'LOOP-A', parentCode: 'LOOP-B' },
    { code: 'LOOP-B', parentCode: 'LOOP-A' },
  ];
  it('lists the agencies above, nearest first, at any depth', () => {
    expect(ancestorsOf(tree, 'X-AN-BINH')).toEqual(['T-MAU', 'BO']);
    expect(ancestorsOf(tree, 'BO')).toEqual([]);
  });
  it('stops on a cycle in bad data', () => {
    expect(ancestorsOf(tree, 'LOOP-A')).toEqual(['LOOP-B']);
  });
});
