import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, desk, type FastHarness, HOUR, iso, MINUTE, refusal, startFastHarness } from './fast-harness';

// The fast tier: the workflow's decisions about time, on the time-skipping server without NATS
// or PostgreSQL (test/workflow/fast-harness.ts).
let h: FastHarness;

beforeAll(async () => {
  h = await startFastHarness();
}, 300_000);

afterAll(async () => {
  await h?.stop();
});

describe('server time decides when an action happened', () => {
  it('refuses a result dated more than the tolerance before the workflow time (backdated_action)', async () => {
    const { code } = await h.start();
    await h.sleepUntil((await h.now()) + 2 * HOUR, 0);
    const now = await h.now();
    expect(
      await refusal(h.act(code, 'markResultReady', { resultKind: 'paper', at: iso(now - 60 * MINUTE) })),
    ).toBe('backdated_action');
    expect(h.typesOf(code)).toEqual(['dossier.received']);
  });

  it('refuses an instant later than the tolerance ahead (instant_in_future)', async () => {
    const { code } = await h.start();
    const now = await h.now();
    expect(await refusal(h.act(code, 'handOff', { at: iso(now + 20 * MINUTE) }))).toBe('instant_in_future');
  });

  it('refuses an instant before the dossier’s last event (instant_before_last_event)', async () => {
    const { code } = await h.start();
    const now = await h.now();
    await h.act(code, 'handOff', { at: iso(now + 10 * MINUTE) });
    expect(await refusal(h.act(code, 'completeStep', { at: iso(now + 5 * MINUTE) }))).toBe(
      'instant_before_last_event',
    );
  });

  it('accepts an instant within the tolerance and dates the event with it, recording the workflow time', async () => {
    const { code } = await h.start();
    await h.sleepUntil(await h.now(), 10 * MINUTE);
    const now = await h.now();
    await h.act(code, 'handOff', { at: iso(now - 5 * MINUTE) });
    const [, handedOff] = h.eventsOf(code);
    expect(handedOff!.occurredAt).toBe(iso(now - 5 * MINUTE));
    expect(Date.parse(handedOff!.recordedAt!)).toBeGreaterThanOrEqual(now);
  });

  it('dates an action without `at` at the workflow time', async () => {
    const { code } = await h.start();
    const now = await h.now();
    await h.act(code, 'handOff', {});
    const [, handedOff] = h.eventsOf(code);
    expect(Date.parse(handedOff!.occurredAt)).toBeGreaterThanOrEqual(now);
    // Recorded once the step budget was computed (a later workflow task).
    expect(Date.parse(handedOff!.recordedAt!)).toBeGreaterThanOrEqual(Date.parse(handedOff!.occurredAt));
  });

  it('refuses a result dated before the overdue event, and classifies the result after it late', async () => {
    const { code, state } = await h.start({ procedureCode: 'KHAI-SINH' });
    await h.sleepUntil(state.dueAt, 5 * MINUTE);
    expect((await h.state(code)).overdue).toBe(true);
    // Within the tolerance of the workflow's time, but before the due instant (the old trick).
    expect(
      await refusal(
        h.act(code, 'markResultReady', { resultKind: 'paper', at: iso(Date.parse(state.dueAt) - MINUTE) }),
      ),
    ).toBe('instant_before_last_event');
    const ready = await h.act(code, 'markResultReady', { resultKind: 'paper' });
    expect(ready.result?.outcome).toBe('late');
  });

  it('keeps a step completed after its alarm over budget', async () => {
    const { code } = await h.start();
    const handed = await h.act(code, 'handOff', {});
    const stepDueAt = Date.parse(handed.steps[0]!.stepDueAt!);
    // The step's alarm fires at its due instant; completing it later stays over budget.
    await h.sleepUntil(stepDueAt, 10 * MINUTE);
    const done = await h.act(code, 'completeStep', {});
    expect(done.steps[0]!.overBudget).toBe(true);
    expect(h.typesOf(code)).toContain('dossier.step_overdue');
  });

  it('bounds the new appointment of an apology (invalid_due_date beyond the pinned span)', async () => {
    const { code, state } = await h.start();
    const tooFar = iso(Date.parse(state.dueAt) + 100 * DAY);
    expect(
      await refusal(h.act(code, 'issueApology', { reason: 'Chậm', faultParty: 'desk', newDueAt: tooFar })),
    ).toBe('invalid_due_date');
    const ok = iso(Date.parse(state.dueAt) + 10 * DAY);
    expect(
      (await h.act(code, 'issueApology', { reason: 'Chậm', faultParty: 'desk', newDueAt: ok })).dueAt,
    ).toBe(ok);
  });
});

