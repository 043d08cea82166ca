import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import { desk, type Harness, startHarness } from './lifecycle-harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('timeskip-can');
});

afterAll(async () => {
  await h?.stop();
});

describe('a long-lived dossier', () => {
  it('continues as new with its whole state and its alarms', async () => {
    const { code, handle, state } = await h.start({ procedureCode: 'MAU-DANG-KY-KET-HON', historyLimit: 40 });
    const firstRun = handle.firstExecutionRunId;
    await h.act(code, 'handOff', {});
    for (let i = 0; i < 8; i++) {
      await h.act(code, 'recordDigitization', {
        components: [`thanh-phan-${i}`],
        result: false,
        actor: desk,
      });
    }
    const described = await h.env.client.workflow.getHandle(workflowIdFor(code)).describe();
    expect(described.runId).not.toBe(firstRun);

    const carried = await h.state(code);
    expect(carried).toMatchObject({ status: 'processing', currentStep: 0, lastSeq: 10, dueAt: state.dueAt });
    expect(carried.digitization.components).toHaveLength(8);
    expect(carried.timeline.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // The due instant armed in the first run still fires in a later one, numbered after the rest.
    await h.sleepUntil(state.dueAt);
    const [overdue] = await h.waitForEvent(code, 'dossier.overdue');
    expect(overdue!.occurredAt).toBe(state.dueAt);
    expect(h.eventsOf(code).map((e) => e.seq)).toEqual(
      Array.from({ length: h.eventsOf(code).length }, (_, i) => i + 1),
    );
    // The open step is completed first: no result while a step is open.
    await h.act(code, 'completeStep', {});
    await h.act(code, 'markResultReady', { resultKind: 'paper' });
    await h.act(code, 'returnResult', { actor: desk });
    const final = await h.env.client.workflow.getHandle(workflowIdFor(code)).result();
    expect(final).toMatchObject({ status: 'returned', result: { outcome: 'late' } });
    expect(new Set(h.eventsOf(code).map((e) => e.id)).size).toBe(h.eventsOf(code).length);
  });
});
