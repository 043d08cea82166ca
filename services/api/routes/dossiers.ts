import { randomUUID } from 'node:crypto';
import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DossierScope } from '../../../domain/access';
import * as handOff from '../../../domain/actions/hand-off';
import {
  type Command,
  type CommandName,
  commandBodySchemas,
  commandNames,
  commandPaths,
} from '../../../domain/commands';
import {
  completeRequestSchema,
  dossierCodeSchema,
  intakeRequestSchema,
  workflowIdFor,
} from '../../../domain/dossier';
import { checkCallerInstant, type InstantLimits } from '../../../domain/instants';
import {
  type DossierState,
  PENDING_STATUSES,
  type RejectionCode,
  rejectionStatus,
  TransitionRejected,
} from '../../../domain/lifecycle';
import {
  appointmentUpdate,
  type DossierSlim,
  type DossierWorkflowInput,
  dossierIntakePolicy,
  dossierStateQuery,
  dossierTimelineQuery,
  dossierUpdates,
} from '../../../workflows/definitions';
import { dossierWorkflow } from '../../../workflows/dossier';
import { dossierStartSearchAttributes } from '../../../workflows/search-attributes';
import { raiseOperatorAlert } from '../../alerts/operator';
import type { Config } from '../../config';
import type { Prisma, PrismaClient } from '../../db';
import { foldStoredEvents } from '../../projector';
import { agencyExists, procedureExists } from '../../reference';
import type { ReferenceCache } from '../../reference-cache';
import {
  actorOf,
  assertCanAct,
  assertCanReceive,
  assertCanSee,
  canSee,
  dossierVisibilityWhere,
  principalOf,
  visibleAgencyCodes,
} from '../auth';
import { ApiError } from '../errors';
import {
  type Answer,
  errorOf,
  IDEMPOTENCY_HEADER,
  idempotent,
  idempotentHeadersSchema,
  purgeExpiredIdempotencyRecords,
  REPLAYED_HEADER,
  requestFingerprint,
  updateIdFor,
} from '../idempotency';
import {
  applicantViewSchema,
  dossierListQuerySchema,
  dossierListSchema,
  dossierViewSchema,
  errorBodySchema,
  eventLogSchema,
  summaryOfRow,
  timelineEntryView,
  timelineSchema,
  vietnamInstantOrNull,
  viewOfState,
} from '../views';

export interface DossierRouteDeps {
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'> &
    Partial<
      Pick<
        Config,
        | 'MOTCUA_INSTANT_TOLERANCE_MINUTES'
        | 'MOTCUA_MAX_APPOINTMENT_EXTENSION_DAYS'
        | 'ACTION_TIMEOUT_MS'
        | 'IDEMPOTENCY_TTL_HOURS'
      >
    >;
  prisma: PrismaClient;
  /** Dossier lists (`GET /v1/dossiers`) may come from a read replica (DATABASE_READ_URL). */
  readPrisma?: PrismaClient;
  temporal: Client;
  /** The API's clock, for action instants the caller leaves out. */
  now?: () => Date;
  /** The catalogue and agencies in memory until they change (services/reference-cache.ts). */
  referenceCache?: ReferenceCache;
}

const commandSummaries: Record<CommandName, string> = {
  handOff: 'Chuyển xử lý: hand the dossier to the next (or a given) step / agency',
  completeStep: 'Finish the current processing step',
  requestSupplement: 'Yêu cầu bổ sung (Mẫu 02): the legal clock stops',
  receiveSupplement: 'The applicant supplemented: the clock resumes',
  reportDelay: 'Report that the dossier will be late, with reason and proposed appointment',
  issueApology: 'Xin lỗi và hẹn lại (Mẫu 04): the one allowed new appointment',
  markResultReady: 'Kết quả: the result is ready (electronic or paper); classifies the dossier',
  returnResult: 'Trả kết quả: the result was handed to the applicant',
  reject: 'Từ chối (Mẫu 03), with the reason',
  withdraw: 'Rút hồ sơ at the applicant’s request',
  recordDigitization: 'Số hóa: record digitized components and/or the result',
  recordPayment: 'Record the fee payment (online or not)',
  recordRating: 'Record the applicant’s satisfaction rating (1–5)',
};

const codeParams = z.object({ code: dossierCodeSchema });
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };

