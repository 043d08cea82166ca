import { actionNames, actions } from './actions';
import { type CommandName, commandRoles, type Role } from './commands';

/**
 * Access control (phân quyền): who may see and act on which dossier. Pure: the agency hierarchy
 * comes in as `subtreeOf`, so the API, the CLI and tests share the same decisions.
 *
 * - An agency sees the dossiers it received, currently holds, or took part in (liên thông
 *   participants). Supervisors (lãnh đạo) also see those of every agency below theirs, at any depth.
 * - Auditors read everything within their agency subtree (all of it with agency `*`); they never act.
 * - Admin sees and does everything.
 * - Acting needs the role in `commandRoles` AND scope: intake desks and officers act only on a
 *   dossier their agency received or holds now (having taken part earlier gives read access only);
 *   supervisors act on those received or held within their subtree. The step's work
 *   (`holderCommands`: hand on, complete, result ready) belongs to the agency
 *   holding the dossier only, and a step is completed only by its role or a more senior one
 *   (`stepRoleAllows`: intake < officer < supervisor).
 * - `*` scope (every agency) is for auditors and admins only; admin keys are global whatever agency
 *   they name (the agency is recorded for provenance only).
 * - A dossier the principal cannot see answers 404 (its existence does not leak); a visible one
 *   the role may not touch answers 403.
 */

/** Agency code of principals that span every agency (the admin token, nationwide auditors). */
export const ALL_AGENCIES = '*';

/** Who is calling: an API key or the bootstrap admin token. */
export interface Principal {
  id: string;
  name: string;
  role: Role;
  /** The agency scope, or `*` for all agencies. */
  agencyCode: string;
}

/** The part of a dossier that decides who may see it. */
export interface DossierScope {
  /** Receiving agency (cơ quan tiếp nhận). */
  agencyCode: string;
  /** Agency holding the dossier now (current step); null before the first handoff. */
  currentAgencyCode: string | null;
  /** Agencies that took part (liên thông). */
  participants: readonly string[];
  /** Role of the step being processed (`intake`, `officer`, `supervisor`), when known. */
  currentStepRole?: string | null;
}

/**
 * Actions only the agency holding the dossier takes (the step's work): the receiving desk cannot
 * complete, hand on or finish a step another agency holds.
 */
export const holderCommands: readonly CommandName[] = actionNames.filter(
  (n) => 'holderOnly' in actions[n] && actions[n].holderOnly,
);

/** Seniority of the roles a step can ask for: a step is completed by its role or a more senior one. */
const stepRoleRank: Partial<Record<string, number>> = { intake: 1, officer: 2, supervisor: 3 };

/** Whether `role` may complete a step whose role is `stepRole` (admin always; unknown step roles: anyone). */
export function stepRoleAllows(role: Role, stepRole: string | null | undefined): boolean {
  if (role === 'admin' || !stepRole) return true;
  const needed = stepRoleRank[stepRole];
  if (needed === undefined) return true;
  return (stepRoleRank[role] ?? 0) >= needed;
}

/** The agency and every agency below it (the hierarchy is data, any depth). */
export type SubtreeOf = (agencyCode: string) => ReadonlySet<string>;

export type AccessDecision =
  | { ok: true }
  | { ok: false; status: 403 | 404; code: AccessDeniedCode; message: string };

export type AccessDeniedCode = 'dossier_not_found' | 'forbidden_role' | 'forbidden_scope';

/** Who may receive (tiếp nhận) a new dossier: the desk of the receiving agency, or admin. */
export const intakeRoles: readonly Role[] = ['intake', 'admin'];

/** Roles that can see beyond their own agency: down the hierarchy. */
const subtreeRoles: readonly Role[] = ['supervisor', 'auditor'];

const OK: AccessDecision = { ok: true };

/**
 * Codes of `root` and all agencies below it, walking `parentCode` links. An unknown root is its own
 * subtree (a key may name an agency not loaded yet); a cycle in bad data cannot loop forever.
 */
export function agencySubtree(
  agencies: readonly { code: string; parentCode: string | null }[],
  root: string,
): Set<string> {
  const children = new Map<string, string[]>();
  for (const a of agencies) {
    if (a.parentCode === null) continue;
    const list = children.get(a.parentCode);
    if (list) list.push(a.code);
    else children.set(a.parentCode, [a.code]);
  }
  const seen = new Set<string>([root]);
  const queue = [root];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const child of children.get(next) ?? []) {
      if (!seen.has(child)) {
        seen.add(child);
        queue.push(child);
      }
    }
  }
  return seen;
}

