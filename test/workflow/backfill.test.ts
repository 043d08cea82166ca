import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command, CommandName } from '../../domain/commands';
import type { BackfillAction } from '../../workflows/definitions';
import { DAY, desk, type FastHarness, HOUR, iso, officer, startFastHarness } from './fast-harness';

let h: FastHarness;

beforeAll(async () => {
  h = await startFastHarness();
}, 300_000);

afterAll(async () => {
  await h?.stop();
});

const action = <N extends CommandName>(
  name: N,
  at: number,
  body: Omit<Command<N>, 'at' | 'actor'>,
): BackfillAction =>
  ({ name, command: { ...body, at: iso(at), actor: officer } as Command<N> }) as BackfillAction;

/** A Monday 08:00 (+07:00) at least `weeks` weeks before the server's time. */
async function mondayWeeksAgo(weeks: number): Promise<number> {
  const now = await h.now();
  const d = new Date(now - weeks * 7 * DAY);
  const local = new Date(d.getTime() + 7 * HOUR);
  const back = (local.getUTCDay() + 6) % 7; // days since Monday
  const monday = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - back, 1, 0);
  return monday;
}

describe('backfill on the workflow', () => {
  it('records receipt and actions at their instants, with the alarms that fell due only while pending', async () => {
    const received = await mondayWeeksAgo(3); // KET-HON: 5 working days → due the next Monday 08:00
    const { code, state } = await h.start({
      receivedAt: iso(received),
      backfill: {
        actions: [
          action('handOff', received + HOUR, {}),
          action('completeStep', received + 2 * DAY, {}),
          action('handOff', received + 2 * DAY + HOUR, {}),
          action('completeStep', received + 3 * DAY, {}),
          action('markResultReady', received + 3 * DAY + HOUR, { resultKind: 'paper' }),
          action('returnResult', received + 3 * DAY + 2 * HOUR, {}),
        ],
      },
    });
    expect(state).toMatchObject({ status: 'returned', backfilled: true, overdue: false });
    expect(state.result?.outcome).toBe('early');
    const events = h.eventsOf(code);
    expect(events.every((e) => e.backfilled === true)).toBe(true);
    expect(events[0]!.occurredAt).toBe(iso(received));
    // The warning (one working day before the Monday due) falls after the result: the dossier was
    // no longer pending then, so no alarm was recorded.
    expect(h.typesOf(code)).toEqual([
      'dossier.received',
      'dossier.handed_off',
      'dossier.step_completed',
      'dossier.handed_off',
      'dossier.step_completed',
      'dossier.result_ready',
      'dossier.result_returned',
    ]);
  });

  it('records overdue at the due instant before a late result, and the result stays late', async () => {
    const received = await mondayWeeksAgo(4);
    const { code, state } = await h.start({
      receivedAt: iso(received),
      backfill: { actions: [action('markResultReady', received + 10 * DAY, { resultKind: 'paper' })] },
    });
    expect(state.result?.outcome).toBe('late');
    const types = h.typesOf(code);
    expect(types).toEqual([
      'dossier.received',
      'dossier.due_soon',
      'dossier.overdue',
      'dossier.result_ready',
    ]);
    const overdue = h.eventsOf(code)[2]!;
    expect(overdue).toMatchObject({ occurredAt: state.originalDueAt, backfilled: true });
  });

  it('continues live: an open backfilled dossier past due goes overdue at once', async () => {
    const received = await mondayWeeksAgo(3);
    const { code } = await h.start({
      receivedAt: iso(received),
      backfill: { actions: [action('handOff', received + HOUR, {})] },
    });
    const deadline = Date.now() + 20_000;
    while (!h.typesOf(code).includes('dossier.overdue') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const overdue = h.eventsOf(code).find((e) => e.type === 'dossier.overdue');
    expect(overdue).toBeDefined();
    expect(overdue!.backfilled).toBeUndefined();
    expect((await h.state(code)).overdue).toBe(true);
  });

  it('takes no live action while the backfill records history', async () => {
    const received = await mondayWeeksAgo(2);
    const { code } = await h.start({
      receivedAt: iso(received),
      backfill: { actions: [action('handOff', received + HOUR, {})] },
    });
    const after = await h.act(code, 'withdraw', { actor: desk });
    expect(after.status).toBe('withdrawn');
    expect(h.typesOf(code).at(-1)).toBe('dossier.withdrawn');
  });
});
