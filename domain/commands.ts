import { z } from 'zod';
import { type ActionName, actionNames, eachAction } from './actions';
import { actionBodies } from './actions/bodies';
import type { Actor } from './events';

/**
 * Actions on a running dossier, one module each in domain/actions/. Each body is what the API
 * accepts (`POST /v1/dossiers/{code}/<path>`) and, with the acting principal and the instant
 * resolved, what the workflow's Update receives. `at` defaults to the workflow's clock when left
 * out; workflows never read a clock.
 */
export const commandBodySchemas = actionBodies;

export type CommandName = ActionName;
export const commandNames: CommandName[] = actionNames;
export type CommandBody<N extends CommandName> = z.infer<(typeof commandBodySchemas)[N]>;

/** What an Update handler receives: the body with its instant and actor resolved. */
export type Command<N extends CommandName> = Omit<CommandBody<N>, 'at'> & { at: string; actor: Actor };

/** URL segment of each action: `POST /v1/dossiers/{code}/<path>`. */
export const commandPaths: Record<CommandName, string> = eachAction('path');

export const roleSchema = z.enum(['intake', 'officer', 'supervisor', 'auditor', 'admin']);
export type Role = z.infer<typeof roleSchema>;

/**
 * Who may do what (within their agency scope). Intake systems are the one-stop desk: receipt,
 * supplements, return, withdrawal and what the applicant does at the desk. Officers process.
 * Supervisors (lãnh đạo) sign apologies (only they) and may reject. Auditors only read. Admin all.
 * Steps also carry a role (domain/access.ts `stepRoleAllows`): a desk key cannot complete a leader's
 * approval step.
 */
export const commandRoles: Record<CommandName, readonly Role[]> = eachAction('roles');
