import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatVietnamInstant } from '../../../domain/calendar';
import {
  channelSchema,
  completeRequestSchema,
  dossierCodeSchema,
  intakeRequestSchema,
  outcomeSchema,
  workflowIdFor,
} from '../../../domain/dossier';
import {
  appointmentUpdate,
  completeUpdate,
  type DossierSnapshot,
  dossierStateQuery,
} from '../../../workflows/definitions';
import type { Config } from '../../config';
import type { PrismaClient } from '../../db';
import { ApiError } from '../errors';

const vnInstant = z.string().describe('ISO 8601 instant in Vietnam time (+07:00)');

export const dossierViewSchema = z.object({
  code: z.string(),
  workflowId: z.string(),
  procedureCode: z.string(),
  agencyCode: z.string(),
  channel: channelSchema,
  applicantName: z.string(),
  status: z.string(),
  receivedAt: vnInstant,
  dueAt: vnInstant.nullable(),
  calendarVersion: z.string().nullable(),
  completedAt: vnInstant.nullable(),
  outcome: outcomeSchema.nullable(),
  lastSeq: z.number().int(),
});
export type DossierView = z.infer<typeof dossierViewSchema>;

const errorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
const vn = (iso: string | Date | null | undefined) => (iso ? formatVietnamInstant(new Date(iso)) : null);

function fromSnapshot(s: DossierSnapshot): DossierView {
  return {
    code: s.code,
    workflowId: s.workflowId,
    procedureCode: s.procedureCode,
    agencyCode: s.agencyCode,
    channel: s.channel,
    applicantName: s.applicantName,
    status: s.status,
    receivedAt: vn(s.receivedAt)!,
    dueAt: vn(s.dueAt),
    calendarVersion: s.calendarVersion ?? null,
    completedAt: vn(s.completedAt),
    outcome: s.outcome ?? null,
    lastSeq: s.lastSeq,
  };
}

export interface DossierRouteDeps {
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>;
  prisma: PrismaClient;
  temporal: Client;
  /** The API's clock, for completion instants the caller leaves out. */
  now?: () => Date;
}

export const dossierRoutes: FastifyPluginAsyncZod<DossierRouteDeps> = async (app, deps) => {
  const { prisma, temporal, config } = deps;
  const now = deps.now ?? (() => new Date());
  const codeParams = z.object({ code: dossierCodeSchema });

  app.post(
    '/v1/dossiers',
    {
      schema: {
        summary: 'Receive a dossier (tiếp nhận hồ sơ) and start its workflow',
        tags: ['dossiers'],
        body: intakeRequestSchema,
        response: { 201: dossierViewSchema, 400: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const [procedure, agency] = await Promise.all([
        prisma.procedure.findUnique({ where: { code: body.procedureCode }, select: { code: true } }),
        prisma.agency.findUnique({ where: { code: body.agencyCode }, select: { code: true } }),
      ]);
      const unknown = [
        ...(procedure
          ? []
          : [{ field: 'body.procedureCode', message: `unknown procedure ${body.procedureCode}` }]),
        ...(agency ? [] : [{ field: 'body.agencyCode', message: `unknown agency ${body.agencyCode}` }]),
      ];
      if (unknown.length > 0) {
        throw new ApiError(422, 'unknown_reference', unknown.map((u) => u.message).join('; '), unknown);
      }
      const workflowId = workflowIdFor(body.code);
      const log = request.log.child({ dossierCode: body.code, workflowId });
      try {
        const handle = await temporal.workflow.start('dossierWorkflow', {
          workflowId,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
          args: [
            {
              code: body.code,
              procedureCode: body.procedureCode,
              agencyCode: body.agencyCode,
              channel: body.channel,
              applicantName: body.applicant.name,
              receivedAt: new Date(body.receivedAt).toISOString(),
            },
          ],
        });
        log.info('dossier workflow started');
        const snapshot = await handle.executeUpdate(appointmentUpdate);
        return reply.status(201).send(fromSnapshot(snapshot));
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const existing = await temporal.workflow.getHandle(workflowId).query(dossierStateQuery);
        log.info('duplicate intake answered with the existing dossier');
        throw new ApiError(409, 'dossier_exists', `Dossier ${body.code} was already received`, {
          dossier: fromSnapshot(existing),
        });
      }
    },
  );

  app.get(
    '/v1/dossiers/:code',
    {
      schema: {
        summary: 'A dossier from the read model',
        tags: ['dossiers'],
        params: codeParams,
        response: { 200: dossierViewSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const d = await prisma.dossier.findUnique({ where: { code: request.params.code } });
      if (!d) throw new ApiError(404, 'dossier_not_found', `No dossier ${request.params.code}`);
      return {
        code: d.code,
        workflowId: d.workflowId,
        procedureCode: d.procedureCode,
        agencyCode: d.agencyCode,
        channel: channelSchema.parse(d.channel),
        applicantName: d.applicantName,
        status: d.status,
        receivedAt: vn(d.receivedAt)!,
        dueAt: vn(d.dueAt),
        calendarVersion: d.calendarVersion,
        completedAt: vn(d.completedAt),
        outcome: d.outcome ? outcomeSchema.parse(d.outcome) : null,
        lastSeq: d.lastSeq,
      };
    },
  );

  app.post(
    '/v1/dossiers/:code/complete',
    {
      schema: {
        summary: 'Finish a dossier; classifies it early / on_time / late',
        tags: ['dossiers'],
        params: codeParams,
        body: completeRequestSchema.default({}),
        response: { 200: dossierViewSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { code } = request.params;
      const handle = temporal.workflow.getHandle(workflowIdFor(code));
      const completedAt = new Date(request.body?.completedAt ?? now()).toISOString();
      try {
        const snapshot = await handle.executeUpdate(completeUpdate, {
          args: [{ completedAt, actor: request.body?.actor }],
        });
        return fromSnapshot(snapshot);
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          throw new ApiError(409, 'invalid_transition', err.cause?.message ?? err.message);
        }
        if (err instanceof WorkflowNotFoundError) {
          const closed = await handle.describe().then(
            () => true,
            () => false,
          );
          if (closed) throw new ApiError(409, 'dossier_closed', `Dossier ${code} is already closed`);
          throw new ApiError(404, 'dossier_not_found', `No dossier ${code}`);
        }
        throw err;
      }
    },
  );
};
