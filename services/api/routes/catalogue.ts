import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type CatalogueFormat,
  catalogueFileSchema,
  catalogueFormats,
  detectFormat,
} from '../../../domain/catalogue';
import { administrativeLevels } from '../../../domain/reference';
import type { PrismaClient } from '../../db';
import {
  getProcedure,
  importCatalogue,
  listAgencies,
  listProcedureGroups,
  listProcedures,
  UnknownAgencyCodeError,
} from '../../reference';
import { requireRole } from '../auth';
import { agencyView, groupView, importResponse, page, procedureView } from '../catalogue-views';
import { ApiError } from '../errors';

const errorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
const code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'invalid code');

const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
};

const encodeCursor = (c: string) => Buffer.from(c, 'utf8').toString('base64url');
function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const c = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!code.safeParse(c).success) {
    throw new ApiError(400, 'invalid_request', 'Invalid cursor: pass nextCursor from the previous page', [
      { field: 'querystring.cursor', message: 'invalid cursor' },
    ]);
  }
  return c;
}

/** Keyset pagination over a list sorted by code. */
function paginate<T extends { code: string }>(all: T[], limit: number, cursor: string | undefined) {
  const after = decodeCursor(cursor);
  const rest = after === undefined ? all : all.filter((x) => x.code > after);
  const items = rest.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rest.length > limit && last ? encodeCursor(last.code) : null };
}

/** Catalogue bodies are large (a province publishes thousands of procedures). */
const CATALOGUE_BODY_LIMIT = 20 * 1024 * 1024;

export interface CatalogueRouteDeps {
  prisma: PrismaClient;
}

/** The procedure catalogue: read by every caller, imported by admins (same as `motcua catalogue`). */
export const catalogueRoutes: FastifyPluginAsyncZod<CatalogueRouteDeps> = async (app, { prisma }) => {
  // In this plugin only: bodies arrive as text, so JSON syntax errors and CSV are reported alike.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/json', 'text/csv', 'text/plain'],
    { parseAs: 'string', bodyLimit: CATALOGUE_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );

  app.get(
    '/v1/procedures',
    {
      schema: {
        summary: 'Procedures of the catalogue (thủ tục hành chính), by code',
        description:
          'Filter by `agency` (procedures it can receive — same administrative level — or takes part ' +
          'in as a liên thông step), `level` or `group`. Pass `nextCursor` back as `cursor` until it is null.',
        tags: ['catalogue'],
        querystring: z.object({
          agency: code.optional(),
          level: z.enum(administrativeLevels).optional(),
          group: code.optional(),
          ...pageQuery,
        }),
        response: { 200: page(procedureView), 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      try {
        const all = await listProcedures(prisma, { agency: q.agency, level: q.level, group: q.group });
        return paginate(all, q.limit, q.cursor);
      } catch (err) {
        if (err instanceof UnknownAgencyCodeError) throw new ApiError(404, 'agency_not_found', err.message);
        throw err;
      }
    },
  );

  app.get(
    '/v1/procedures/:code',
    {
      schema: {
        summary: 'One procedure with its ordered steps, deadline, fee and online flags',
        tags: ['catalogue'],
        params: z.object({ code }),
        response: { 200: procedureView, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const p = await getProcedure(prisma, request.params.code);
      if (!p) throw new ApiError(404, 'procedure_not_found', `No procedure ${request.params.code}`);
      return p;
    },
  );

  app.get(
    '/v1/procedure-groups',
    {
      schema: {
        summary: 'Inter-agency procedure groups (nhóm thủ tục liên thông) and their procedures',
        tags: ['catalogue'],
        response: { 200: z.object({ items: z.array(groupView) }), 401: errorSchema },
      },
    },
    async () => ({ items: await listProcedureGroups(prisma) }),
  );

  app.get(
    '/v1/agencies',
    {
      schema: {
        summary: 'Agencies (cơ quan, đơn vị) and their place in the hierarchy, by code',
        tags: ['catalogue'],
        querystring: z.object({
          level: z.enum(administrativeLevels).optional(),
          parent: code.optional().describe('only the agencies directly under this one'),
          ...pageQuery,
        }),
        response: { 200: page(agencyView), 400: errorSchema, 401: errorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      return paginate(await listAgencies(prisma, { level: q.level, parent: q.parent }), q.limit, q.cursor);
    },
  );

  app.post(
    '/v1/admin/catalogue',
    {
      onRequest: requireRole('admin'),
      bodyLimit: CATALOGUE_BODY_LIMIT,
      // The body schema documents the JSON format in OpenAPI; the handler validates it (and CSV)
      // itself, so errors name CSV rows and fields the same way as `motcua catalogue import`.
      validatorCompiler: (req) =>
        req.httpPart === 'body'
          ? (data) => ({ value: data })
          : // At run time `req.schema` is the part's zod schema, as the zod compiler expects.
            validatorCompiler(req as unknown as Parameters<typeof validatorCompiler>[0]),
      schema: {
        summary: 'Import a procedure catalogue, JSON or CSV (admin)',
        description:
          'Send `application/json` (this schema) or `text/csv` (one row per procedure, steps as ' +
          '`key:name:role:agency|-:hours;...`; see the README). Agencies are upserted parents first, ' +
          'then groups, then procedures, by code, in one transaction: a catalogue with any error ' +
          'changes nothing and answers 400 `invalid_catalogue` with every problem in `details`. ' +
          '`dryRun=true` reports what would change without writing.',
        tags: ['admin', 'catalogue'],
        querystring: z.object({
          dryRun: z.enum(['true', 'false']).optional(),
          format: z.enum(catalogueFormats).optional().describe('default: from the content type'),
        }),
        body: catalogueFileSchema,
        response: {
          200: importResponse,
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          413: errorSchema,
          415: errorSchema,
        },
      },
    },
    async (request) => {
      const format: CatalogueFormat | undefined =
        request.query.format ?? detectFormat(request.headers['content-type']);
      if (!format) {
        throw new ApiError(
          400,
          'invalid_request',
          'Say the format: ?format=json|csv or a JSON/CSV content type',
          [{ field: 'querystring.format', message: 'required for this content type' }],
        );
      }
      const text = typeof request.body === 'string' ? request.body : '';
      if (text.trim() === '') {
        throw new ApiError(400, 'invalid_catalogue', 'The catalogue is empty', [
          { severity: 'error', field: '', message: 'tệp danh mục trống' },
        ]);
      }
      const dryRun = request.query.dryRun === 'true';
      const result = await importCatalogue(prisma, text, format, { dryRun });
      if (!result.ok) {
        throw new ApiError(
          400,
          'invalid_catalogue',
          `Invalid catalogue: ${result.errors.length} error(s); nothing was changed`,
          [...result.errors, ...result.warnings],
        );
      }
      request.log.info(
        {
          dryRun,
          format,
          principalId: request.principal.id,
          procedures: {
            created: result.summary.procedures.created.length,
            updated: result.summary.procedures.updated.length,
          },
        },
        'catalogue imported',
      );
      return {
        dryRun: result.dryRun,
        format: result.format,
        summary: result.summary,
        warnings: result.warnings,
      };
    },
  );
};
