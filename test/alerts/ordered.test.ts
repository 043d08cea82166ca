import type { JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { perDossier } from '../../services/alerts/ordered';

const msg = (id: string) =>
  ({
    subject: 'dossier.X.kind',
    headers: { get: (h: string) => (h === 'Nats-Msg-Id' ? id : '') },
  }) as unknown as JsMsg;
const idOf = (m: JsMsg) => m.headers!.get('Nats-Msg-Id');
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('the alerts consumer handles dossiers in parallel and each dossier in order', () => {
  it('starts another dossier while one is still being handled, never two events of one dossier at once', async () => {
    const log: string[] = [];
    const release = new Map<string, () => void>();
    const ordered = perDossier(async (m) => {
      log.push(`start ${idOf(m)}`);
      await new Promise<void>((r) => release.set(idOf(m), r));
      log.push(`end ${idOf(m)}`);
    }, 8);
    await ordered.handle(msg('A:1'));
    await ordered.handle(msg('A:2'));
    await ordered.handle(msg('B:1'));
    await tick();
    expect(log).toEqual(['start A:1', 'start B:1']);
    release.get('A:1')!();
    await tick();
    expect(log).toEqual(['start A:1', 'start B:1', 'end A:1', 'start A:2']);
    release.get('B:1')!();
    release.get('A:2')!();
    await ordered.drain();
    expect(log.filter((l) => l.startsWith('end'))).toEqual(['end A:1', 'end B:1', 'end A:2']);
  });

  it('holds the next message back while `limit` dossiers are in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const ordered = perDossier(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await tick();
      inFlight -= 1;
    }, 2);
    for (let i = 0; i < 10; i++) await ordered.handle(msg(`D${i}:1`));
    await ordered.drain();
    expect(most).toBe(2);
  });
});
