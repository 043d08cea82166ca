import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandNames, commandPaths } from '../../domain/commands';
import { createMotcuaClient, MotcuaApiError } from '../../services/api/client';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records what the client sends and answers with a canned response. */
function recordingFetch(answer: { status: number; body?: unknown; text?: string }) {
  const calls: Call[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({
      url,
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      body: init.body === undefined ? undefined : JSON.parse(init.body as string),
    });
    return new Response(answer.text ?? JSON.stringify(answer.body ?? {}), { status: answer.status });
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

describe('the typed client', () => {
  it('sends the bearer token and the Idempotency-Key with an intake', async () => {
    const { calls, fetch } = recordingFetch({ status: 201, body: { code: 'D-1' } });
    const client = createMotcuaClient({ baseUrl: 'http://api.test/', token: 'mck_secret', fetch });
    const intake = {
      code: 'D-1',
      procedureCode: 'P',
      agencyCode: 'A',
      channel: 'direct' as const,
      applicant: { name: 'Nguyễn Văn An' },
      receivedAt: '2026-11-02T08:00:00+07:00',
    };
    expect(await client.receive(intake, { idempotencyKey: 'k-1' })).toEqual({ code: 'D-1' });
    expect(calls).toEqual([
      {
        url: 'http://api.test/v1/dossiers',
        method: 'POST',
        headers: expect.objectContaining({
          authorization: 'Bearer mck_secret',
          'content-type': 'application/json',
          'idempotency-key': 'k-1',
        }),
        body: intake,
      },
    ]);
  });

  it('has one method per action, posting to its path, with an empty body when none is given', async () => {
    const { calls, fetch } = recordingFetch({ status: 200, body: {} });
    const client = createMotcuaClient({ baseUrl: 'http://api.test', token: 't', fetch });
    for (const name of commandNames) {
      const method = client[name] as (code: string, body?: unknown) => Promise<unknown>;
      await method('HS/01', undefined);
    }
    expect(calls.map((c) => c.url)).toEqual(
      commandNames.map((n) => `http://api.test/v1/dossiers/HS%2F01/${commandPaths[n]}`),
    );
    expect(calls.every((c) => c.method === 'POST' && JSON.stringify(c.body) === '{}')).toBe(true);
    expect(calls.every((c) => c.headers['idempotency-key'] === undefined)).toBe(true);
  });

  it('turns list filters into a query string, repeating status', async () => {
    const { calls, fetch } = recordingFetch({ status: 200, body: { items: [], nextCursor: null } });
    const client = createMotcuaClient({ baseUrl: 'http://api.test', token: 't', fetch });
    await client.list({ status: ['received', 'processing'], overdue: false, agency: 'X-AN-BINH', limit: 10 });
    expect(calls[0]!.url).toBe(
      'http://api.test/v1/dossiers?status=received&status=processing&overdue=false&agency=X-AN-BINH&limit=10',
    );
    expect(calls[0]!.body).toBeUndefined();
  });

  it('walks every page with listAll', async () => {
    const pages = [
      { items: [{ code: 'A' }, { code: 'B' }], nextCursor: 'c1' },
      { items: [{ code: 'C' }], nextCursor: null },
    ];
    const urls: string[] = [];
    const fetch = (async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify(pages[urls.length - 1]), { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    const client = createMotcuaClient({ baseUrl: 'http://api.test', token: 't', fetch });
    const codes: string[] = [];
    for await (const d of client.listAll({ procedure: 'P' })) codes.push(d.code);
    expect(codes).toEqual(['A', 'B', 'C']);
    expect(urls).toEqual([
      'http://api.test/v1/dossiers?procedure=P',
      'http://api.test/v1/dossiers?procedure=P&cursor=c1',
    ]);
  });

  it('throws MotcuaApiError with the status, code, message and details of an error answer', async () => {
    const { fetch } = recordingFetch({
      status: 409,
      body: { code: 'apology_already_issued', message: 'Đã xin lỗi và hẹn lại một lần', details: { seq: 3 } },
    });
    const client = createMotcuaClient({ baseUrl: 'http://api.test', token: 't', fetch });
    const err = await client
      .issueApology('D-1', {
        reason: 'Chậm',
        faultParty: 'desk',
        newDueAt: '2026-11-20T08:00:00+07:00',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotcuaApiError);
    expect(err).toMatchObject({
      status: 409,
      code: 'apology_already_issued',
      message: 'Đã xin lỗi và hẹn lại một lần',
      details: { seq: 3 },
    });
  });

  it('still throws a MotcuaApiError when the answer is not JSON (a proxy in between)', async () => {
    const { fetch } = recordingFetch({ status: 502, text: '<html>Bad Gateway</html>' });
    const client = createMotcuaClient({ baseUrl: 'http://api.test', token: 't', fetch });
    await expect(client.get('D-1')).rejects.toMatchObject({ status: 502, code: 'http_error' });
  });
});

describe('the typed client: catalogue', () => {
  it('reads procedures and agencies with their filters and pages', async () => {
    const { calls, fetch } = recordingFetch({ status: 200, body: { items: [], nextCursor: null } });
    const client = createMotcuaClient({ baseUrl: 'http://api.test', token: 't', fetch });
    await client.procedures({ agency: 'X-AN-BINH', limit: 10 });
    await client.agencies({ parent: 'T-MAU', cursor: 'abc' });
    await client.procedure('MAU-DANG-KY-KET-HON');
    await client.procedureGroups();
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET http://api.test/v1/procedures?agency=X-AN-BINH&limit=10',
      'GET http://api.test/v1/agencies?parent=T-MAU&cursor=abc',
      'GET http://api.test/v1/procedures/MAU-DANG-KY-KET-HON',
      'GET http://api.test/v1/procedure-groups',
    ]);
  });

  it('imports a CSV catalogue as text/csv and a JSON one as JSON, with dryRun in the query', async () => {
    const sent: { url: string; contentType: string; body: string }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      const headers = init.headers as Record<string, string>;
      sent.push({ url, contentType: headers['content-type']!, body: String(init.body) });
      return new Response(JSON.stringify({ dryRun: true }), { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    const client = createMotcuaClient({ baseUrl: 'http://api.test', token: 't', fetch });
    const csv = 'code,name\nP-1,Thủ tục mẫu\n';
    await client.importCatalogue(csv, { format: 'csv', dryRun: true });
    await client.importCatalogue({ procedures: [] } as never);
    expect(sent).toEqual([
      {
        url: 'http://api.test/v1/admin/catalogue?format=csv&dryRun=true',
        contentType: 'text/csv; charset=utf-8',
        body: csv,
      },
      {
        url: 'http://api.test/v1/admin/catalogue',
        contentType: 'application/json',
        body: '{"procedures":[]}',
      },
    ]);
  });
});

describe('the client module', () => {
  // Follows runtime (non-type) imports from a file; the client must not reach server code.
  function runtimeImports(file: string, seen = new Set<string>()): Set<string> {
    if (seen.has(file)) return seen;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/^(import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
      const spec = m[2]!;
      // `import { type A, type B } from` imports nothing at runtime.
      if (/^import\s+\{[^}]*\}/.test(m[0]) && /\{\s*(type\s+\w+\s*,?\s*)+\}/.test(m[0])) continue;
      if (!spec.startsWith('.')) {
        seen.add(spec);
        continue;
      }
      const base = path.resolve(path.dirname(file), spec);
      const candidates = [`${base}.ts`, path.join(base, 'index.ts')];
      const target = candidates.find((c) => {
        try {
          readFileSync(c);
          return true;
        } catch {
          return false;
        }
      });
      if (target) runtimeImports(target, seen);
    }
    return seen;
  }

  it('imports only zod and pure domain modules at runtime, no server code', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const reached = [...runtimeImports(path.join(root, 'services/api/client.ts'))].map((f) =>
      f.startsWith(root) ? path.relative(root, f) : f,
    );
    const outside = reached.filter(
      (f) => f !== 'services/api/client.ts' && !f.startsWith('domain/') && f !== 'zod',
    );
    expect(outside).toEqual([]);
  });

  it('is exported by the package as motcua/client', async () => {
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    expect(pkg.name).toBe('motcua');
    expect(pkg.exports['./client']).toBe('./services/api/client.ts');
    const exported = await import('motcua/client');
    expect(exported.createMotcuaClient).toBe(createMotcuaClient);
  });
});