/** Legacy body of `POST /v1/dossiers/{code}/complete` (deprecated alias of result-ready). */
const legacyCompleteSchema = completeRequestSchema;

const toIso = (instant: string | Date) => new Date(instant).toISOString();

type ScopeWithCode = DossierScope & { code: string };

const scopeOfState = (code: string, s: DossierState): ScopeWithCode => ({
  code,
  agencyCode: s.agencyCode,
  currentAgencyCode: s.currentAgencyCode || null,
  participants: s.participants ?? [],
  currentStepRole: s.currentStep === null ? null : (s.steps?.[s.currentStep]?.role ?? null),
});

/** Instants in command bodies are normalised to UTC ISO, the form the workflow compares. */
function normaliseCommand(body: Record<string, unknown>, at: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, at: toIso(at) };
  for (const field of ['proposedDueAt', 'newDueAt'] as const) {
    if (typeof out[field] === 'string') out[field] = toIso(out[field] as string);
  }
  return out;
}

const TIMED_OUT = Symbol('timed out');

/** `promise`, or TIMED_OUT after `ms` (the promise keeps running). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends an idempotent answer (fresh or replayed); an error answer goes through the error handler. */
function send(reply: FastifyReply, answer: Answer<unknown>) {
  if (answer.replayed) reply.header(REPLAYED_HEADER, 'true');
  const error = errorOf(answer);
  if (error) throw error;
  return reply.status(answer.statusCode).send(answer.body as never);
}

function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const value = request.headers[IDEMPOTENCY_HEADER];
  return typeof value === 'string' ? value : undefined;
}

/** Path without the query string: what an Idempotency-Key is bound to. */
const pathOf = (request: FastifyRequest) => request.url.split('?')[0]!;

/** Absent or empty bodies of actions that need no fields count as `{}`. */
async function emptyBodyAsObject(request: FastifyRequest) {
  if (request.body === undefined || request.body === null) request.body = {};
}

/** A Temporal Update failure mapped to the API: the validator's code with 409 or 422. */
function rejectionOf(err: WorkflowUpdateFailedError): ApiError {
  const cause = err.cause as { type?: string | null; message?: string } | undefined;
  const type = cause?.type ?? undefined;
  const message = cause?.message || err.message;
  if (type && Object.hasOwn(rejectionStatus, type)) {
    return new ApiError(rejectionStatus[type as RejectionCode], type, message);
  }
  if (type && Object.hasOwn(workflowFailureStatus, type)) {
    return new ApiError(workflowFailureStatus[type]!, type, message);
  }
  return new ApiError(409, 'invalid_transition', message);
}

/**
 * Failures that are the system's, not the caller's: the action was refused without touching the
 * dossier (the workflow keeps running) and operators are alerted. `invalid_event`: the decided
 * event failed its schema; `workflow_failure`: an unexpected error inside the action.
 */
const workflowFailureStatus: Record<string, 422 | 500> = { invalid_event: 422, workflow_failure: 500 };

/** The workflow-pinned limits of a caller's instants, from the configuration. */
export function instantLimitsOf(config: DossierRouteDeps['config']): InstantLimits {
  return {
    toleranceMinutes: config.MOTCUA_INSTANT_TOLERANCE_MINUTES ?? 15,
    maxAppointmentExtensionDays: config.MOTCUA_MAX_APPOINTMENT_EXTENSION_DAYS ?? 365,
  };
}

/** The API's own quick check of a caller's instant (the workflow's check is the authority). */
function precheckInstant(at: string, nowMs: number, limits: InstantLimits, field: string): void {
  try {
    checkCallerInstant(at, nowMs, limits.toleranceMinutes);
  } catch (err) {
    if (!(err instanceof TransitionRejected)) throw err;
    throw new ApiError(rejectionStatus[err.code], err.code, err.message, [{ field, message: err.message }]);
  }
}

/** Why a run failed before its receipt was recorded, as a 4xx (else the Update failure). */
async function receiptFailureOf(handle: WorkflowHandle, err: WorkflowUpdateFailedError): Promise<unknown> {
  if ((await handle.describe()).status.name !== 'FAILED') return err;
  const failure = await handle.result().then(
    () => undefined,
    (e: unknown) => e as { cause?: { type?: string | null; message?: string; cause?: unknown } },
  );
  let cause = failure?.cause;
  // An activity's refusal (e.g. the procedure's steps are invalid) is wrapped once more.
  if (cause && !cause.type && cause.cause) cause = cause.cause as typeof cause;
  const type = cause?.type ?? undefined;
  if (!type) return err;
  const status = Object.hasOwn(rejectionStatus, type) ? rejectionStatus[type as RejectionCode] : 422;
  return new ApiError(status, type, cause?.message ?? err.message);
}

