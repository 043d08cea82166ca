/**
 * Apology letters (Mẫu 04) from draft to issue:
 * - a dossier that gets `delay_reported`, `due_soon` or `overdue` without an apology gets one
 *   draft (the partial unique index on letter(dossier_code, kind) makes it once per dossier);
 * - a supervisor issues it (`issueApologyLetter`): number, final PDF and the workflow's
 *   `issueApology` Update in one transaction, so a refusal leaves nothing behind;
 * - an apology made with the bare `issue-apology` action gets its issued letter afterwards
 *   (`recordApologyLetter`), so every apology has a letter.
 */
import { randomUUID } from 'node:crypto';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { computeDue, type WorkingCalendar, workingMsBetween } from '../../domain/calendar';
import type { Command } from '../../domain/commands';
import { workflowIdFor } from '../../domain/dossier';
import { type Actor, type DossierEventOf, dossierEventSchema } from '../../domain/events';
import {
  type ApologyContent,
  apologyContentSchema,
  defaultSignerTitle,
  draftApologyContent,
  type FaultParty,
  issuedApologyContent,
  issuingAgencyCode,
  type LetterAgency,
  newAppointmentProblems,
  type RuleSet,
  ruleSetAt,
  ruleSetSchema,
  type Signer,
} from '../../domain/letters';
import { applyEvent, type DossierState } from '../../domain/lifecycle';
import type { RuleSet as PinnedRuleSet } from '../../domain/rulesets';
import { dossierStateQuery, dossierUpdates } from '../../workflows/definitions';
import type { Config } from '../config';
import type { Prisma, PrismaClient } from '../db';
import { foldStoredEvents } from '../projector';
import { issueWithNumber, LetterAlreadyIssuedError, LetterNotFoundError } from './numbering';
import { storeLetterPdf } from './pdf-store';
import { renderLetter } from './render';

export interface LetterDeps {
  prisma: PrismaClient;
  temporal: Client;
  /** The calendar in force for an agency (services/calendars.ts `forAgency`). */
  calendarFor(agencyCode: string): Promise<WorkingCalendar>;
  config: Pick<Config, 'LETTER_PROPOSED_EXTENSION_WORKING_DAYS'>;
}

export type LetterRow = Prisma.LetterGetPayload<object>;

/** A condition that clears by itself in a moment (a commit, a projection): redeliver quietly. */
export class NotReadyYet extends Error {}

/** Placeholder signer name of a draft: the supervisor names the signer when issuing. */
export const UNSIGNED = '……………………';

/** A dossier's state: the workflow first (source of truth), else the read model. */
export async function dossierStateOf(
  deps: Pick<LetterDeps, 'prisma' | 'temporal'>,
  code: string,
): Promise<DossierState | undefined> {
  try {
    const state = await deps.temporal.workflow.getHandle(workflowIdFor(code)).query(dossierStateQuery);
    if (state?.agencyCode) return state;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const row = await deps.prisma.dossier.findUnique({ where: { code }, select: { state: true } });
  if (row?.state) return row.state as unknown as DossierState;
  return (await foldStoredEvents(deps.prisma, code)) ?? undefined;
}

/**
 * The letters' rule-set of a legal rule-set pinned at receipt (`dossier.received` `rules.ruleSet`,
 * domain/rulesets.ts): the circular in force on the day that rule-set took effect, so Decree
 * 61/2018 gives Circular 01/2018 and Decree 118/2025 gives Circular 03/2025.
 */
export function pinnedLetterRuleSet(
  pinned: Pick<PinnedRuleSet, 'id' | 'effectiveFrom'> | undefined,
): RuleSet | undefined {
  if (!pinned) return undefined;
  const exact = ruleSetSchema.safeParse(pinned.id);
  if (exact.success) return exact.data;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(pinned.effectiveFrom)) return undefined;
  return ruleSetAt(`${pinned.effectiveFrom}T00:00:00+07:00`);
}

