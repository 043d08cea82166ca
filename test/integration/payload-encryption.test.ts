import { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { workflowIdFor } from '../../domain/dossier';
import { startServices } from '../../services/app';
import { auditCommand } from '../../services/cli/audit';
import {
  generatePayloadKey,
  PayloadEncryptionCodec,
  parsePayloadKeys,
  replayDataConverter,
} from '../../services/payload-codec';
import { workflowBundleFor } from '../../services/rates/replay';
import { connectTemporalClient } from '../../services/temporal';
import { type ApiWorld, startApiWorld } from './api-fixtures';
import { createTestKey } from './auth-helpers';
import { eventually, testConfig, testLogger, uniqueCode } from './helpers';

// The package is CommonJS: its namespace is reachable as the default export under Node's ESM.
const { temporal } = proto;

/*
 * Applicant data encrypted in Temporal history (issue 12), on the real stack: what Temporal stores
 * holds no applicant name, phone, email or ID number in clear; those allowed still read them
 * through the API, the codec endpoint and the auditor's replay; keys rotate without losing old
 * histories; a missing key is named.
 */

let world: ApiWorld;
const code = uniqueCode('ENC');
const unique = code.replace(/[^A-Za-z0-9]/g, '').slice(-8);
const applicant = {
  name: `Trần Thị Bảo Ngọc ${unique}`,
  phone: `0912${Date.now().toString().slice(-6)}`,
  email: `bao.ngoc.${unique.toLowerCase()}@example.vn`,
  idNumber: `0791${Date.now().toString().slice(-8)}`,
};
const stackKeys = inject('stack').payloadKeys;
const stackKeyId = parsePayloadKeys(stackKeys).current.id;

/** Dossiers whose next event publication fails once, with applicant data in the error message. */
const failOnce = new Set<string>();
const failureMessage = () =>
  `NATS refused the event of ${applicant.name} (điện thoại ${applicant.phone}, ${applicant.email}, CCCD ${applicant.idNumber})`;

beforeAll(async () => {
  world = await startApiWorld('ENC', {
    worker: {
      activities: (real) => ({
        ...real,
        async publishDossierEvent(event, route) {
          if (failOnce.delete(event.dossierCode)) throw new Error(failureMessage());
          return real.publishDossierEvent(event, route);
        },
      }),
    },
  });
}, 300_000);
afterAll(async () => {
  await world?.stop();
});

/** A client WITHOUT the codec: what anyone with access to Temporal (its database, tctl, the UI) sees. */
const rawClient = () =>
  new Client({ connection: world.services.temporal!.connection, namespace: testConfig().TEMPORAL_NAMESPACE });
const rawHistoryBytes = async (c: string) => {
  const history = await rawClient().workflow.getHandle(workflowIdFor(c)).fetchHistory();
  return { history, bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()) };
};
const api = async (method: string, path: string, token: string, body?: unknown, headers = {}) => {
  const res = await fetch(`${world.services.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as any };
};

describe('applicant data in Temporal history', () => {
  it('stores no applicant name, phone, email or ID number in clear anywhere in the history', async () => {
    const desk = await world.as('intake');
    const officer = await world.as('officer');
    await desk.receive(world.intake(code, { applicant, receivedAt: new Date().toISOString() }));
    // The handoff's event publication fails once with the applicant's data in its message (an
    // activity failure, kept in history as the retried attempt's last failure), then succeeds.
    failOnce.add(code);
    await officer.handOff(code, { note: 'Chuyển công chức tư pháp' });
    const { bytes, history } = await rawHistoryBytes(code);
    expect(history.events!.length).toBeGreaterThan(5);
    // The failure is in the history: its message and stack are an encrypted payload, no clear text.
    const failures = history
      .events!.map((e) => e.activityTaskStartedEventAttributes?.lastFailure)
      .filter((f) => f !== undefined && f !== null);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toBe('Encoded failure');
    const [attributes] = await new PayloadEncryptionCodec(parsePayloadKeys(stackKeys)).decode([
      failures[0]!.encodedAttributes!,
    ]);
    expect(JSON.parse(Buffer.from(attributes!.data!).toString('utf8'))).toMatchObject({
      message: failureMessage(),
    });
    for (const [field, value] of Object.entries(applicant)) {
      expect(bytes.includes(Buffer.from(value, 'utf8')), `${field} in clear`).toBe(false);
      expect(bytes.includes(Buffer.from(value.normalize('NFD'), 'utf8')), `${field} (NFD)`).toBe(false);
      expect(bytes.includes(Buffer.from(value, 'utf16le')), `${field} (UTF-16)`).toBe(false);
    }
    // ...and the payloads are there, encrypted with the current key id.
    expect(bytes.includes(Buffer.from('binary/encrypted'))).toBe(true);
    expect(bytes.includes(Buffer.from(stackKeyId))).toBe(true);
    // Search attributes are never encoded: they carry no applicant data; the memo is encrypted.
    const described = await rawClient().workflowService.describeWorkflowExecution({
      namespace: testConfig().TEMPORAL_NAMESPACE,
      execution: { workflowId: workflowIdFor(code) },
    });
    const describedBytes = Buffer.from(
      temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(described).finish(),
    );
    expect(Object.keys(described.workflowExecutionInfo?.searchAttributes?.indexedFields ?? {})).toContain(
      'MotcuaAgency',
    );
    for (const value of Object.values(applicant))
      expect(describedBytes.includes(Buffer.from(value, 'utf8')), value).toBe(false);
  });

  it('still shows the applicant to callers who may see the dossier, and to no one else', async () => {
    const desk = await createTestKey(world.services.prisma, { role: 'intake', agencyCode: world.agency });
    const res = await api('GET', `/v1/dossiers/${code}/applicant`, desk.token);
    expect(res).toMatchObject({ status: 200, body: { code, ...applicant } });
    const view = await eventually(async () => {
      const r = await api('GET', `/v1/dossiers/${code}`, desk.token);
      return r.status === 200 ? r.body : undefined;
    });
    expect(view.applicantName).toBe(applicant.name);
    const stranger = await createTestKey(world.services.prisma, {
      role: 'intake',
      agencyCode: world.otherAgency,
    });
    expect((await api('GET', `/v1/dossiers/${code}/applicant`, stranger.token)).status).toBe(404);
  });

  it('decrypts payloads for the Temporal UI at /codec/decode, for admin and auditor keys only', async () => {
    const { history } = await rawHistoryBytes(code);
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    const payloads = started.input!.payloads!.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data!).toString('base64'),
    }));
    const auditor = await createTestKey(world.services.prisma, { role: 'auditor', agencyCode: '*' });
    const ui = { origin: 'http://localhost:8233', 'x-namespace': 'default' };
    const decoded = await api('POST', '/codec/decode', auditor.token, { payloads }, ui);
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    const input = JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString('utf8'));
    expect(input).toMatchObject({ code, applicantName: applicant.name });
    // The UI's preflight needs no key; the allowed headers include the bearer token.
    const preflight = await fetch(`${world.services.apiUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        ...ui,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    // Encoding (the UI's signal/update forms) round-trips.
    const plain = [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: 'e30=' }];
    const encoded = await api('POST', '/codec/encode', auditor.token, { payloads: plain });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe(
      'binary/encrypted',
    );
    // Nobody else: a desk key is refused, no key is refused, a bad body is a 400.
    const desk = await createTestKey(world.services.prisma, { role: 'intake', agencyCode: world.agency });
    expect(await api('POST', '/codec/decode', desk.token, { payloads })).toMatchObject({
      status: 403,
      body: { code: 'forbidden_role' },
    });
    const anonymous = await fetch(`${world.services.apiUrl}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ui },
      body: JSON.stringify({ payloads }),
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(await api('POST', '/codec/decode', auditor.token, { payloads: 'x' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
    // A payload of a key this deployment does not have: a clear 422 naming the key id.
    const foreign = payloads.map((p) => ({
      ...p,
      metadata: { ...p.metadata, 'encryption-key-id': Buffer.from('gone').toString('base64') },
    }));
    expect(await api('POST', '/codec/decode', auditor.token, { payloads: foreign })).toMatchObject({
      status: 422,
      body: { code: 'unknown_payload_key', details: { keyId: 'gone' } },
    });
  });

  it('replays the encrypted history with `motcua audit replay`', async () => {
    const out: string[] = [];
    let exitCode = 0;
    const previous = process.env.MOTCUA_PAYLOAD_KEYS;
    process.env.MOTCUA_PAYLOAD_KEYS = stackKeys;
    try {
      await auditCommand({
        temporalAddress: testConfig().TEMPORAL_ADDRESS,
        out: (s) => out.push(s),
        err: () => {},
        setExitCode: (c) => {
          exitCode = c;
        },
      }).parseAsync(['replay', '--dossier', code, '--json'], { from: 'user' });
    } finally {
      process.env.MOTCUA_PAYLOAD_KEYS = previous;
    }
    expect(exitCode).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ replayed: 1, failures: [] });
  });

  it('keeps reading old workflows after a key rotation, and names a key id it does not have', async () => {
    const rotated = `${generatePayloadKey('rotated2')},${stackKeys}`;
    // The deployment restarts with a new current key, the old one kept for reading.
    await world.services.stop();
    const services = await startServices(testConfig({ MOTCUA_PAYLOAD_KEYS: rotated }), testLogger(), {
      worker: true,
      projector: true,
      api: true,
    });
    world.services = services;
    const officer = await createTestKey(services.prisma, { role: 'officer', agencyCode: world.agency });
    const done = await api('POST', `/v1/dossiers/${code}/complete-step`, officer.token, {});
    expect(done).toMatchObject({ status: 200, body: { code, applicantName: applicant.name } });
    expect(await api('GET', `/v1/dossiers/${code}/applicant`, officer.token)).toMatchObject({
      status: 200,
      body: applicant,
    });
    // Old payloads keep their key id, new ones carry the new one; still nothing in clear.
    const { bytes, history } = await rawHistoryBytes(code);
    expect(bytes.includes(Buffer.from('rotated2'))).toBe(true);
    expect(bytes.includes(Buffer.from(stackKeyId))).toBe(true);
    for (const value of Object.values(applicant)) expect(bytes.includes(Buffer.from(value))).toBe(false);

    // Without the old key: a clear error naming the missing key id, both for a client and a replay.
    const onlyNew = await connectTemporalClient({
      ...testConfig(),
      MOTCUA_PAYLOAD_KEYS: rotated.split(',')[0]!,
    });
    try {
      await expect(onlyNew.workflow.getHandle(workflowIdFor(code)).describe()).rejects.toThrow(
        new RegExp(`key id "${stackKeyId}", which is not in MOTCUA_PAYLOAD_KEYS`),
      );
    } finally {
      await onlyNew.connection.close();
    }
    const replays: string[] = [];
    for await (const r of Worker.runReplayHistories(
      {
        workflowBundle: await workflowBundleFor(),
        dataConverter: replayDataConverter(parsePayloadKeys(rotated.split(',')[0]!)),
      },
      [{ workflowId: code, history }],
    )) {
      replays.push(String(r.error?.message));
    }
    expect(replays[0]).toMatch(
      new RegExp(`key id \\\\?"${stackKeyId}\\\\?", which is not in MOTCUA_PAYLOAD_KEYS`),
    );
  });
});
