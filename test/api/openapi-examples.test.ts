import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAgencies, sampleProcedures } from '../../domain/reference';
import { SAMPLE_DOSSIER_CODE } from '../../services/api/openapi-examples';
import { buildApi } from '../../services/api/server';
import { createLogger } from '../../services/logger';

/*
 * Issue 11: "/docs examples are random strings: use the sample catalogue (a real procedure, agency
 * and Vietnamese name), for every endpoint". The generated OpenAPI document is walked: every path,
 * query and header parameter and every JSON request body has an example, each example validates
 * against its own schema, and the codes in them are the sample catalogue's.
 */

type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: {
    content: Record<
      string,
      { schema?: Schema; example?: unknown; examples?: Record<string, { value: unknown }> }
    >;
  };
}

let app: FastifyInstance;
let doc: { paths: Record<string, Record<string, Operation>> };

beforeAll(async () => {
  // The document only: no route is called, so no database, Temporal or NATS behind it.
  app = await buildApi({
    config: {
      TEMPORAL_TASK_QUEUE: 'motcua',
      MOTCUA_ADMIN_TOKEN: undefined,
      NATS_ALERT_STREAM: 'ALERTS',
      NATS_DUPLICATE_WINDOW_HOURS: 48,
    } as never,
    logger: createLogger('test', 'error'),
    prisma: {} as never,
    temporal: {} as never,
  });
  await app.ready();
  doc = app.swagger() as typeof doc;
});
afterAll(async () => {
  await app?.close();
});

/** OpenAPI 3.0 schema → JSON Schema for Ajv (nullable, boolean exclusiveMinimum/Maximum). */
function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (!s || typeof s !== 'object') return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s as Schema)) out[k] = toJsonSchema(v);
  if (out.exclusiveMinimum === true) {
    out.exclusiveMinimum = out.minimum;
    delete out.minimum;
  }
  if (out.exclusiveMaximum === true) {
    out.exclusiveMaximum = out.maximum;
    delete out.maximum;
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = (schema: Schema | undefined, value: unknown) => {
  const check = ajv.compile((toJsonSchema(schema ?? {}) as object) ?? {});
  return check(value) ? null : ajv.errorsText(check.errors);
};

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })),
  );
const examplesOf = (x: { example?: unknown; examples?: Record<string, { value: unknown }> }) =>
  x.example !== undefined ? [x.example] : Object.values(x.examples ?? {}).map((e) => e.value);

const agencyCodes = new Set(sampleAgencies.map((a) => a.code));
const procedureCodes = new Set(sampleProcedures.map((p) => p.code));

describe('OpenAPI examples from the sample catalogue', () => {
  it('every path, query and header parameter has an example that its schema accepts', () => {
    const missing: string[] = [];
    const invalid: string[] = [];
    let checked = 0;
    for (const { id, op } of operations()) {
      for (const p of op.parameters ?? []) {
        const examples = examplesOf(p);
        if (examples.length === 0) missing.push(`${id} ${p.in}:${p.name}`);
        for (const e of examples) {
          checked += 1;
          const error = validate(p.schema, e);
          if (error) invalid.push(`${id} ${p.in}:${p.name} = ${JSON.stringify(e)}: ${error}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(invalid).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it('every JSON request body has an example that its schema accepts', () => {
    const missing: string[] = [];
    const invalid: string[] = [];
    let bodies = 0;
    for (const { id, op } of operations()) {
      const json = op.requestBody?.content['application/json'];
      if (!json) continue;
      bodies += 1;
      const examples = examplesOf(json);
      if (examples.length === 0) missing.push(id);
      for (const e of examples) {
        const error = validate(json.schema, e);
        if (error) invalid.push(`${id}: ${error}`);
      }
    }
    expect(missing).toEqual([]);
    expect(invalid).toEqual([]);
    expect(bodies).toBeGreaterThan(20);
  });

  it('agency, procedure and dossier codes in the examples are the sample catalogue’s, names are Vietnamese', () => {
    const codes: [string, unknown][] = [];
    const walk = (where: string, v: unknown) => {
      if (Array.isArray(v)) for (const x of v) walk(where, x);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (/^(agency|agencyCode|parent|parentCode)$/.test(k) && typeof x === 'string')
            codes.push([`${where}.${k}`, x]);
          else if (/^(procedure|procedureCode)$/.test(k) && typeof x === 'string')
            codes.push([`${where}.${k}`, x]);
          walk(`${where}.${k}`, x);
        }
    };
    for (const { id, op } of operations()) {
      for (const p of op.parameters ?? []) {
        for (const e of examplesOf(p)) {
          if (['agency', 'parent', 'procedure'].includes(p.name)) codes.push([`${id} ${p.name}`, e]);
          if (p.in === 'path' && p.name === 'code') {
            const ok = id.includes('/v1/procedures/')
              ? procedureCodes.has(e as string)
              : id.includes('/v1/admin/agencies/')
                ? agencyCodes.has(e as string)
                : e === SAMPLE_DOSSIER_CODE;
            expect(ok, `${id} code = ${String(e)}`).toBe(true);
          }
        }
      }
      const json = op.requestBody?.content['application/json'];
      if (json) for (const e of examplesOf(json)) walk(id, e);
    }
    expect(codes.length).toBeGreaterThan(20);
    for (const [where, code] of codes) {
      expect(
        agencyCodes.has(code as string) || procedureCodes.has(code as string),
        `${where} = ${String(code)}`,
      ).toBe(true);
    }
    // The dossier code is the sample commune's, and the intake example names a real sample procedure.
    expect(SAMPLE_DOSSIER_CODE.startsWith('X-AN-BINH-')).toBe(true);
    const intake = examplesOf(
      doc.paths['/v1/dossiers']!.post!.requestBody!.content['application/json']!,
    )[0] as {
      procedureCode: string;
      applicant: { name: string };
    };
    expect(procedureCodes.has(intake.procedureCode)).toBe(true);
    expect(intake.applicant.name).toBe('Nguyễn Văn An');
  });
});
