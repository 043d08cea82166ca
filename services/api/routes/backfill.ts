import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createDeadlineActivities } from '../../../activities/deadlines';
import {
  type Command,
  type CommandName,
  commandBodySchemas,
  commandNames,
  commandPaths,
} from '../../../domain/commands';
import { eventIdFor, instantSchema, intakeRequestSchema, workflowIdFor } from '../../../domain/dossier';
import type { DossierEvent, DossierEventBody } from '../../../domain/events';
import {
  applyEvent,
  type DossierState,
  type RejectionCode,
  rejectionStatus,
} from '../../../domain/lifecycle';
import { BackfillRefused, foldBackfill, type Recorder } from '../../../workflows/backfill';
import {
  appointmentUpdate,
  type BackfillAction,
  type DossierWorkflowInput,
  dossierStartPolicy,
  dossierStateQuery,
} from '../../../workflows/definitions';
import { receiptOf } from '../../../workflows/dossier';
import { dossierStartSearchAttributes } from '../../../workflows/search-attributes';
import { createCalendarStore } from '../../calendars';
import type { PrismaClient } from '../../db';
import { actorOf, principalOf, requireRole } from '../auth';
import { ApiError } from '../errors';
import { dossierViewSchema, errorBodySchema, viewOfState } from '../views';
import { type DossierRouteDeps, instantLimitsOf } from './dossiers';

export interface BackfillRouteDeps {
  config: DossierRouteDeps['config'];
  prisma: PrismaClient;
  temporal: Client;
  now?: () => Date;
}

const nameOfPath = Object.fromEntries(commandNames.map((n) => [commandPaths[n], n])) as Record<
  string,
  CommandName
>;

/** One historical action: `action` is the path name of `POST /v1/dossiers/{code}/<action>`. */
const backfillActionSchema = z
  .object({
    action: z.enum(commandNames.map((n) => commandPaths[n]) as [string, ...string[]]),
    at: instantSchema,
  })
  .loose();

export const backfillRequestSchema = intakeRequestSchema.extend({
  actions: z.array(backfillActionSchema).max(500).default([]),
});

/** The dry run's recorder: events folded into a state, nothing published. */
class DryRun implements Recorder {
  state: DossierState | undefined;
  constructor(private readonly code: string) {}
  async emit(body: DossierEventBody): Promise<void> {
    const seq = (this.state?.lastSeq ?? 0) + 1;
    const event = {
      ...body,
      id: eventIdFor(this.code, seq),
      dossierCode: this.code,
      workflowId: workflowIdFor(this.code),
      seq,
      version: 1,
      backfilled: true,
    } as DossierEvent;
    this.state = applyEvent(this.state, event);
  }
}

const toIso = (instant: string) => new Date(instant).toISOString();

/**
 * POST /v1/admin/backfill: a dossier from an older system, with its history. The whole sequence is
 * validated by a dry run of the same fold the workflow runs (workflows/backfill.ts) before anything
 * starts: the first refused action answers 4xx with its index and code, and nothing is recorded.
 */
