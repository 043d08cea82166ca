import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type PrismaClient } from '../../services/db';
import { testConfig, uniqueCode } from './helpers';

/*
 * The counter roll-ups (counter_rollup_day / counter_rollup_month, migration
 * 20261201050000_counter_rollups) are kept by a trigger on counter_bucket whose SQL names every
 * counter column by hand, four times. A counter added to counter_bucket later and forgotten there
 * would be counted in the buckets but silently missing from every rate query that reads the
 * roll-ups. This test reads the counter columns from the live schema (not from a list of ours) and
 * checks the trigger carries each one, through an insert, an update and a delete, on the real
 * database.
 */

let prisma: PrismaClient;
const KEY_COLUMNS = new Set(['agency_code', 'procedure_code', 'day', 'backfilled']);

beforeAll(() => {
  prisma = createPrisma(testConfig().DATABASE_URL!);
});
afterAll(async () => {
  await prisma?.$disconnect();
});

const columnsOf = async (table: string) =>
  (
    await prisma.$queryRawUnsafe<{ column_name: string; data_type: string }[]>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      table,
    )
  ).filter((c) => !KEY_COLUMNS.has(c.column_name));

describe('the counter roll-up trigger', () => {
  it('carries every counter column of counter_bucket into the day and month roll-ups (insert, update, delete)', async () => {
    const counters = await columnsOf('counter_bucket');
    expect(counters.length).toBeGreaterThan(20);
    for (const c of counters) expect(c.data_type, c.column_name).toBe('integer');
    // Every counter has its column in both roll-ups...
    for (const table of ['counter_rollup_day', 'counter_rollup_month']) {
      const have = new Set((await columnsOf(table)).map((c) => c.column_name));
      expect(
        counters.map((c) => c.column_name).filter((c) => !have.has(c)),
        `${table} lacks`,
      ).toEqual([]);
    }
    // ...and the trigger moves each one: distinct values, so a swapped column shows too.
    const agency = `X-${uniqueCode('ROLL').replace(/[^A-Za-z0-9-]/g, '-')}`;
    const names = counters.map((c) => `"${c.column_name}"`).join(', ');
    const values = (factor: number) => counters.map((_, i) => (i + 1) * factor);
    const rollups = async () => {
      const select = (table: string, dayColumn: string, day: string) =>
        prisma.$queryRawUnsafe<Record<string, number>[]>(
          `SELECT ${names} FROM "${table}" WHERE agency_code = $1 AND "${dayColumn}" = $2::date AND backfilled = false`,
          agency,
          day,
        );
      return {
        day: await select('counter_rollup_day', 'day', '2026-10-15'),
        month: await select('counter_rollup_month', 'month', '2026-10-01'),
      };
    };
    const expectRollups = async (expected: number[]) => {
      const { day, month } = await rollups();
      const asRow = Object.fromEntries(counters.map((c, i) => [c.column_name, expected[i]]));
      for (const [name, rows] of Object.entries({ day, month })) {
        expect(rows, name).toHaveLength(1);
        expect(rows[0], name).toEqual(asRow);
      }
    };
    const where = `agency_code = $1 AND procedure_code = 'P-ROLLUP' AND day = '2026-10-15' AND backfilled = false`;
    await prisma.$executeRawUnsafe(
      `INSERT INTO "counter_bucket" (agency_code, procedure_code, day, backfilled, ${names})
       VALUES ($1, 'P-ROLLUP', '2026-10-15', false, ${values(1).join(', ')})`,
      agency,
    );
    await expectRollups(values(1));
    await prisma.$executeRawUnsafe(
      `UPDATE "counter_bucket" SET ${counters.map((c) => `"${c.column_name}" = "${c.column_name}" * 3`).join(', ')} WHERE ${where}`,
      agency,
    );
    await expectRollups(values(3));
    await prisma.$executeRawUnsafe(`DELETE FROM "counter_bucket" WHERE ${where}`, agency);
    await expectRollups(values(0));
  });
});