/** An Update's slim answer as a full state: the parts it leaves out come from a query. */
async function fullStateOf(
  handle: WorkflowHandle,
  slim: DossierSlim,
  applicantName: () => Promise<string | undefined>,
) {
  const queried = await handle.query(dossierStateQuery).catch(() => undefined);
  if (queried && queried.lastSeq >= slim.lastSeq) return queried;
  return {
    ...slim,
    applicantName: queried?.applicantName ?? (await applicantName()) ?? '',
    timeline: [],
  } as DossierState;
}

export const dossierRoutes: FastifyPluginAsyncZod<DossierRouteDeps> = async (app, deps) => {
  const { prisma, temporal, config } = deps;
  const now = deps.now ?? (() => new Date());
  const limits = instantLimitsOf(config);
  const actionTimeoutMs = config.ACTION_TIMEOUT_MS ?? 15_000;
  const idempotencyTtlMs = (config.IDEMPOTENCY_TTL_HOURS ?? 168) * 3_600_000;
  // Expired idempotency records are ignored at once and purged hourly.
  const purge = () =>
    purgeExpiredIdempotencyRecords(prisma, idempotencyTtlMs).then(
      (count) => count > 0 && app.log.info({ count }, 'expired idempotency records purged'),
      (err) => app.log.warn({ err }, 'could not purge expired idempotency records'),
    );
  const purgeTimer = setInterval(purge, 3_600_000);
  purgeTimer.unref();
  void purge();
  app.addHook('onClose', async () => clearInterval(purgeTimer));
  const handleOf = (code: string): WorkflowHandle => temporal.workflow.getHandle(workflowIdFor(code));

  /** Whether a workflow for this code ever ran (a closed one still describes). */
  const workflowExists = (code: string) =>
    handleOf(code)
      .describe()
      .then(
        () => true,
        (err) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      );

  const scopeFromWorkflow = async (code: string): Promise<ScopeWithCode | undefined> => {
    try {
      const s = await handleOf(code).query(dossierStateQuery);
      if (!s?.agencyCode) return undefined;
      return scopeOfState(code, s);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  };
  const scopeFromReadModel = async (code: string): Promise<ScopeWithCode | undefined> => {
    const row = await prisma.dossier.findUnique({
      where: { code },
      select: { agencyCode: true, currentAgencyCode: true, participants: true },
    });
    return row ? { code, ...row } : undefined;
  };

  /**
   * Who may see and act on the dossier. Actions ask the workflow first: it is the source of truth
   * and already knows a handoff the read model may not have projected yet, so the agency that just
   * took the dossier can act at once; a dossier whose history Temporal no longer keeps falls back
   * to the read model. Reads go the other way round: the read model, else the workflow (a dossier
   * received a moment ago, not projected yet).
   */
  async function scopeOf(code: string, forAction: boolean): Promise<ScopeWithCode> {
    const scope = forAction
      ? ((await scopeFromWorkflow(code)) ?? (await scopeFromReadModel(code)))
      : ((await scopeFromReadModel(code)) ?? (await scopeFromWorkflow(code)));
    if (!scope) throw new ApiError(404, 'dossier_not_found', `No dossier ${code}`);
    return scope;
  }

  /** Runs `execute` under the request's Idempotency-Key, if any. */
  async function withKey<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    execute: (key: string | undefined) => Promise<{ statusCode: number; body: T }>,
  ) {
    const key = idempotencyKeyOf(request);
    if (key === undefined) {
      const answer = await execute(undefined);
      return reply.status(answer.statusCode).send(answer.body as never);
    }
    const principal = principalOf(request);
    const answer = await idempotent(
      prisma,
      {
        principalId: principal.id,
        key,
        method: request.method,
        path: pathOf(request),
        body: request.body,
        ttlMs: idempotencyTtlMs,
      },
      () => execute(key),
    );
    return send(reply, answer);
  }

  // ── Intake ────────────────────────────────────────────────────────────────────────────────
  app.post(
    '/v1/dossiers',
    {
      schema: {
        summary: 'Receive a dossier (tiếp nhận hồ sơ, Mẫu 01) and start its workflow',
        description:
          'Answers 201 with the appointment. Idempotent by dossier code: a second intake of the same code ' +
          '(also a concurrent one) answers 409 `dossier_exists`, with the existing dossier only when the ' +
          'caller may see it. With an Idempotency-Key header a retry gets the first answer again. Only ' +
          'intake desks (for their own agency) and admin may receive. Text with control characters, lone ' +
          'surrogates or bidi overrides answers 400 `invalid_text`.',
        tags: ['dossiers'],
        headers: idempotentHeadersSchema,
        body: intakeRequestSchema,
        response: { 201: dossierViewSchema, ...errors, 409: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      assertCanReceive(request, body.agencyCode);
      const principal = principalOf(request);
      return withKey(request, reply, async (key) => {
        const [procedure, agency] = await Promise.all([
          procedureExists(prisma, body.procedureCode, deps.referenceCache),
          agencyExists(prisma, body.agencyCode, deps.referenceCache),
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
        // Server time decides: a receipt outside the tolerance is refused before anything starts.
        precheckInstant(body.receivedAt, now().getTime(), limits, 'body.receivedAt');
        const workflowId = workflowIdFor(body.code);
        const log = request.log.child({ dossierCode: body.code, workflowId });
        const handle = handleOf(body.code);
        // Marks the run with the key, so a retry whose first attempt started it (then failed to answer)
        // is ours; without a key, a fresh id tells this request's run from a concurrent one's.
        const mark = key === undefined ? undefined : updateIdFor(principal.id, key);
        const intakeId = mark ?? `intake:${randomUUID()}`;
        /** Whether the run for this code was started by this request (or the first attempt of its key). */
        const startedByUs = async () => {
          try {
            const { memo } = await handle.describe();
            return memo?.intakeId === intakeId || (mark !== undefined && memo?.idempotencyKey === mark);
          } catch (err) {
            if (err instanceof WorkflowNotFoundError) return false;
            throw err;
          }
        };
        /** 409: the code is taken. The dossier itself only for a caller who may see it (no leak). */
        const exists = (existing: ScopeWithCode | undefined, view: () => unknown) => {
          log.info('duplicate intake answered 409');
          const visible = existing !== undefined && canSee(request, existing);
          return new ApiError(
            409,
            'dossier_exists',
            `Dossier ${body.code} was already received`,
            visible ? { dossier: view() } : undefined,
          );
        };
        const existingFromState = (state: DossierState) =>
          exists(scopeOfState(body.code, state), () => viewOfState(state));

        // The read model remembers every code received, also after Temporal's retention dropped
        // the workflow: a code is never received twice, not even by a second, hidden workflow.
        const row = await prisma.dossier.findUnique({ where: { code: body.code } });
        if (row) {
          if (mark && (await startedByUs())) {
            log.info('intake retried after its dossier was projected: answering with the receipt');
            return { statusCode: 201, body: viewOfState(await stateOfRow(prisma, row)) };
          }
          const state = await stateOfRow(prisma, row);
          const scope = {
            code: body.code,
            agencyCode: row.agencyCode,
            currentAgencyCode: row.currentAgencyCode,
            participants: row.participants,
          };
          throw exists(scope, () => viewOfState(state));
        }

        const input: DossierWorkflowInput = {
          code: body.code,
          procedureCode: body.procedureCode,
          agencyCode: body.agencyCode,
          channel: body.channel,
          applicantName: body.applicant.name,
          receivedAt: toIso(body.receivedAt),
          actor: actorOf(principal),
          instantLimits: limits,
        };
        // One atomic call: start the workflow (or attach to the one a concurrent intake started) and
        // wait for the appointment. A concurrent duplicate is then a 409, never a 500.
        const startWorkflowOperation = new WithStartWorkflowOperation(dossierWorkflow, {
          workflowId,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          ...dossierIntakePolicy,
          typedSearchAttributes: dossierStartSearchAttributes(input),
          memo: {
            intakeId,
            ...(mark ? { idempotencyKey: mark } : {}),
            // Read by the applicant notices (services/letters/notices.ts); kept out of events.
            ...(body.applicant.email && { applicantEmail: body.applicant.email }),
            // Contact and identity, kept only here (encrypted like every payload, README "Applicant
            // data in Temporal history"); `GET /v1/dossiers/{code}/applicant` shows them.
            ...(body.applicant.phone && { applicantPhone: body.applicant.phone }),
            ...(body.applicant.idNumber && { applicantIdNumber: body.applicant.idNumber }),
          },
          args: [input],
        });
        let state: DossierState;
        try {
          const received = temporal.workflow.executeUpdateWithStart(appointmentUpdate, {
            startWorkflowOperation,
            updateId: intakeId,
          });
          const answer = await withTimeout(received, actionTimeoutMs);
          if (answer === TIMED_OUT) {
            received.catch(() => undefined);
            log.warn({ intakeId }, 'intake timed out waiting for the appointment');
            throw new ApiError(
              503,
              'dependency_unavailable',
              `Hệ thống xử lý hồ sơ không phản hồi trong ${actionTimeoutMs} ms; gửi lại với cùng Idempotency-Key.`,
              { dependency: 'Temporal worker', updateId: intakeId },
            );
          }
          const { startedBy, ...answered } = answer;
          // Runs since `intake-answer-full-state` answer the whole state and who started them: no
          // query and no describe. Older runs answer a slim view; the timeline and name come from a query.
          if (answered.timeline !== undefined && answered.applicantName !== undefined && startedBy) {
            const ours =
              startedBy.intakeId === intakeId || (mark !== undefined && startedBy.idempotencyKey === mark);
            if (ours) {
              log.info('dossier workflow started');
              return { statusCode: 201, body: viewOfState(answered as DossierState) };
            }
            throw existingFromState(answered as DossierState);
          }
          state = await fullStateOf(handle, answered, async () => input.applicantName);
        } catch (err) {
          if (err instanceof ApiError) throw err;
          // The run failed before recording the receipt (e.g. the workflow's clock refused the
          // instant): answer with its reason; the code stays usable.
          if (err instanceof WorkflowUpdateFailedError) throw await receiptFailureOf(handle, err);
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          // The code's workflow closed (returned, rejected, withdrawn) before the read model knew it.
          const closed = await handle.query(dossierStateQuery).catch(() => undefined);
          if (closed && mark && (await startedByUs())) return { statusCode: 201, body: viewOfState(closed) };
          if (closed) throw existingFromState(closed);
          throw exists(undefined, () => undefined);
        }
        if (await startedByUs()) {
          log.info('dossier workflow started');
          return { statusCode: 201, body: viewOfState(state) };
        }
        throw existingFromState(state);
      });
    },
  );

  // ── Actions: one route per command ─────────────────────────────────────────────────────────
  async function runCommand<N extends CommandName>(
    request: FastifyRequest,
    reply: FastifyReply,
    name: N,
    code: string,
    body: Record<string, unknown>,
  ) {
    const scope = await scopeOf(code, true);
    assertCanAct(request, name, scope);
    const principal = principalOf(request);
    // Left out, `at` is the workflow's own time when the action arrives; given, it must lie within
    // the tolerance (checked here on the API's clock, and again by the workflow on its own).
    const at = body.at as string | undefined;
    const normalised = normaliseCommand(body, at ?? now().toISOString());
    if (at === undefined) delete normalised.at;
    const command = { ...normalised, actor: actorOf(principal) } as Command<N>;
    const handle = handleOf(code);
    return withKey(request, reply, async (key) => {
      if (at !== undefined) precheckInstant(at, now().getTime(), limits, 'body.at');
      // Liên thông to a named agency: an unknown one is refused here, before the workflow.
      const toAgencyCode = name === handOff.name ? handOff.namedAgency(body) : undefined;
      if (toAgencyCode && !(await agencyExists(prisma, toAgencyCode, deps.referenceCache))) {
        const details = [{ field: 'body.toAgencyCode', message: `unknown agency ${toAgencyCode}` }];
        throw new ApiError(422, 'unknown_reference', details[0]!.message, details);
      }
      // The request's fingerprint is part of the id: once its record expired, a key reused for a
      // different request is a new Update, not the old one's answer.
      const updateId =
        key === undefined
          ? `action:${randomUUID()}`
          : `${updateIdFor(principal.id, key)}:${requestFingerprint({ method: request.method, path: pathOf(request), body: request.body }).slice(0, 16)}`;
      // Bounded: the workflow answers once the event is published, so a NATS (or worker) outage
      // answers 503 after ACTION_TIMEOUT_MS instead of hanging the caller.
      let accepted = false;
      const run = (async () => {
        const update = await handle.startUpdate(dossierUpdates[name] as (typeof dossierUpdates)[N], {
          args: [command] as never,
          updateId,
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
        accepted = true;
        return update.result();
      })();
      try {
        const state = await withTimeout(run, actionTimeoutMs);
        if (state === TIMED_OUT) {
          run.catch(() => undefined);
          request.log.warn(
            { dossierCode: code, command: name, updateId, accepted },
            'dossier action timed out',
          );
          throw new ApiError(
            503,
            'dependency_unavailable',
            accepted
              ? `Thao tác đã được tiếp nhận nhưng chưa ghi nhận xong (hệ thống sự kiện không phản hồi trong ${actionTimeoutMs} ms); gửi lại với cùng Idempotency-Key để nhận kết quả.`
              : `Hệ thống xử lý hồ sơ không phản hồi trong ${actionTimeoutMs} ms; vui lòng thử lại.`,
            { dependency: accepted ? 'NATS' : 'Temporal worker', accepted, updateId },
          );
        }
        request.log.info({ dossierCode: code, command: name, seq: state.lastSeq }, 'dossier action applied');
        return {
          statusCode: 200,
          body: viewOfState(
            await fullStateOf(handle, state, async () => {
              const row = await prisma.dossier.findUnique({
                where: { code },
                select: { applicantName: true },
              });
              return row?.applicantName;
            }),
          ),
        };
      } catch (err) {
        if (err instanceof ApiError) throw err;
        if (err instanceof WorkflowUpdateFailedError) {
          const rejection = rejectionOf(err);
          if (Object.hasOwn(workflowFailureStatus, rejection.code)) {
            request.log.error(
              { dossierCode: code, command: name, err: rejection.message },
              'dossier action failed',
            );
            await raiseOperatorAlert(prisma, {
              kind: 'workflow_failure',
              sourceId: `${code}:${name}:${key ?? request.id}`,
              dossierCode: code,
              agencyCode: scope.agencyCode,
              details: { command: name, code: rejection.code, message: rejection.message },
            }).catch((alertErr) => request.log.error({ err: alertErr }, 'operator alert not recorded'));
          }
          throw rejection;
        }
        if (err instanceof WorkflowNotFoundError) {
          if (await workflowExists(code)) {
            throw new ApiError(409, 'dossier_closed', `Hồ sơ ${code} đã kết thúc, không thể thao tác.`);
          }
          throw new ApiError(404, 'dossier_not_found', `No dossier ${code}`);
        }
        throw err;
      }
    });
  }

  for (const name of commandNames) {
    app.post(
      `/v1/dossiers/:code/${commandPaths[name]}`,
      {
        preValidation: emptyBodyAsObject,
        schema: {
          summary: commandSummaries[name],
          description:
            '`at` defaults to the time of the call. Answers 200 with the dossier as the workflow has it ' +
            'right after the action (read-your-writes). An action the dossier cannot take in its current ' +
            'state answers 409 with a machine-readable code (e.g. `invalid_transition`, ' +
            '`apology_already_issued`, `dossier_closed`); an invalid value 422. With an Idempotency-Key ' +
            'header a retry gets the first answer and the action runs once.',
          tags: ['dossier actions'],
          params: codeParams,
          headers: idempotentHeadersSchema,
          body: commandBodySchemas[name],
          response: { 200: dossierViewSchema, ...errors, 409: errorBodySchema, 422: errorBodySchema },
        },
      },
      async (request, reply) =>
        runCommand(request, reply, name, request.params.code, request.body as Record<string, unknown>),
    );
  }

  // Deprecated: the first slice's completion, now "result ready" with a paper result.
  app.post(
    '/v1/dossiers/:code/complete',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        summary: 'Deprecated: use result-ready. Marks the result ready (paper)',
        deprecated: true,
        tags: ['dossier actions'],
        params: codeParams,
        headers: idempotentHeadersSchema,
        body: legacyCompleteSchema,
        response: { 200: dossierViewSchema, ...errors, 409: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (request, reply) => {
      const body = {
        resultKind: 'paper',
        ...(request.body.completedAt ? { at: request.body.completedAt } : {}),
      };
      return runCommand(request, reply, 'markResultReady', request.params.code, body);
    },
  );

  // ── Reads ─────────────────────────────────────────────────────────────────────────────────
  app.get(
    '/v1/dossiers',
    {
      schema: {
        summary: 'List dossiers visible to the caller, newest receipt first',
        description:
          'Filters combine with AND. `agency` matches the receiving agency, the agency holding the dossier ' +
          'or a participating agency (liên thông). `status` may repeat. `overdue=true`: pending and past due; ' +
          '`wasLate=true`: overdue now or finished late; `dueSoon=true`: pending, warned, not overdue yet. ' +
          'Keyset pagination: pass ' +
          '`nextCursor` back as `cursor` until it is null; `limit` is 1–200 (default 50).',
        tags: ['dossiers'],
        querystring: dossierListQuerySchema,
        response: { 200: dossierListSchema, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const and: Prisma.DossierWhereInput[] = [dossierVisibilityWhere(await visibleAgencyCodes(request))];
      if (q.agency) {
        and.push({
          OR: [
            { agencyCode: q.agency },
            { currentAgencyCode: q.agency },
            { participants: { has: q.agency } },
          ],
        });
      }
      if (q.status?.length) and.push({ status: { in: q.status } });
      const pending = { status: { in: [...PENDING_STATUSES] } };
      const where = (flag: boolean | undefined, match: Prisma.DossierWhereInput) => {
        if (flag !== undefined) and.push(flag ? match : { NOT: match });
      };
      // Overdue is a state of pending dossiers; a finished one that was late is `wasLate`.
      where(q.overdue, { AND: [pending, { overdue: true }] });
      where(q.wasLate, { OR: [{ overdue: true }, { outcome: 'late' }] });
      where(q.dueSoon, { AND: [pending, { dueSoon: true }, { overdue: false }] });
      if (q.backfilled !== undefined) and.push({ backfilled: q.backfilled });
      if (q.procedure) and.push({ procedureCode: q.procedure });
      if (q.paused !== undefined) and.push({ pausedAt: q.paused ? { not: null } : null });
      // Keyset on (sort instant, code): receipt newest first, or the due instant soonest first.
      const byDue = q.sort === 'due';
      if (q.receivedFrom) and.push({ receivedAt: { gte: new Date(q.receivedFrom) } });
      if (q.receivedTo) and.push({ receivedAt: { lt: new Date(q.receivedTo) } });
      if (q.cursor) {
        const c = decodeCursor(q.cursor);
        and.push(
          byDue
            ? { OR: [{ dueAt: { gt: c.receivedAt } }, { dueAt: c.receivedAt, code: { gt: c.code } }] }
            : {
                OR: [
                  { receivedAt: { lt: c.receivedAt } },
                  { receivedAt: c.receivedAt, code: { lt: c.code } },
                ],
              },
        );
      }
      const rows = await (deps.readPrisma ?? prisma).dossier.findMany({
        where: { AND: and },
        orderBy: byDue ? [{ dueAt: 'asc' }, { code: 'asc' }] : [{ receivedAt: 'desc' }, { code: 'desc' }],
        take: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(summaryOfRow),
        nextCursor:
          rows.length > q.limit && last
            ? encodeCursor(byDue ? { receivedAt: last.dueAt, code: last.code } : last)
            : null,
      };
    },
  );

  app.get(
    '/v1/dossiers/:code',
    {
      schema: {
        summary: 'A dossier from the read model',
        description: 'Eventually consistent: a dossier received a moment ago may answer 404 briefly.',
        tags: ['dossiers'],
        params: codeParams,
        response: { 200: dossierViewSchema, ...errors },
      },
    },
    async (request) => {
      const { code } = request.params;
      const row = await prisma.dossier.findUnique({ where: { code } });
      if (!row) throw new ApiError(404, 'dossier_not_found', `No dossier ${code}`);
      assertCanSee(request, row);
      const state = await stateOfRow(prisma, row);
      return viewOfState(state);
    },
  );

  app.get(
    '/v1/dossiers/:code/applicant',
    {
      schema: {
        summary: 'The applicant as given at intake: name, phone, email, ID number',
        description:
          'Read from the workflow (its memo, encrypted in Temporal history); callers who may see the dossier.',
        tags: ['dossiers'],
        params: codeParams,
        response: { 200: applicantViewSchema, ...errors },
      },
    },
    async (request) => {
      const { code } = request.params;
      assertCanSee(request, await scopeOf(code, false));
      const row = await prisma.dossier.findUnique({ where: { code }, select: { applicantName: true } });
      const described = await handleOf(code)
        .describe()
        .catch((err) => {
          if (err instanceof WorkflowNotFoundError) return undefined;
          throw err;
        });
      const memo = (described?.memo ?? {}) as Record<string, unknown>;
      const text = (v: unknown) => (typeof v === 'string' ? v : null);
      const name =
        row?.applicantName ??
        (await handleOf(code)
          .query(dossierStateQuery)
          .then((s) => s.applicantName)
          .catch(() => undefined));
      if (name === undefined) throw new ApiError(404, 'dossier_not_found', `No dossier ${code}`);
      return {
        code,
        name,
        phone: text(memo.applicantPhone),
        email: text(memo.applicantEmail),
        idNumber: text(memo.applicantIdNumber),
      };
    },
  );

  app.get(
    '/v1/dossiers/:code/timeline',
    {
      schema: {
        summary: 'Mẫu 05: the process control slip (time, actor, agency of every transition)',
        tags: ['dossiers'],
        params: codeParams,
        response: { 200: timelineSchema, ...errors },
      },
    },
    async (request) => {
      const { code } = request.params;
      assertCanSee(request, await scopeOf(code, false));
      let source: 'workflow' | 'read_model' = 'workflow';
      let entries = await handleOf(code)
        .query(dossierTimelineQuery)
        .catch((err) => {
          request.log.debug({ err, dossierCode: code }, 'timeline query failed, using the read model');
          return undefined;
        });
      if (!entries) {
        source = 'read_model';
        const row = await prisma.dossier.findUnique({ where: { code } });
        if (!row) throw new ApiError(404, 'dossier_not_found', `No dossier ${code}`);
        entries = (await stateOfRow(prisma, row)).timeline;
      }
      return { code, source, entries: entries.map(timelineEntryView) };
    },
  );

  app.get(
    '/v1/dossiers/:code/events',
    {
      schema: {
        summary: 'The stored, hash-chained events of a dossier (for auditors)',
        description:
          'hash = sha256(prevHash ‖ canonical JSON of `event`), keys sorted; the first prevHash is 64 zeros.',
        tags: ['dossiers'],
        params: codeParams,
        response: { 200: eventLogSchema, ...errors },
      },
    },
    async (request) => {
      const { code } = request.params;
      const row = await prisma.dossier.findUnique({
        where: { code },
        select: { agencyCode: true, currentAgencyCode: true, participants: true },
      });
      if (!row) throw new ApiError(404, 'dossier_not_found', `No dossier ${code}`);
      assertCanSee(request, { code, ...row });
      const events = await prisma.dossierEvent.findMany({
        where: { dossierCode: code },
        orderBy: { seq: 'asc' },
      });
      return {
        code,
        events: events.map((e) => ({
          id: e.id,
          seq: e.seq,
          type: e.type,
          version: e.schemaVersion,
          occurredAt: vietnamInstantOrNull(e.occurredAt)!,
          event: e.payload as Record<string, unknown>,
          prevHash: e.prevHash,
          hash: e.hash,
          streamSeq: e.streamSeq.toString(),
          recordedAt: vietnamInstantOrNull(e.recordedAt)!,
        })),
      };
    },
  );
};

/** The row's folded state; rows projected before `state` existed are re-folded from their events. */
async function stateOfRow(
  prisma: PrismaClient,
  row: { code: string; state: Prisma.JsonValue | null },
): Promise<DossierState> {
  if (row.state) return row.state as unknown as DossierState;
  const state = await foldStoredEvents(prisma, row.code);
  if (!state) throw new ApiError(404, 'dossier_not_found', `No dossier ${row.code}`);
  return state;
}

interface Cursor {
  receivedAt: Date;
  code: string;
}

function encodeCursor(row: { receivedAt: Date; code: string }): string {
  return Buffer.from(JSON.stringify([row.receivedAt.toISOString(), row.code])).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const [at, code] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const receivedAt = new Date(at);
    if (typeof code !== 'string' || Number.isNaN(receivedAt.getTime())) throw new Error('bad cursor');
    return { receivedAt, code };
  } catch {
    throw new ApiError(400, 'invalid_request', 'Invalid cursor: pass nextCursor from the previous page', [
      { field: 'querystring.cursor', message: 'invalid cursor' },
    ]);
  }
}
