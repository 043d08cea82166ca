import { z } from 'zod';
import { INSTANT_OUT_OF_RANGE, isInstantInRange } from './instants';

/**
 * The one instant schema of every request (intake `receivedAt`, action `at`, `newDueAt`,
 * `proposedDueAt`, backfill): ISO 8601 with an explicit offset, inside the calendar's range
 * (domain/instants.ts). Apart from domain/instants.ts so the workflow bundle stays zod-free.
 */
export const instantSchema = z.iso
  .datetime({ offset: true, message: 'must be ISO 8601 with a UTC offset' })
  // A malformed value is reported once, by the format check above.
  .refine((v) => Number.isNaN(Date.parse(v)) || isInstantInRange(Date.parse(v)), {
    message: `${INSTANT_OUT_OF_RANGE}: must lie between 1900-01-01 and 2199-12-31 (Vietnam time)`,
  });
