import type { IntakeInput } from '../../services/api/client';
import type { ApiWorld } from './api-fixtures';
import { uniqueCode } from './helpers';

/**
 * Receives a dossier whose due instant has already passed, so `dossier.overdue` (without an
 * apology) fires at once. Today this is a receipt in the past (`intake()`'s default receivedAt);
 * when the `time` track's admin backfill lands, switch THIS function to `POST /v1/admin/backfill`.
 */
export async function receiveOverdueDossier(
  w: ApiWorld,
  overrides: Partial<IntakeInput> = {},
  prefix = 'LT',
): Promise<string> {
  const code = overrides.code ?? uniqueCode(prefix);
  const desk = await w.as('intake');
  await desk.receive(w.intake(code, overrides));
  return code;
}