describe('receipt', () => {
  it('fails the run before anything is recorded when the receipt is outside the tolerance, leaving the code usable', async () => {
    const code = `FAST-RECEIPT-${process.pid}`;
    const far = iso((await h.now()) + 2 * DAY);
    const first = await h.env.client.workflow.start('dossierWorkflow', {
      workflowId: `dossier-${code}`,
      taskQueue: `fast-${process.pid}`,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      workflowIdConflictPolicy: 'FAIL',
      args: [
        {
          code,
          procedureCode: 'KET-HON',
          agencyCode: 'X-AN-BINH',
          channel: 'direct',
          applicantName: 'X',
          receivedAt: far,
          actor: desk,
        },
      ],
    });
    const err = await first.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('instant_in_future');
    expect(h.typesOf(code)).toEqual([]);
    // The code was never received: a correct intake may use it.
    const { state } = await h.start({ code });
    expect(state.code).toBe(code);
    expect(h.typesOf(code)).toEqual(['dossier.received']);
  });

  it('warns half the working time after receipt for a one-day deadline, not at receipt', async () => {
    const { code, state } = await h.start({ procedureCode: 'KHAI-SINH' });
    expect(Date.parse(state.warningAt)).toBeGreaterThan(Date.parse(state.receivedAt));
    expect(h.typesOf(code)).toEqual(['dossier.received']);
  });
});

describe('a failing action never wedges the dossier', () => {
  it('answers a plain error inside the action as workflow_failure, and the dossier goes on', async () => {
    const { code } = await h.start();
    await h.act(code, 'requestSupplement', { reason: 'Thiếu giấy tờ', items: ['a'] });
    h.override.resumeClock = (async () => undefined) as never; // the decision reads clock.dueAt: TypeError
    try {
      expect(await refusal(h.act(code, 'receiveSupplement', {}))).toBe('workflow_failure');
    } finally {
      delete h.override.resumeClock;
    }
    const resumed = await h.act(code, 'receiveSupplement', {});
    expect(resumed.status).toBe('received');
  });

  it('refuses an event that fails its schema before it touches the state (invalid_event)', async () => {
    const { code } = await h.start();
    h.override.stepDueInstant = (async () => 'not an instant') as never;
    try {
      expect(await refusal(h.act(code, 'handOff', {}))).toBe('invalid_event');
    } finally {
      delete h.override.stepDueInstant;
    }
    expect((await h.state(code)).lastSeq).toBe(1);
    expect((await h.act(code, 'handOff', {})).status).toBe('processing');
    expect(h.typesOf(code)).toEqual(['dossier.received', 'dossier.handed_off']);
  });

  it('answers Updates with a slim view: no timeline, no applicant name', async () => {
    const { code, handle } = await h.start();
    const { dossierUpdates } = await import('../../workflows/definitions');
    const slim = (await handle.executeUpdate(dossierUpdates.handOff, {
      args: [{ actor: desk } as never],
    })) as unknown as Record<string, unknown>;
    expect(slim).toMatchObject({ code, status: 'processing' });
    expect(slim).not.toHaveProperty('timeline');
    expect(slim).not.toHaveProperty('applicantName');
  });
});
