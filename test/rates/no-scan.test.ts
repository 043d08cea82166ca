import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../services/db';
import { periodReport } from '../../services/rates/period-report';
import { rateQuerySchema, rateReport } from '../../services/rates/query';

/*
 * Issue 10: "Rate queries sum buckets; they never scan dossiers or events", and the pending stock
 * as of a day comes from the buckets (received − closed, became overdue − closed while overdue).
 * The queries run against a database double that knows only the agency list and raw SQL (the
 * agency tree, the buckets and their roll-ups):
 * touching any other model (dossier, dossierEvent…) throws.
 */

function bucketOnlyDatabase() {
  const sql: string[] = [];
  const agencies = [
    { code: 'T-MAU', name: 'Tỉnh Mẫu', parentCode: null, level: 'province' },
    { code: 'X-AN-BINH', name: 'Xã An Bình', parentCode: 'T-MAU', level: 'commune' },
  ];
  const allowed: Record<string, unknown> = {
    agency: { findMany: async () => agencies },
    $queryRawUnsafe: async (query: string) => {
      sql.push(query);
      // The rate read's own statement walks the agency table (recursive CTE) in the same round trip.
      return /WITH RECURSIVE/.test(query)
        ? [{ part: -1, backfilled: false, found: true, agencies: agencies.map((a) => a.code) }]
        : [];
    },
  };
  const prisma = new Proxy(allowed, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in target) return target[prop];
      throw new Error(`rate queries must not touch ${String(prop)}`);
    },
  }) as unknown as PrismaClient;
  return { prisma, sql };
}

describe('rate and report queries read counter buckets only', () => {
  it('GET /v1/rates (rates, counts, pending stock carried over and at the end) never reads dossiers or events', async () => {
    const { prisma, sql } = bucketOnlyDatabase();
    const report = await rateReport(
      prisma,
      rateQuerySchema.parse({ agency: 'T-MAU', from: '2026-10-01', to: '2026-10-31' }),
    );
    expect(report.pending).toEqual({
      carriedOver: { pending: 0, inTime: 0, overdue: 0 },
      atEnd: { pending: 0, inTime: 0, overdue: 0 },
    });
    expect(sql.length).toBeGreaterThan(0);
    for (const q of sql) {
      // The buckets, or their trigger-maintained per-agency roll-ups (counter_rollup_day/month).
      expect(q).toMatch(/FROM "counter_(bucket|rollup_day|rollup_month)"/);
      expect(q).not.toMatch(/dossier/i);
    }
  });

  it('the periodic report never reads dossiers or events either', async () => {
    const { prisma, sql } = bucketOnlyDatabase();
    const report = await periodReport(
      prisma,
      { agency: 'T-MAU', kind: 'month', period: '2026-10', backfilled: 'include' },
      'calendar',
    );
    expect(report.rows.map((r) => r.scope)).toEqual(['own', 'subtree', 'total']);
    for (const q of sql) expect(q).not.toMatch(/dossier/i);
  });
});
