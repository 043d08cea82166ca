import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dossierCodeSchema } from '../../domain/dossier';
import { controlSlipContent, receiptContent } from '../../domain/letters';
import type { DossierState } from '../../domain/lifecycle';
import { actorOf, assertCanSee, principalOf, visibleAgencyCodes } from '../api/auth';
import { ApiError } from '../api/errors';
import { errorBodySchema, vietnamInstantOrNull } from '../api/views';
import type { Prisma, PrismaClient } from '../db';
import {
  dossierStateOf,
  issueApologyLetter,
  LetterIssueRefused,
  type LetterRow,
  letterAgency,
  placeOf,
  procedureName,
  ruleSetOf,
} from './apology';
import { loadLetterPdf, storeLetterPdf } from './pdf-store';
import { renderLetter } from './render';
import { issueLetterBodySchema, type LetterView, letterViewSchema } from './views';

export { issueLetterBodySchema, type LetterView, letterViewSchema } from './views';

export interface LetterRouteDeps {
  prisma: PrismaClient;
  temporal: Client;
  now?: () => Date;
}

const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  422: errorBodySchema,
};

export function letterView(l: LetterRow): LetterView {
  return {
    id: l.id,
    dossierCode: l.dossierCode,
    kind: l.kind,
    formId: l.formId,
    ruleSet: l.ruleSet,
    status: l.status as LetterView['status'],
    issuingAgencyCode: l.issuingAgencyCode,
    faultParty: l.faultParty,
    number: l.number,
    year: l.year,
    reason: l.reason,
    proposedDueAt: vietnamInstantOrNull(l.proposedDueAt),
    newDueAt: vietnamInstantOrNull(l.newDueAt),
    signerName: l.signerName,
    signerTitle: l.signerTitle,
    createdAt: vietnamInstantOrNull(l.createdAt)!,
    issuedAt: vietnamInstantOrNull(l.issuedAt),
    issuedBy: l.issuedBy,
    pdfUrl: l.pdfSha256 ? `/v1/letters/${l.id}/pdf` : null,
  };
}

const idParams = z.object({ id: z.string().min(1).max(100) });
const codeParams = z.object({ code: dossierCodeSchema });

const DESK_SIGNER_TITLE = 'CÔNG CHỨC TIẾP NHẬN HỒ SƠ';