/** The form's rule-set: the one pinned at receipt when the dossier has one, else the one in force then. */
export function ruleSetOf(state: DossierState): RuleSet {
  return pinnedLetterRuleSet(state.rules?.ruleSet) ?? ruleSetAt(state.receivedAt);
}

/**
 * The dossier as it was right after event `seq` (the event being handled), folded from the stored
 * events once the read model has projected it: the consumer never waits on a workflow query (a
 * worker may be busy or down), never acts on a state older than the event, and never on a newer
 * one either — so what it decides depends on the event history alone, not on how far behind the
 * consumer runs (a letters process that was down, or a redelivery, decides as it would have on
 * time). Not projected yet: redelivered in a moment.
 */
export async function dossierStateAtSeq(
  prisma: PrismaClient,
  code: string,
  seq: number,
): Promise<DossierState> {
  const row = await prisma.dossier.findUnique({ where: { code }, select: { lastSeq: true } });
  if (!row || row.lastSeq < seq) throw new NotReadyYet(`dossier ${code} not projected up to ${seq} yet`);
  const rows = await prisma.dossierEvent.findMany({
    where: { dossierCode: code, seq: { lte: seq } },
    orderBy: { seq: 'asc' },
    select: { payload: true },
  });
  let state: DossierState | undefined;
  for (const r of rows) {
    const parsed = dossierEventSchema.safeParse(r.payload);
    // Events of retired types (the first slice's dossier.completed) have no place in the state.
    if (parsed.success) state = applyEvent(state, parsed.data);
  }
  if (!state) throw new NotReadyYet(`dossier ${code} has no state yet`);
  return state;
}

/** Letterhead of an agency: its name under its parent's. */
export async function letterAgency(prisma: PrismaClient, code: string): Promise<LetterAgency> {
  const a = await prisma.agency.findUnique({
    where: { code },
    select: { name: true, parent: { select: { name: true } } },
  });
  return { code, name: a?.name ?? code, ...(a?.parent && { parentName: a.parent.name }) };
}

/** The place of the date line: the locality in the agency's name ("UBND xã An Bình" → "An Bình"). */
export function placeOf(agencyName: string): string {
  const m = /(?:xã|phường|thị trấn|thị xã|huyện|quận|thành phố|tỉnh)\s+(.+)$/iu.exec(agencyName);
  const place = (m?.[1] ?? agencyName).replace(/\s*\([^)]*\)\s*$/u, '').trim();
  return place || agencyName;
}

export async function procedureName(prisma: PrismaClient, code: string): Promise<string> {
  const p = await prisma.procedure.findUnique({ where: { code }, select: { name: true } });
  return p?.name ?? code;
}

/**
 * Who was at fault: the reported party when a delay was reported; otherwise the desk when the
 * dossier never left it (no processing step started), else the processing agency.
 */
export function faultPartyOf(state: DossierState, reported?: FaultParty): FaultParty {
  if (reported) return reported;
  const last = state.delayReports.at(-1);
  if (last) return last.faultParty as FaultParty;
  return state.currentStep === null ? 'desk' : 'processing_agency';
}

/** The issuing agency: the desk when the desk is at fault, else the agency holding the dossier. */
export function issuingAgencyOf(state: DossierState, faultParty: FaultParty): string {
  return issuingAgencyCode({
    faultParty,
    deskAgencyCode: state.agencyCode,
    processingAgencyCode: state.currentAgencyCode || state.agencyCode,
  });
}

const HOUR_MS = 3_600_000;

/**
 * The new appointment a draft proposes (legal engine, on the issuing agency's calendar): the
 * reported date when a delay report gave one later than the current due instant; else, from the
 * later of `at` and the current due instant, the configured working days or the dossier's
 * original deadline length again (working time from receipt to the legal due, pauses excluded).
 */
