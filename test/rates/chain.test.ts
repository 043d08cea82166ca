import { describe, expect, it } from 'vitest';
import type { DossierEvent } from '../../domain/events';
import { chainHash, GENESIS_HASH } from '../../services/eventlog';
import { verifyChain } from '../../services/rates/audit';
import { envelope, handOff, received, stateAfter, supplementRequested } from '../lifecycle/fixtures';

/** Stored rows of a three-event dossier, chained as the projector stores them. */
function rows() {
  const first = received();
  const second = envelope(stateAfter(), handOff('2026-11-02T02:00:00.000Z'));
  const third = envelope(
    stateAfter(handOff('2026-11-02T02:00:00.000Z')),
    supplementRequested('2026-11-03T02:00:00.000Z'),
  );
  let prev = GENESIS_HASH;
  return [first, second, third].map((event: DossierEvent) => {
    const hash = chainHash(prev, event);
    const row = {
      id: event.id,
      dossierCode: event.dossierCode,
      seq: event.seq,
      payload: event as unknown,
      prevHash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
}

describe('verifyChain', () => {
  it('accepts an untouched chain', () => {
    const r = rows();
    expect(verifyChain('D-1', r, { lastSeq: 3, lastHash: r[2]!.hash })).toMatchObject({
      ok: true,
      events: 3,
    });
  });

  it('names a changed row by its seq', () => {
    const r = rows();
    const payload = r[1]!.payload as DossierEvent;
    r[1] = { ...r[1]!, payload: { ...payload, occurredAt: '2026-11-01T02:00:00.000Z' } };
    const v = verifyChain('D-1', r, { lastSeq: 3, lastHash: r[2]!.hash });
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => [p.seq, p.kind])).toEqual([[2, 'changed']]);
  });

  it('names a missing row, also at the end (against the dossier head)', () => {
    const r = rows();
    expect(verifyChain('D-1', [r[0]!, r[2]!]).problems.map((p) => [p.seq, p.kind])).toEqual([
      [2, 'missing'],
      [3, 'broken_link'],
    ]);
    expect(
      verifyChain('D-1', [r[0]!, r[1]!], { lastSeq: 3, lastHash: r[2]!.hash }).problems.map((p) => p.kind),
    ).toEqual(['missing', 'head_mismatch']);
  });

  it('names reordered rows', () => {
    const r = rows();
    const swapped = [r[0]!, { ...r[2]!, seq: 2 }, { ...r[1]!, seq: 3 }];
    const kinds = verifyChain('D-1', swapped).problems.filter((p) => p.kind === 'reordered');
    expect(kinds.map((p) => p.seq)).toEqual([2, 3]);
  });
});
