import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import { dossierSearchAttributes } from '../../domain/search-attributes';
import { instantLimitsOf } from '../../services/api/routes/dossiers';
import { createPrisma, type PrismaClient } from '../../services/db';
import { ensureTemporalCli } from '../../services/infra';
import { connectNats, type Nats } from '../../services/nats';
import { connectTemporalClient } from '../../services/temporal';
import { createDossierWorker } from '../../services/worker';
import {
  appointmentUpdate,
  type DossierWorkflowInput,
  dossierStartPolicy,
  dossierStateQuery,
  dossierUpdates,
} from '../../workflows/definitions';
import { dossierStartSearchAttributes } from '../../workflows/search-attributes';
import { eventually, testConfig, testLogger } from './helpers';

// Search attributes on the dev server (the Java time-skipping server has no visibility queries).
const config = testConfig({ TEMPORAL_TASK_QUEUE: `search-attributes-${process.pid}` });
const run = `SA-${process.pid}-${Date.now().toString(36)}`;
const exec = promisify(execFile);
const motcuaBin = fileURLToPath(new URL('../../bin/motcua.js', import.meta.url));
let temporalBin: string;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let prisma: PrismaClient;
let nats: Nats;

const DAY_MS = 86_400_000;
const now = () => new Date().toISOString();
const longAgo = () => new Date(Date.now() - 40 * DAY_MS).toISOString();

// Two agencies, each with one dossier in time and one received 40 days ago (long past its due).
const dossiers = {
  anBinhInTime: { agencyCode: 'X-AN-BINH', receivedAt: now },
  anBinhOverdue: { agencyCode: 'X-AN-BINH', receivedAt: longAgo },
  tinhInTime: { agencyCode: 'T-MAU', receivedAt: now },
  tinhOverdue: { agencyCode: 'T-MAU', receivedAt: longAgo },
} as const;
type Name = keyof typeof dossiers;
const codeOf = (name: Name) => `${run}-${name}`;
const idOf = (name: Name) => workflowIdFor(codeOf(name));