export const backfillRoutes: FastifyPluginAsyncZod<BackfillRouteDeps> = async (app, deps) => {
  const { prisma, temporal, config } = deps;
  const now = deps.now ?? (() => new Date());
  const limits = instantLimitsOf(config);
  const calendars = createCalendarStore(prisma);
  const port = createDeadlineActivities({ prisma, calendarFor: (agency) => calendars.forAgency(agency) });

  app.post(
    '/v1/admin/backfill',
    {
      onRequest: requireRole('admin'),
      schema: {
        summary: 'Backfill a dossier migrated from an older system, with its history (admin only)',
        description:
          'The intake body plus `actions`: `[{"action": "<path name as in POST /v1/dossiers/{code}/<action>>", ' +
          '"at": "...", ...that action\'s body}]`, in order. Receipt and actions are recorded at their instants ' +
          '(events say `backfilled: true`); the alarms that fell due while the dossier was pending are recorded ' +
          'at their own instants; then the dossier continues live (one still open and past due goes overdue at ' +
          'once). Every instant must be in the past and not before the previous one. Answers 201 with the ' +
          'dossier; a refused action answers 409/422 with `details: {index, code}` and nothing is recorded.',
        tags: ['admin'],
        body: backfillRequestSchema,
        response: {
          201: dossierViewSchema,
          400: errorBodySchema,
          401: errorBodySchema,
          403: errorBodySchema,
          409: errorBodySchema,
          422: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const principal = principalOf(request);
      const actor = actorOf(principal);
      const actions: BackfillAction[] = body.actions.map((raw, index) => {
        const { action, ...fields } = raw as { action: string } & Record<string, unknown>;
        const name = nameOfPath[action]!;
        const parsed = commandBodySchemas[name].safeParse(fields);
        if (!parsed.success) {
          const details = parsed.error.issues.map((i) => ({
            index,
            field: ['body', 'actions', String(index), ...i.path.map(String)].join('.'),
            message: i.message,
          }));
          throw new ApiError(400, 'invalid_request', `Invalid action ${index} (${action})`, details);
        }
        const command: Record<string, unknown> = { ...parsed.data, at: toIso(raw.at), actor };
        for (const field of ['proposedDueAt', 'newDueAt'] as const) {
          if (typeof command[field] === 'string') command[field] = toIso(command[field] as string);
        }
        return { name, command: command as unknown as Command<CommandName> } as BackfillAction;
      });
      const [procedure, agency] = await Promise.all([
        prisma.procedure.findUnique({ where: { code: body.procedureCode }, select: { code: true } }),
        prisma.agency.findUnique({ where: { code: body.agencyCode }, select: { code: true } }),
      ]);
      if (!procedure || !agency) {
        const message = !procedure
          ? `unknown procedure ${body.procedureCode}`
          : `unknown agency ${body.agencyCode}`;
        throw new ApiError(422, 'unknown_reference', message);
      }
      if (await prisma.dossier.findUnique({ where: { code: body.code }, select: { code: true } })) {
        throw new ApiError(409, 'dossier_exists', `Dossier ${body.code} was already received`);
      }
      const input: DossierWorkflowInput = {
        code: body.code,
        procedureCode: body.procedureCode,
        agencyCode: body.agencyCode,
        channel: body.channel,
        applicantName: body.applicant.name,
        receivedAt: toIso(body.receivedAt),
        actor,
        instantLimits: limits,
        backfill: { actions },
      };

      // Dry run: the same fold, against the deadline functions themselves; nothing is recorded.
      try {
        await foldBackfill(new DryRun(body.code), port, input, receiptOf, now().getTime());
      } catch (err) {
        if (!(err instanceof BackfillRefused)) throw err;
        const status = Object.hasOwn(rejectionStatus, err.code)
          ? rejectionStatus[err.code as RejectionCode]
          : 422;
        throw new ApiError(status, err.code, `Action ${err.index}: ${err.message}`, {
          index: err.index,
          code: err.code,
        });
      }

      const log = request.log.child({ dossierCode: body.code, workflowId: workflowIdFor(body.code) });
      try {
        const handle = await temporal.workflow.start('dossierWorkflow', {
          workflowId: workflowIdFor(body.code),
          taskQueue: (config as { TEMPORAL_TASK_QUEUE: string }).TEMPORAL_TASK_QUEUE,
          ...dossierStartPolicy,
          typedSearchAttributes: dossierStartSearchAttributes(input),
          args: [input],
        });
        const slim = await handle.executeUpdate(appointmentUpdate);
        const state = await handle.query(dossierStateQuery).catch(() => undefined);
        log.info({ events: slim.lastSeq }, 'dossier backfilled');
        return reply
          .status(201)
          .send(
            viewOfState(
              state ?? ({ ...slim, applicantName: input.applicantName, timeline: [] } as DossierState),
            ),
          );
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          throw new ApiError(409, 'dossier_exists', `Dossier ${body.code} was already received`);
        }
        throw err;
      }
    },
  );
};