export function proposeNewDueAt(
  calendar: WorkingCalendar,
  state: DossierState,
  at: string,
  opts: { reportedDueAt?: string; workingDays?: number } = {},
): string {
  const reported = opts.reportedDueAt ?? state.delayReports.at(-1)?.proposedDueAt;
  if (reported && Date.parse(reported) > Date.parse(state.dueAt)) return new Date(reported).toISOString();
  const from = new Date(Math.max(Date.parse(at), Date.parse(state.dueAt)));
  if (opts.workingDays) {
    return computeDue(calendar, {
      received: from,
      workingDays: opts.workingDays,
      warningWorkingMinutes: 0,
    }).due.toISOString();
  }
  const paused = state.pauses.reduce(
    (sum, p) => sum + workingMsBetween(calendar, new Date(p.start), new Date(p.end)),
    0,
  );
  const lengthMs =
    workingMsBetween(calendar, new Date(state.receivedAt), new Date(state.originalDueAt)) - paused;
  const hours = lengthMs > 0 ? lengthMs / HOUR_MS : 8;
  return computeDue(calendar, {
    received: from,
    workingHours: hours,
    warningWorkingMinutes: 0,
  }).due.toISOString();
}

/** Default reason of a draft made by a timer (the supervisor rewrites it when issuing). */
export const DEFAULT_DELAY_REASON =
  'Hồ sơ chưa được giải quyết xong trong thời hạn quy định; cơ quan giải quyết cần thêm thời gian để xem xét, hoàn thiện kết quả.';

async function apologyContentFor(
  deps: LetterDeps,
  state: DossierState,
  apology: { faultParty: FaultParty; reason: string; newDueAt: string; draftedAt: string; signer?: Signer },
): Promise<{ content: ApologyContent; issuingAgencyCode: string; ruleSet: RuleSet }> {
  const { prisma } = deps;
  const issuing = issuingAgencyOf(state, apology.faultParty);
  const ruleSet = ruleSetOf(state);
  const [issuingAgency, desk, procedure] = await Promise.all([
    letterAgency(prisma, issuing),
    letterAgency(prisma, state.agencyCode),
    procedureName(prisma, state.procedureCode),
  ]);
  const content = draftApologyContent(
    state,
    {
      issuingAgency,
      procedureName: procedure,
      place: placeOf(issuingAgency.name),
      signer: apology.signer ?? { title: defaultSignerTitle(apology.faultParty), name: UNSIGNED },
      ruleSet,
      ...(issuing !== state.agencyCode && { receivingAgencyName: desk.name }),
    },
    apology,
  );
  return { content, issuingAgencyCode: issuing, ruleSet };
}

/** Inserts a draft apology unless the dossier has one; true when this call created it. */
async function insertDraft(
  deps: LetterDeps,
  state: DossierState,
  draft: { content: ApologyContent; issuingAgencyCode: string; ruleSet: RuleSet; proposedDueAt: string },
): Promise<{ id: string; created: boolean }> {
  const { prisma } = deps;
  const rendered = await renderLetter(draft.content);
  const id = randomUUID();
  const created = await prisma.$transaction(async (tx) => {
    const sha = await storeLetterPdf(tx, rendered.bytes);
    const { count } = await tx.letter.createMany({
      data: [
        {
          id,
          dossierCode: state.code,
          kind: 'apology',
          formId: draft.content.formId,
          ruleSet: draft.ruleSet,
          status: 'draft',
          issuingAgencyCode: draft.issuingAgencyCode,
          faultParty: draft.content.faultParty,
          reason: draft.content.reason,
          proposedDueAt: new Date(draft.proposedDueAt),
          newDueAt: new Date(draft.content.newDueAt),
          signerName: draft.content.signer.name,
          signerTitle: draft.content.signer.title,
          content: draft.content as unknown as Prisma.InputJsonValue,
          pdfSha256: sha,
        },
      ],
      // The one-apology-per-dossier index: a second trigger or a redelivery finds the first.
      skipDuplicates: true,
    });
    return count === 1;
  });
  if (created) return { id, created };
  const existing = await prisma.letter.findFirst({
    where: { dossierCode: state.code, kind: 'apology' },
    select: { id: true },
  });
  return { id: existing!.id, created: false };
}