/** Agencies whose dossiers the principal reads: `'all'`, or a set of codes (see module comment). */
export function visibleAgencies(principal: Principal, subtreeOf: SubtreeOf): 'all' | ReadonlySet<string> {
  if (principal.role === 'admin') return 'all';
  // `*` means every agency for auditors only; a `*` key of another role (created before this was
  // refused) sees nothing and must be re-issued for one agency.
  if (principal.agencyCode === ALL_AGENCIES) return principal.role === 'auditor' ? 'all' : new Set();
  if (subtreeRoles.includes(principal.role)) return subtreeOf(principal.agencyCode);
  return new Set([principal.agencyCode]);
}

/** Every agency a dossier involves: receiving, holding, and those that took part. */
export function involvedAgencies(dossier: DossierScope): string[] {
  return [
    dossier.agencyCode,
    ...(dossier.currentAgencyCode === null ? [] : [dossier.currentAgencyCode]),
    ...dossier.participants,
  ];
}

export function canSeeDossier(principal: Principal, dossier: DossierScope, subtreeOf: SubtreeOf): boolean {
  const visible = visibleAgencies(principal, subtreeOf);
  return visible === 'all' || involvedAgencies(dossier).some((code) => visible.has(code));
}

/** Whether the principal may run `command` on the dossier; the denial says how to answer. */
export function canActOn(
  principal: Principal,
  command: CommandName,
  dossier: DossierScope,
  subtreeOf: SubtreeOf,
): AccessDecision {
  if (!canSeeDossier(principal, dossier, subtreeOf)) return notFound();
  if (!commandRoles[command].includes(principal.role)) {
    return {
      ok: false,
      status: 403,
      code: 'forbidden_role',
      message: `Role ${principal.role} may not ${command}; allowed: ${commandRoles[command].join(', ')}`,
    };
  }
  if (principal.role === 'admin') return OK;
  // Acting is narrower than seeing: the agency must hold or have received the dossier, and the
  // step's own work belongs to the agency holding it, in the step's role.
  const actingAgencies =
    principal.role === 'supervisor' ? subtreeOf(principal.agencyCode) : new Set([principal.agencyCode]);
  const holder = dossier.currentAgencyCode ?? dossier.agencyCode;
  if (holderCommands.includes(command)) {
    if (!actingAgencies.has(holder)) {
      return {
        ok: false,
        status: 403,
        code: 'forbidden_scope',
        message: `Hồ sơ đang do cơ quan ${holder} xử lý; chỉ cơ quan đang giữ hồ sơ mới được thực hiện thao tác này.`,
      };
    }
    if (command === 'completeStep' && !stepRoleAllows(principal.role, dossier.currentStepRole)) {
      return {
        ok: false,
        status: 403,
        code: 'forbidden_role',
        message: `Bước đang xử lý dành cho vai trò ${dossier.currentStepRole}; vai trò ${principal.role} không được hoàn thành bước này.`,
      };
    }
    return OK;
  }
  const responsible = [dossier.agencyCode, ...(dossier.currentAgencyCode ? [dossier.currentAgencyCode] : [])];
  if (responsible.some((code) => actingAgencies.has(code))) return OK;
  return {
    ok: false,
    status: 403,
    code: 'forbidden_scope',
    message: `Agency ${principal.agencyCode} neither received nor holds this dossier (it is at ${
      dossier.currentAgencyCode ?? dossier.agencyCode
    }); it may only read it`,
  };
}

/** Whether the principal may receive a new dossier for `agencyCode` (POST /v1/dossiers). */
export function canReceive(principal: Principal, agencyCode: string): AccessDecision {
  if (!intakeRoles.includes(principal.role)) {
    return {
      ok: false,
      status: 403,
      code: 'forbidden_role',
      message: `Role ${principal.role} may not receive dossiers; allowed: ${intakeRoles.join(', ')}`,
    };
  }
  if (principal.role === 'admin' || principal.agencyCode === agencyCode) return OK;
  return {
    ok: false,
    status: 403,
    code: 'forbidden_scope',
    message: `A desk of ${principal.agencyCode} may only receive dossiers for its own agency, not ${agencyCode}`,
  };
}

function notFound(): AccessDecision {
  return { ok: false, status: 404, code: 'dossier_not_found', message: 'No such dossier' };
}
