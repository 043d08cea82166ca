import { describe, expect, it } from 'vitest';
import { intakeRequestSchema } from '../../domain/dossier';
import { instantSchema } from '../../domain/instant-schema';
import { checkCallerInstant, checkNewAppointment, judgedInstant } from '../../domain/instants';
import { TransitionRejected } from '../../domain/lifecycle';
import { decideWith } from '../../workflows/handlers';
import { command, DUE_AT, body as eventOf, handOff, officer, stateAfter } from './fixtures';

const MINUTE = 60_000;
const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof TransitionRejected) return err.code;
    throw err;
  }
};

const port = {
  stepDueInstant: async () => '2026-11-04T01:00:00.000Z',
  resumeClock: async () => {
    throw new Error('not used');
  },
  extendDueInstant: async () => {
    throw new Error('not used');
  },
};

describe('a caller’s instant against the system’s (domain/instants.ts)', () => {
  const now = Date.parse('2026-11-03T02:00:00.000Z');
  it('accepts an instant within the tolerance either side', () => {
    expect(
      codeOf(() => checkCallerInstant(new Date(now - 14 * MINUTE).toISOString(), now, 15)),
    ).toBeUndefined();
    expect(
      codeOf(() => checkCallerInstant(new Date(now + 14 * MINUTE).toISOString(), now, 15)),
    ).toBeUndefined();
  });
  it('refuses later than now + tolerance (instant_in_future)', () => {
    expect(codeOf(() => checkCallerInstant(new Date(now + 16 * MINUTE).toISOString(), now, 15))).toBe(
      'instant_in_future',
    );
  });
  it('refuses earlier than now − tolerance (backdated_action)', () => {
    expect(codeOf(() => checkCallerInstant(new Date(now - 16 * MINUTE).toISOString(), now, 15))).toBe(
      'backdated_action',
    );
  });
  it('refuses an instant before the dossier’s last event first (instant_before_last_event)', () => {
    const state = stateAfter(handOff('2026-11-03T01:55:00.000Z'));
    expect(codeOf(() => checkCallerInstant('2026-11-03T01:50:00.000Z', now, 15, state))).toBe(
      'instant_before_last_event',
    );
  });
  it('refuses an instant outside the calendar’s range', () => {
    expect(codeOf(() => checkCallerInstant('9999-01-01T00:00:00Z', now, 1e9))).toBe('instant_out_of_range');
  });
  it('judges lateness at the later of the caller’s and the system’s instant', () => {
    expect(judgedInstant('2026-11-03T01:50:00.000Z', now)).toBe('2026-11-03T02:00:00.000Z');
    expect(judgedInstant('2026-11-03T02:10:00.000Z', now)).toBe('2026-11-03T02:10:00.000Z');
  });
});

describe('one bounded instant schema', () => {
  it('refuses a receipt in 9999 or before 1900, with the out-of-range marker', () => {
    for (const at of [
      '9999-01-01T00:00:00+07:00',
      '1899-12-31T23:59:00+07:00',
      '2200-01-01T00:00:00+07:00',
    ]) {
      const parsed = instantSchema.safeParse(at);
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues[0]!.message).toMatch(/^instant_out_of_range/);
    }
    expect(instantSchema.safeParse('2199-12-31T23:59:00+07:00').success).toBe(true);
  });
  it('is the one intake uses', () => {
    const parsed = intakeRequestSchema.safeParse({
      code: 'ABC-1',
      procedureCode: 'P',
      agencyCode: 'A',
      channel: 'direct',
      applicant: { name: 'X' },
      receivedAt: '9999-12-31T00:00:00Z',
    });
    expect(parsed.success).toBe(false);
  });
});

describe('a new appointment is bounded', () => {
  const state = stateAfter();
  it('refuses one beyond the allowed span after the current due', () => {
    const far = new Date(Date.parse(DUE_AT) + 91 * 86_400_000).toISOString();
    expect(codeOf(() => checkNewAppointment(state, far, 90))).toBe('invalid_due_date');
    const near = new Date(Date.parse(DUE_AT) + 30 * 86_400_000).toISOString();
    expect(codeOf(() => checkNewAppointment(state, near, 90))).toBeUndefined();
  });
});

describe('decisions judge lateness at the system’s instant', () => {
  const decide = decideWith(port as never);
  it('counts a step over budget when the system received its completion late, whatever `at` says', async () => {
    const state = stateAfter(handOff('2026-11-02T02:00:00.000Z'));
    const event = await decide.completeStep(state, {
      ...command('completeStep', { at: '2026-11-03T23:55:00.000Z' }),
      judgedAt: '2026-11-04T01:10:00.000Z',
    });
    expect(event.payload).toMatchObject({ overBudget: true });
  });
  it('never classifies a dossier early or on time once it went overdue', async () => {
    const state = stateAfter(
      eventOf('dossier.overdue', DUE_AT, {
        dueAt: DUE_AT,
        apologyIssued: false,
        agencyCode: 'X-AN-BINH',
        step: null,
      }),
    );
    const event = await decide.markResultReady(state, {
      ...command('markResultReady', { resultKind: 'paper', at: '2026-11-05T01:00:00.000Z' }),
      actor: officer,
    });
    expect(event.payload).toMatchObject({ outcome: 'late' });
  });
});