export type DraftTrigger =
  | DossierEventOf<'dossier.delay_reported'>
  | DossierEventOf<'dossier.due_soon'>
  | DossierEventOf<'dossier.overdue'>;

/**
 * Makes the dossier's draft apology for a delay report, or a due-soon/overdue timer that found
 * no apology. Nothing when the dossier already has an apology letter, an apology, or left the
 * late path (result, rejection, withdrawal).
 */
export async function draftApology(
  deps: LetterDeps,
  event: DraftTrigger,
): Promise<{ letterId: string; created: boolean } | undefined> {
  const { prisma } = deps;
  if (event.type !== 'dossier.delay_reported' && event.payload.apologyIssued) return undefined;
  const existing = await prisma.letter.findFirst({
    where: { dossierCode: event.dossierCode, kind: 'apology' },
    select: { id: true },
  });
  if (existing) return { letterId: existing.id, created: false };
  const state = await dossierStateAtSeq(prisma, event.dossierCode, event.seq);
  if (state.apology || state.result || state.rejection || state.withdrawal) return undefined;
  const reported = event.type === 'dossier.delay_reported' ? event.payload : undefined;
  const faultParty = faultPartyOf(state, reported?.faultParty);
  const calendar = await deps.calendarFor(issuingAgencyOf(state, faultParty));
  const proposedDueAt = proposeNewDueAt(calendar, state, event.occurredAt, {
    ...(reported && { reportedDueAt: reported.proposedDueAt }),
    ...(deps.config.LETTER_PROPOSED_EXTENSION_WORKING_DAYS && {
      workingDays: deps.config.LETTER_PROPOSED_EXTENSION_WORKING_DAYS,
    }),
  });
  const reason = reported?.reason ?? state.delayReports.at(-1)?.reason ?? DEFAULT_DELAY_REASON;
  const draft = await apologyContentFor(deps, state, {
    faultParty,
    reason,
    newDueAt: proposedDueAt,
    draftedAt: event.occurredAt,
  });
  const { id, created } = await insertDraft(deps, state, { ...draft, proposedDueAt });
  return { letterId: id, created };
}

/**
 * Whether the dossier's recorded apology is this letter's: a retry after a lost commit may go on
 * (its Update id returns the workflow's first answer) instead of answering 409.
 */
async function apologyNamesLetter(prisma: PrismaClient, dossierCode: string, letterId: string) {
  const event = await prisma.dossierEvent.findFirst({
    where: {
      dossierCode,
      type: 'dossier.apology_issued',
      payload: { path: ['payload', 'letterId'], equals: letterId },
    },
    select: { id: true },
  });
  return event !== null;
}

/** What a supervisor may change when issuing. */
export interface IssueEdits {
  reason?: string;
  newDueAt?: string;
  signer?: Signer;
}

export class LetterIssueRefused extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * Issues a draft apology: checks the edits, numbers it, renders and stores the final PDF and
 * moves the appointment through the workflow's `issueApology` Update (with the letter id), all
 * in the numbering transaction: when the workflow refuses, the number, the PDF link and the
 * status roll back. The Update id is derived from the letter, so a retry after a lost commit
 * gets the workflow's first answer instead of a second apology.
 */