/** Văn bản: apology letters (draft → issue → PDF), receipts (Mẫu 01) and control slips (Mẫu 05). */
export const letterRoutes: FastifyPluginAsyncZod<LetterRouteDeps> = async (app, deps) => {
  const { prisma } = deps;
  const now = deps.now ?? (() => new Date());

  /** The dossier's state, after checking the caller may see it (404 otherwise, no leak). */
  const visibleDossier = async (request: FastifyRequest, code: string): Promise<DossierState> => {
    const state = await dossierStateOf(deps, code);
    if (!state) throw new ApiError(404, 'dossier_not_found', `No dossier ${code}`);
    assertCanSee(request, {
      code,
      agencyCode: state.agencyCode,
      currentAgencyCode: state.currentAgencyCode || null,
      participants: state.participants ?? [],
    });
    return state;
  };

  const visibleLetter = async (request: FastifyRequest, id: string): Promise<LetterRow> => {
    const letter = await prisma.letter.findUnique({ where: { id } });
    if (!letter) throw new ApiError(404, 'letter_not_found', `Không có văn bản ${id}.`);
    try {
      await visibleDossier(request, letter.dossierCode);
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 404) {
        throw new ApiError(404, 'letter_not_found', `Không có văn bản ${id}.`);
      }
      throw err;
    }
    return letter;
  };

  /**
   * What Mẫu 01 and Mẫu 05 share: the receiving desk issues them, in its place, signed by whoever
   * received the dossier, under the dossier's rule-set.
   */
  const deskLetterBasis = async (state: DossierState) => {
    const [desk, procedure] = await Promise.all([
      letterAgency(prisma, state.agencyCode),
      procedureName(prisma, state.procedureCode),
    ]);
    const received =
      state.timeline.find((e) => e.type === 'dossier.received' || e.type === 'received') ?? state.timeline[0];
    return {
      issuingAgency: desk,
      procedureName: procedure,
      place: placeOf(desk.name),
      signer: { title: DESK_SIGNER_TITLE, name: received?.actor?.name ?? received?.actor?.id ?? desk.name },
      ruleSet: ruleSetOf(state),
    };
  };

  const sendPdf = async (reply: FastifyReply, sha256: string, filename: string) => {
    const bytes = await loadLetterPdf(prisma, sha256);
    if (!bytes) throw new ApiError(404, 'pdf_not_found', 'PDF not stored');
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="${filename}"`)
      .header('etag', `"${sha256}"`)
      .send(Buffer.from(bytes));
  };

  app.post(
    '/v1/letters/:id/issue',
    {
      schema: {
        summary: 'Ban hành văn bản xin lỗi (Mẫu 04): number, final PDF, and the one new appointment',
        description:
          'Supervisor of the issuing agency (or an agency above it), or admin. May change the reason, the new ' +
          'appointment (after the original one and after the issue) and the signer. Numbers the letter in the ' +
          "issuing agency's yearly sequence, renders the final PDF and calls the dossier workflow's issueApology " +
          'with the letter id, in one transaction. Issuing twice, or when the dossier already has an apology, ' +
          'answers 409 and changes nothing.',
        tags: ['letters'],
        params: idParams,
        body: issueLetterBodySchema,
        response: { 200: letterViewSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const letter = await visibleLetter(request, request.params.id);
      if (principal.role !== 'admin') {
        const codes = await visibleAgencyCodes(request);
        const inScope = codes === 'all' || codes.includes(letter.issuingAgencyCode);
        if (principal.role !== 'supervisor' || !inScope) {
          throw new ApiError(
            403,
            'forbidden_role',
            'Chỉ lãnh đạo cơ quan ban hành văn bản (hoặc quản trị) được ban hành văn bản xin lỗi.',
          );
        }
      }
      try {
        const issued = await issueApologyLetter(deps, letter.id, request.body, {
          actor: actorOf(principal),
          at: now(),
        });
        request.log.info(
          { letterId: issued.id, dossierCode: issued.dossierCode, number: issued.number },
          'apology letter issued',
        );
        return letterView(issued);
      } catch (err) {
        if (err instanceof LetterIssueRefused)
          throw new ApiError(err.status, err.code, err.message, err.details);
        throw err;
      }
    },
  );

  app.get(
    '/v1/letters/:id',
    {
      schema: {
        summary: 'A letter (draft or issued)',
        tags: ['letters'],
        params: idParams,
        response: { 200: letterViewSchema, ...errors },
      },
    },
    async (request) => letterView(await visibleLetter(request, request.params.id)),
  );

  app.get(
    '/v1/letters/:id/pdf',
    {
      schema: {
        summary: "The letter's PDF (A4): the draft's while a draft, the final one once issued",
        tags: ['letters'],
        params: idParams,
        produces: ['application/pdf'],
      },
    },
    async (request, reply) => {
      const letter = await visibleLetter(request, request.params.id);
      if (!letter.pdfSha256) throw new ApiError(404, 'pdf_not_found', 'The letter has no PDF yet');
      const name = letter.number
        ? `${letter.kind}-${letter.number}-${letter.year}`
        : `${letter.kind}-du-thao`;
      return sendPdf(reply, letter.pdfSha256, `${name}.pdf`);
    },
  );

  app.get(
    '/v1/dossiers/:code/letters',
    {
      schema: {
        summary: 'Letters of a dossier (apology, receipt), oldest first',
        tags: ['letters'],
        params: codeParams,
        response: { 200: z.object({ code: z.string(), items: z.array(letterViewSchema) }), ...errors },
      },
    },
    async (request) => {
      const { code } = request.params;
      await visibleDossier(request, code);
      const rows = await prisma.letter.findMany({
        where: { dossierCode: code },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      return { code, items: rows.map(letterView) };
    },
  );

  app.get(
    '/v1/dossiers/:code/receipt.pdf',
    {
      schema: {
        summary: 'Mẫu 01: giấy tiếp nhận hồ sơ và hẹn trả kết quả (rendered once, then served as stored)',
        tags: ['letters'],
        params: codeParams,
        produces: ['application/pdf'],
      },
    },
    async (request, reply) => {
      const { code } = request.params;
      const state = await visibleDossier(request, code);
      let row = await prisma.letter.findFirst({ where: { dossierCode: code, kind: 'receipt' } });
      if (!row) {
        const basis = await deskLetterBasis(state);
        const content = receiptContent(state, basis);
        const rendered = await renderLetter(content);
        await prisma.$transaction(async (tx) => {
          const sha = await storeLetterPdf(tx, rendered.bytes);
          await tx.letter.createMany({
            data: [
              {
                id: randomUUID(),
                dossierCode: code,
                kind: 'receipt',
                formId: content.formId,
                ruleSet: basis.ruleSet,
                status: 'issued',
                issuingAgencyCode: state.agencyCode,
                content: content as unknown as Prisma.InputJsonValue,
                pdfSha256: sha,
                issuedAt: new Date(state.receivedAt),
              },
            ],
            skipDuplicates: true,
          });
        });
        row = await prisma.letter.findFirst({ where: { dossierCode: code, kind: 'receipt' } });
      }
      return sendPdf(reply, row!.pdfSha256!, `giay-tiep-nhan-${code}.pdf`);
    },
  );

  app.get(
    '/v1/dossiers/:code/control-slip.pdf',
    {
      schema: {
        summary: 'Mẫu 05: phiếu kiểm soát quá trình giải quyết hồ sơ, as of now',
        tags: ['letters'],
        params: codeParams,
        produces: ['application/pdf'],
      },
    },
    async (request, reply) => {
      const { code } = request.params;
      const state = await visibleDossier(request, code);
      const codes = [
        ...new Set([
          state.agencyCode,
          ...state.timeline.map((e) => e.agencyCode),
          ...state.steps.map((s) => s.agencyCode),
        ]),
      ];
      const [basis, agencies] = await Promise.all([
        deskLetterBasis(state),
        prisma.agency.findMany({ where: { code: { in: codes } }, select: { code: true, name: true } }),
      ]);
      const names = new Map(agencies.map((a) => [a.code, a.name]));
      const content = controlSlipContent(
        state,
        { ...basis, agencyName: (c) => names.get(c) },
        now().toISOString(),
      );
      // Printed as of now, not stored: the slip grows with the dossier.
      const rendered = await renderLetter(content);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="phieu-kiem-soat-${code}.pdf"`)
        .send(rendered.bytes);
    },
  );
};