/** `temporal workflow list` itself, as an operator would type it. */
async function cliList(query: string): Promise<string[]> {
  const { stdout: json } = await exec(
    temporalBin,
    [
      'workflow',
      'list',
      '--address',
      config.TEMPORAL_ADDRESS,
      '--namespace',
      config.TEMPORAL_NAMESPACE,
      '--query',
      query,
      '--output',
      'json',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return parseCliJson(json)
    .map((w) => w.execution?.workflowId ?? w.execution?.workflow_id)
    .filter((id): id is string => typeof id === 'string')
    .sort();
}

/** The CLI prints either one JSON array or one JSON object per line, depending on version. */
function parseCliJson(out: string): any[] {
  const text = out.trim();
  if (!text) return [];
  if (text.startsWith('[')) return JSON.parse(text);
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

async function clientList(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
  return ids.sort();
}

/** Visibility is eventually consistent: poll until the list equals what is expected. */
async function expectListed(list: (q: string) => Promise<string[]>, query: string, expected: Name[]) {
  const want = expected.map(idOf).sort();
  let last: string[] = [];
  await eventually(async () => {
    last = await list(query);
    return JSON.stringify(last) === JSON.stringify(want) ? true : undefined;
  }, 30_000).catch(() => {
    throw new Error(`query ${query}\nexpected ${JSON.stringify(want)}\nlisted   ${JSON.stringify(last)}`);
  });
  expect(last).toEqual(want);
}

beforeAll(async () => {
  temporalBin = await ensureTemporalCli({ home: config.MOTCUA_HOME, logger: testLogger() });
  prisma = createPrisma(config.DATABASE_URL!);
  nats = await connectNats(config, testLogger());
  worker = await createDossierWorker({ config, logger: testLogger(), prisma, nats });
  running = worker.run();
  client = await connectTemporalClient(config);
  for (const name of Object.keys(dossiers) as Name[]) {
    const d = dossiers[name];
    const input: DossierWorkflowInput = {
      code: codeOf(name),
      procedureCode: 'MAU-DANG-KY-KHAI-SINH',
      agencyCode: d.agencyCode,
      channel: 'direct',
      applicantName: 'Trần Thị Bích',
      receivedAt: d.receivedAt(),
      // These dossiers are dated relative to each other, not to the machine's clock.
      instantLimits: instantLimitsOf(config),
      // Liên thông: the province's in-time dossier plans its first step at the commune (a handoff
      // names only the agency a step plans).
      ...(name === 'tinhInTime' && {
        steps: [
          {
            key: 'xac-minh',
            name: 'Xác minh tại xã',
            agencyCode: 'X-AN-BINH',
            role: 'officer',
            budgetWorkingHours: 8,
          },
        ],
      }),
    };
    const handle = await client.workflow.start('dossierWorkflow', {
      workflowId: idOf(name),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [input],
      ...dossierStartPolicy,
      typedSearchAttributes: dossierStartSearchAttributes(input),
    });
    await handle.executeUpdate(appointmentUpdate);
  }
  // Liên thông: the province's in-time dossier goes to the commune for its first step.
  await client.workflow.getHandle(idOf('tinhInTime')).executeUpdate(dossierUpdates.handOff, {
    args: [
      {
        toAgencyCode: 'X-AN-BINH',
        at: now(),
        actor: { id: 'sa-desk', role: 'intake', agencyCode: 'T-MAU' },
      },
    ],
  });
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await nats?.close();
  await prisma?.$disconnect();
});

describe('custom search attributes', () => {
  it('are registered on the dev server with the kinds the domain declares', async () => {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({
      namespace: config.TEMPORAL_NAMESPACE,
    });
    const indexed = { Keyword: 2, Bool: 5, Datetime: 6, KeywordList: 7 } as Record<string, number>;
    for (const [name, kind] of Object.entries(dossierSearchAttributes)) {
      expect(customAttributes?.[name], name).toBe(indexed[kind]);
    }
  });

  it('are registered on another namespace (a real cluster) by `motcua search-attributes`', async () => {
    const namespace = `motcua-sa-${process.pid}`;
    await client.connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const motcua = (...args: string[]) =>
      exec('node', [motcuaBin, 'search-attributes', ...args], {
        env: { ...process.env, TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: namespace },
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (err) => ({ code: err.code as number, stdout: String(err.stdout) }),
      );
    const before = await eventually(async () => {
      const r = await motcua('--check');
      return r.stdout.includes('MotcuaAgency') ? r : undefined; // the new namespace may take a moment
    });
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/MotcuaOverdue\s+Bool\s+MISSING/);
    const added = await motcua();
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/MotcuaOverdue\s+Bool\s+added/);
    const after = await motcua('--check');
    expect(after.code).toBe(0);
    expect(after.stdout).not.toMatch(/MISSING|CONFLICT/);
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
    expect(Object.keys(customAttributes ?? {})).toEqual(
      expect.arrayContaining(Object.keys(dossierSearchAttributes)),
    );
  });

  it('mark a dossier received long ago overdue and one received now not', async () => {
    const overdue = await eventually(async () => {
      const state = await client.workflow.getHandle(idOf('anBinhOverdue')).query(dossierStateQuery);
      return state.overdue ? state : undefined;
    });
    expect(overdue.overdue).toBe(true);
    const inTime = await client.workflow.getHandle(idOf('anBinhInTime')).query(dossierStateQuery);
    expect(inTime.overdue).toBe(false);
    const described = await client.workflow.getHandle(idOf('anBinhOverdue')).describe();
    const attrs = described.typedSearchAttributes;
    const key = <N extends keyof typeof dossierSearchAttributes>(name: N) =>
      attrs.getAll().find((p) => p.key.name === name)?.value;
    expect(key('MotcuaAgency')).toBe('X-AN-BINH');
    expect(key('MotcuaReceivingAgency')).toBe('X-AN-BINH');
    expect(key('MotcuaProcedure')).toBe('MAU-DANG-KY-KHAI-SINH');
    expect(key('MotcuaParticipants')).toEqual(['X-AN-BINH']);
    expect(key('MotcuaOverdue')).toBe(true);
    expect((key('MotcuaDueAt') as Date).toISOString()).toBe(new Date(overdue.dueAt).toISOString());
  });

  it("lets `temporal workflow list` find an agency's overdue dossiers", async () => {
    const ours = `WorkflowId STARTS_WITH 'dossier-${run}'`;
    await expectListed(cliList, `MotcuaAgency='X-AN-BINH' AND MotcuaOverdue=true AND ${ours}`, [
      'anBinhOverdue',
    ]);
    await expectListed(cliList, `MotcuaAgency='T-MAU' AND MotcuaOverdue=true AND ${ours}`, ['tinhOverdue']);
    await expectListed(cliList, `MotcuaOverdue=false AND ${ours}`, ['anBinhInTime', 'tinhInTime']);
    // Without our prefix the answer may include other tests' dossiers, but never our in-time ones.
    const all = await cliList("MotcuaAgency='X-AN-BINH' AND MotcuaOverdue=true");
    expect(all).toContain(idOf('anBinhOverdue'));
    expect(all).not.toContain(idOf('anBinhInTime'));
    expect(all).not.toContain(idOf('tinhOverdue'));
  });

  it('answer the same queries through the client', async () => {
    const ours = `WorkflowId STARTS_WITH 'dossier-${run}'`;
    await expectListed(clientList, `MotcuaAgency='X-AN-BINH' AND MotcuaOverdue=true AND ${ours}`, [
      'anBinhOverdue',
    ]);
    await expectListed(clientList, `MotcuaReceivingAgency='T-MAU' AND ${ours}`, [
      'tinhInTime',
      'tinhOverdue',
    ]);
    // The handed-off dossier now sits with the commune, which takes part in it.
    await expectListed(clientList, `MotcuaAgency='X-AN-BINH' AND ${ours}`, [
      'anBinhInTime',
      'anBinhOverdue',
      'tinhInTime',
    ]);
    await expectListed(clientList, `MotcuaStatus='processing' AND ${ours}`, ['tinhInTime']);
    await expectListed(
      clientList,
      `MotcuaProcedure='MAU-DANG-KY-KHAI-SINH' AND MotcuaStatus='received' AND ${ours}`,
      ['anBinhInTime', 'anBinhOverdue', 'tinhOverdue'],
    );
    await expectListed(clientList, `MotcuaDueAt < '${now()}' AND ${ours}`, ['anBinhOverdue', 'tinhOverdue']);
    await expectListed(clientList, `MotcuaParticipants='X-AN-BINH' AND ${ours}`, [
      'anBinhInTime',
      'anBinhOverdue',
      'tinhInTime',
    ]);
    await expectListed(clientList, `MotcuaParticipants='T-MAU' AND ${ours}`, ['tinhInTime', 'tinhOverdue']);
  });
});