export async function issueApologyLetter(
  deps: Pick<LetterDeps, 'prisma' | 'temporal'>,
  letterId: string,
  edits: IssueEdits,
  issuer: { actor: Actor; at: Date },
): Promise<LetterRow> {
  const { prisma, temporal } = deps;
  const letter = await prisma.letter.findUnique({ where: { id: letterId } });
  if (!letter) throw new LetterIssueRefused(404, 'letter_not_found', `Không có văn bản ${letterId}.`);
  if (letter.kind !== 'apology') {
    throw new LetterIssueRefused(
      409,
      'not_an_apology',
      'Chỉ văn bản xin lỗi (Mẫu 04) được ban hành tại đây.',
    );
  }
  if (letter.status === 'issued') {
    throw new LetterIssueRefused(409, 'letter_already_issued', 'Văn bản đã được ban hành.');
  }
  const draft = apologyContentSchema.parse(letter.content);
  const issuedAt = issuer.at.toISOString();
  const newDueAt = new Date(edits.newDueAt ?? draft.newDueAt).toISOString();
  const problems = newAppointmentProblems({ originalDueAt: draft.originalDueAt, newDueAt, issuedAt });
  if (problems.length > 0) {
    throw new LetterIssueRefused(
      422,
      'invalid_due_date',
      problems.map((p) => p.message).join(' '),
      problems.map((p) => ({ field: 'body.newDueAt', code: p.code, message: p.message })),
    );
  }
  const state = await dossierStateOf(deps, letter.dossierCode);
  if (!state) throw new LetterIssueRefused(404, 'dossier_not_found', `No dossier ${letter.dossierCode}`);
  if (state.apology && !(await apologyNamesLetter(prisma, letter.dossierCode, letterId))) {
    throw new LetterIssueRefused(
      409,
      'apology_already_issued',
      'Đã xin lỗi và hẹn lại một lần; không được hẹn lại lần nữa.',
    );
  }
  const reason = edits.reason ?? draft.reason;
  const signer = edits.signer ?? draft.signer;
  if (signer.name === UNSIGNED) {
    throw new LetterIssueRefused(422, 'signer_required', 'Cần ghi họ tên người ký văn bản.', [
      { field: 'body.signer', message: 'signer required' },
    ]);
  }
  try {
    await issueWithNumber(
      prisma,
      letterId,
      { issuedAt: issuer.at, issuedBy: issuer.actor.id },
      async (tx, issued) => {
        const content = issuedApologyContent(draft, {
          number: issued.number,
          issuedAt,
          reason,
          newDueAt,
          signer,
        });
        await storeIssuedLetter(tx, letterId, content, { reason, newDueAt, signer });
        const command: Command<'issueApology'> = {
          at: issuedAt,
          actor: issuer.actor,
          reason,
          faultParty: draft.faultParty,
          newDueAt,
          signedBy: signer.name,
          letterId,
        };
        await temporal.workflow
          .getHandle(workflowIdFor(letter.dossierCode))
          .executeUpdate(dossierUpdates.issueApology, {
            args: [command],
            updateId: `letter-issue-${letterId}`,
          });
      },
    );
  } catch (err) {
    if (err instanceof LetterAlreadyIssuedError) {
      throw new LetterIssueRefused(409, 'letter_already_issued', 'Văn bản đã được ban hành.');
    }
    if (err instanceof LetterNotFoundError) {
      throw new LetterIssueRefused(404, 'letter_not_found', `Không có văn bản ${letterId}.`);
    }
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as { type?: string | null; message?: string } | undefined;
      const code = cause?.type ?? 'invalid_transition';
      const status = code === 'invalid_due_date' || code === 'invalid_instant' ? 422 : 409;
      throw new LetterIssueRefused(status, code, cause?.message || err.message);
    }
    if (err instanceof WorkflowNotFoundError) {
      throw new LetterIssueRefused(409, 'dossier_closed', `Hồ sơ ${letter.dossierCode} đã kết thúc.`);
    }
    throw err;
  }
  return (await prisma.letter.findUnique({ where: { id: letterId } }))!;
}

