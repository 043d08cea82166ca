import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../services/config';
import { createPrisma } from '../../services/db';
import { type GuardedProcess, spawnGuarded } from '../../services/infra';
import { createTestKey } from './auth-helpers';
import { eventually, testConfig, uniqueCode } from './helpers';

/*
 * The container image builds (issue 12). CI has no Docker, so this builds the image's file tree
 * with the very script the Dockerfile's build stage runs (bin/build-image-tree.sh) into a clean
 * temporary directory, then starts `motcua worker` and `motcua api` FROM THAT TREE, as the image's
 * entrypoint does (NODE_ENV=production), against the test stack, and drives one dossier through
 * intake. The tree is built once per run (npm from its cache); it is the slowest test of the suite.
 */

let tree: string;
const children: GuardedProcess[] = [];
const stack = inject('stack');
const taskQueue = `image-${process.pid}`;

/** Runs the Dockerfile's build step; resolves with its output, rejects with it on failure. */
function buildImageTree(dest: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn('sh', [path.join(projectRoot, 'bin', 'build-image-tree.sh'), projectRoot, dest], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development' },
    });
    let output = '';
    proc.stdout.on('data', (d) => (output += d));
    proc.stderr.on('data', (d) => (output += d));
    proc.on('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`build-image-tree.sh exit ${code}\n${output.slice(-4000)}`)),
    );
  });
}

const roleEnv = (): Record<string, string> => {
  const config = testConfig();
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tree,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    MOTCUA_HOME: path.join(tree, '.motcua'),
    DATABASE_URL: stack.databaseUrl,
    DATABASE_OWNER_URL: stack.databaseOwnerUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    NATS_URL: stack.natsUrl,
    NATS_STREAM: stack.natsStream,
    MOTCUA_EVENT_SIGNING_KEYS: stack.eventSigningKeys,
    MOTCUA_PAYLOAD_KEYS: stack.payloadKeys,
    MOTCUA_INSTANT_TOLERANCE_MINUTES: String(config.MOTCUA_INSTANT_TOLERANCE_MINUTES),
    API_HOST: '127.0.0.1',
    API_PORT: '0',
  };
};

async function startRole(
  role: 'worker' | 'api',
  env = roleEnv(),
): Promise<{ proc: GuardedProcess; log: () => string }> {
  const logFile = path.join(tree, `${role}.log`);
  const proc = await spawnGuarded({
    name: `image-${role}`,
    command: process.execPath,
    args: [path.join(tree, 'bin', 'motcua.js'), role],
    cwd: tree,
    logFile,
    env,
    stopSignal: 'SIGTERM',
    graceMs: 10_000,
  });
  children.push(proc);
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  await eventually(async () => {
    if (!proc.isRunning()) throw new Error(`motcua ${role} exited early:\n${log().slice(-3000)}`);
    return /"msg":"started"/.test(log()) ? true : undefined;
  }, 120_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${log().slice(-3000)}`);
  });
  return { proc, log };
}

beforeAll(async () => {
  tree = mkdtempSync(path.join(tmpdir(), 'motcua-image-'));
  await buildImageTree(tree);
}, 900_000);

afterAll(async () => {
  for (const c of children.reverse()) await c.stop().catch(() => {});
  if (tree) rmSync(tree, { recursive: true, force: true });
});

describe('the container image', () => {
  it('holds the generated Prisma client, the workflow bundle and no dev-only packages', () => {
    expect(existsSync(path.join(tree, 'generated', 'prisma', 'client.ts'))).toBe(true);
    expect(existsSync(path.join(tree, 'dist', 'workflow-bundle.js'))).toBe(true);
    // (typescript and prisma stay: the lock marks them devOptional, optional peers of runtime packages.)
    for (const devOnly of ['vitest', '@biomejs/biome', 'fast-check', '@temporalio/testing', 'pdfjs-dist'])
      expect(existsSync(path.join(tree, 'node_modules', devOnly)), devOnly).toBe(false);
    expect(existsSync(path.join(tree, 'test'))).toBe(false);
  });

  it('refuses to start in production without MOTCUA_PAYLOAD_KEYS', async () => {
    const env = roleEnv();
    delete (env as Record<string, string | undefined>).MOTCUA_PAYLOAD_KEYS;
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const p = spawn(process.execPath, [path.join(tree, 'bin', 'motcua.js'), 'worker'], { cwd: tree, env });
      let output = '';
      p.stdout.on('data', (d) => (output += d));
      p.stderr.on('data', (d) => (output += d));
      p.on('exit', (code) => resolve({ code, output }));
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('MOTCUA_PAYLOAD_KEYS: required in production');
  });

  it('runs `motcua worker` and `motcua api` from the built tree and takes a dossier through intake', async () => {
    const worker = await startRole('worker');
    expect(worker.log()).toContain('worker uses the pre-built workflow bundle');
    const api = await startRole('api');
    const apiUrl = /"apiUrl":"(http:[^"]+)"/.exec(api.log())?.[1];
    expect(apiUrl).toBeDefined();
    const prisma = createPrisma(stack.databaseUrl);
    try {
      const { token } = await createTestKey(prisma, { role: 'intake', agencyCode: 'X-AN-BINH' });
      const code = uniqueCode('IMG');
      const res = await fetch(`${apiUrl}/v1/dossiers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          code,
          procedureCode: 'MAU-DANG-KY-KET-HON',
          agencyCode: 'X-AN-BINH',
          channel: 'direct',
          applicant: { name: 'Nguyễn Văn An' },
          receivedAt: new Date().toISOString(),
        }),
      });
      // 201 with the appointment: the image's worker ran the workflow and computed the due instant.
      const body = (await res.json()) as { status?: string; dueAt?: string };
      expect(res.status, JSON.stringify(body)).toBe(201);
      expect(body).toMatchObject({ status: 'received', dueAt: expect.any(String) });
    } finally {
      await prisma.$disconnect();
    }
  });
});
