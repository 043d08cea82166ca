import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../services/cli/audit';
import {
  replayDossiers,
  replayDossiersInProcesses,
  replayTargets,
  workflowBundleFor,
} from '../../services/rates/replay';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { createTestKey } from './auth-helpers';
import { eventually, testConfig, uniqueCode } from './helpers';

/*
 * `motcua audit replay` machinery against the real Temporal server: the histories of live dossier
 * workflows replay cleanly with the released workflow code, and a release that changes a decision
 * without patched() fails, naming the dossier.
 */

let world: ApiWorld;
beforeAll(async () => {
  world = await startApiWorld('AR');
}, 300_000);
afterAll(async () => {
  await world?.stop();
});

describe('audit replay', () => {
  it('replays live dossier histories; a workflow change without patched() fails naming the dossier', async () => {
    const code = uniqueCode('AR');
    const desk = await world.as('intake');
    const officer = await world.as('officer');
    await desk.receive(world.intake(code, { receivedAt: new Date().toISOString() }));
    await officer.handOff(code, {});
    const client = world.services.temporal!;
    const targets = await eventually(async () => {
      const t = await replayTargets(client, { dossiers: [code] });
      return t.length > 0 ? t : undefined;
    });
    expect(targets[0]!.workflowId).toBe(`dossier-${code}`);

    const sourceMaps = process.sourceMapsEnabled;
    const released = await replayDossiers(client, targets);
    expect(released).toEqual({ replayed: targets.length, failures: [] });
    // Source maps are off only while the replayer runs (services/rates/replay.ts).
    expect(process.sourceMapsEnabled).toBe(sourceMaps);

    const changed = await workflowBundleFor(
      fileURLToPath(new URL('../replay/fixtures/timer-inserted.ts', import.meta.url)),
    );
    const outcome = await replayDossiers(client, targets, { workflowBundle: changed });
    expect(outcome.failures).toHaveLength(targets.length);
    expect(outcome.failures[0]).toMatchObject({ dossierCode: code, workflowId: `dossier-${code}` });
    expect(outcome.failures[0]!.error).toMatch(/Nondeterminism|DeterminismViolation/i);
    // The history event the replayer stopped at is reported with the dossier.
    expect(outcome.failures[0]!.eventId).toEqual(expect.any(Number));

    // The CLI: motcua audit replay --dossier CODE, exit 0 on the released code.
    const out: string[] = [];
    let exitCode = 0;
    await auditCommand({
      temporalAddress: testConfig().TEMPORAL_ADDRESS,
      out: (s) => out.push(s),
      err: () => {},
      setExitCode: (c) => {
        exitCode = c;
      },
    }).parseAsync(['replay', '--dossier', code, '--json'], { from: 'user' });
    expect(exitCode).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ replayed: targets.length, failures: [] });

    // The auditor's history view: stored events with actors, the chain verdict, the Temporal summary.
    const auditor = await createTestKey(world.services.prisma, { role: 'auditor', agencyCode: '*' });
    const history = await eventually(async () => {
      const res = await fetch(`${world.services.apiUrl}/v1/dossiers/${code}/history`, {
        headers: { authorization: `Bearer ${auditor.token}` },
      });
      const body = (await res.json()) as { events?: unknown[] };
      return res.status === 200 && (body.events?.length ?? 0) >= 2 ? body : undefined;
    });
    expect(history).toMatchObject({
      code,
      chain: { ok: true, firstBadSeq: null },
      temporal: { workflowId: `dossier-${code}`, status: 'RUNNING' },
    });
    const desk2 = await createTestKey(world.services.prisma, {
      role: 'intake',
      agencyCode: world.otherAgency,
    });
    const hidden = await fetch(`${world.services.apiUrl}/v1/dossiers/${code}/history`, {
      headers: { authorization: `Bearer ${desk2.token}` },
    });
    expect(hidden.status).toBe(403);
  });

  it('replays in several processes with the same verdicts, in target order', async () => {
    const desk = await world.as('intake');
    const codes = [uniqueCode('ARP'), uniqueCode('ARP'), uniqueCode('ARP')];
    for (const code of codes)
      await desk.receive(world.intake(code, { receivedAt: new Date().toISOString() }));
    const client = world.services.temporal!;
    const targets = await eventually(async () => {
      const t = await replayTargets(client, { dossiers: codes });
      return t.length === codes.length ? t : undefined;
    });
    const connect = {
      TEMPORAL_ADDRESS: testConfig().TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: testConfig().TEMPORAL_NAMESPACE,
      MOTCUA_PAYLOAD_KEYS: testConfig().MOTCUA_PAYLOAD_KEYS,
      NODE_ENV: testConfig().NODE_ENV,
    };
    const progress: number[] = [];
    const released = await replayDossiersInProcesses(client, connect, targets, {
      processes: 2,
      onProgress: (done) => progress.push(done),
    });
    expect(released).toEqual({ replayed: 3, failures: [] });
    expect(progress.at(-1)).toBe(3);

    // A release that changes a decision without patched(): every dossier fails, in target order,
    // whichever process replayed it.
    const changed = await workflowBundleFor(
      fileURLToPath(new URL('../replay/fixtures/timer-inserted.ts', import.meta.url)),
    );
    const outcome = await replayDossiersInProcesses(client, connect, targets, {
      processes: 2,
      workflowBundle: changed,
    });
    expect(outcome.replayed).toBe(3);
    expect(outcome.failures.map((f) => f.dossierCode)).toEqual(
      targets.map((t) => t.workflowId.replace(/^dossier-/, '')),
    );
    for (const f of outcome.failures) expect(f.error).toMatch(/Nondeterminism|DeterminismViolation/i);
  }, 120_000);
});