/** The final PDF of an issued letter, stored once, and what it says, in the issuing transaction. */
async function storeIssuedLetter(
  tx: Prisma.TransactionClient,
  letterId: string,
  content: Parameters<typeof renderLetter>[0],
  decided: { reason: string; newDueAt: string; signer: Signer },
) {
  const rendered = await renderLetter(content);
  await tx.letter.update({
    where: { id: letterId },
    data: {
      content: content as unknown as Prisma.InputJsonValue,
      pdfSha256: await storeLetterPdf(tx, rendered.bytes),
      reason: decided.reason,
      newDueAt: new Date(decided.newDueAt),
      signerName: decided.signer.name,
      signerTitle: decided.signer.title,
    },
  });
}

/**
 * An apology recorded by the workflow: when it names a letter of this dossier, that letter is
 * it. Otherwise (the bare `issue-apology` action) the dossier's apology letter is made and
 * issued from the event: the draft when one exists, with the event's reason, party, new
 * appointment, signer and instant. Redelivery finds it issued and changes nothing.
 */
/** How long the consumer waits for an issuing transaction to commit after its workflow event. */
const ISSUE_COMMIT_GRACE_MS = 120_000;

export async function recordApologyLetter(
  deps: LetterDeps,
  event: DossierEventOf<'dossier.apology_issued'>,
): Promise<string> {
  const { prisma } = deps;
  const p = event.payload;
  if (p.letterId) {
    const named = await prisma.letter.findUnique({
      where: { id: p.letterId },
      select: { id: true, dossierCode: true, kind: true, status: true },
    });
    if (named && named.dossierCode === event.dossierCode && named.kind === 'apology') {
      if (named.status === 'issued') return named.id;
      // The issuing transaction commits right after the workflow's event: wait for it. One that
      // never committed (the API died in between) is issued below from the event itself.
      if (Date.now() - Date.parse(event.occurredAt) < ISSUE_COMMIT_GRACE_MS) {
        throw new NotReadyYet(`letter ${named.id} is being issued`);
      }
    }
  }
  const current = await prisma.letter.findFirst({
    where: { dossierCode: event.dossierCode, kind: 'apology' },
  });
  if (current?.status === 'issued') return current.id;
  const state = await dossierStateAtSeq(prisma, event.dossierCode, event.seq);
  // The letter describes the dossier before the new appointment.
  const before: DossierState = { ...state, dueAt: p.originalDueAt, originalDueAt: p.originalDueAt };
  const faultParty = p.faultParty as FaultParty;
  const signer: Signer = {
    title: defaultSignerTitle(faultParty),
    name: p.signedBy ?? p.actor.name ?? p.actor.id,
  };
  const made = await apologyContentFor(deps, before, {
    faultParty,
    reason: p.reason,
    newDueAt: p.dueAt,
    draftedAt: event.occurredAt,
    signer,
  });
  let letterId = current?.id;
  if (!letterId) {
    letterId = (await insertDraft(deps, before, { ...made, proposedDueAt: p.dueAt })).id;
  }
  // The draft (made by a timer) gives way to what was actually decided.
  await prisma.letter.updateMany({
    where: { id: letterId, status: 'draft' },
    data: {
      issuingAgencyCode: made.issuingAgencyCode,
      faultParty,
      formId: made.content.formId,
      ruleSet: made.ruleSet,
      content: made.content as unknown as Prisma.InputJsonValue,
    },
  });
  try {
    await issueWithNumber(
      prisma,
      letterId,
      { issuedAt: new Date(event.occurredAt), issuedBy: p.actor.id },
      async (tx, issued) => {
        const content = issuedApologyContent(made.content, {
          number: issued.number,
          issuedAt: event.occurredAt,
        });
        await storeIssuedLetter(tx, letterId, content, { reason: p.reason, newDueAt: p.dueAt, signer });
      },
    );
  } catch (err) {
    if (!(err instanceof LetterAlreadyIssuedError)) throw err;
  }
  return letterId;
}
