import { describe, expect, it } from 'vitest';
import {
  type CatalogueInput,
  checkCatalogue,
  formatIssue,
  type KnownReferences,
  parseCatalogue,
  validateCatalogue,
} from '../../domain/catalogue';
import {
  deadlineHours,
  isInterAgency,
  planSteps,
  SAMPLE_DEATH_GROUP_CODE,
  SAMPLE_DEATH_LIEN_THONG_CODE,
  sampleAgencies,
  sampleProcedureGroups,
  sampleProcedures,
} from '../../domain/reference';

const known: KnownReferences = {
  agencies: new Map<string, string | null>([
    ['T-MAU', null],
    ['X-AN-BINH', 'T-MAU'],
  ]),
  groups: new Set(['G-DB']),
};

const step = (key: string, hours: number, agencyCode: string | null = null, role = 'officer') => ({
  key,
  name: `Bước ${key}`,
  role,
  agencyCode,
  budgetWorkingHours: hours,
});

function check(input: CatalogueInput) {
  return checkCatalogue(JSON.stringify(input), 'json', known);
}

describe('step budgets against the legal deadline', () => {
  it('accepts budgets that add up to the deadline exactly', () => {
    const r = check({
      procedures: [
        {
          code: 'P',
          name: 'n',
          level: 'commune',
          deadlineWorkingHours: 4,
          steps: [step('a', 0.5), step('b', 3.5)],
        },
      ],
    });
    expect(r.issues).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('rejects budgets that exceed it, counting a working day as 8 hours', () => {
    const r = check({
      procedures: [
        {
          code: 'P',
          name: 'n',
          level: 'commune',
          deadlineWorkingDays: 1,
          steps: [step('a', 4), step('b', 4.5)],
        },
      ],
    });
    expect(r.ok).toBe(false);
    expect(r.issues).toEqual([
      {
        severity: 'error',
        field: 'procedures.0.steps',
        record: 'P',
        message: 'tổng thời gian các bước 8.5 giờ vượt thời hạn giải quyết (1 ngày làm việc = 8 giờ)',
      },
    ]);
  });

  it('names the CSV row of a procedure whose budgets exceed its deadline', () => {
    const text = [
      'code,name,level,deadlineWorkingHours,steps',
      'P-OK,Được,commune,4,a:A:intake:-:4',
      'P-LONG,Quá hạn,commune,4,a:A:intake:-:3;b:B:officer:-:2',
    ].join('\n');
    const r = checkCatalogue(text, 'csv', known);
    expect(r.issues.map(formatIssue)).toEqual([
      'lỗi (dòng 3, P-LONG, steps): tổng thời gian các bước 5 giờ vượt thời hạn giải quyết (4 giờ làm việc)',
    ]);
  });

  it('warns, without rejecting, about a procedure that has no steps', () => {
    const r = check({ procedures: [{ code: 'P', name: 'n', level: 'commune', deadlineWorkingDays: 3 }] });
    expect(r.ok).toBe(true);
    expect(r.issues).toMatchObject([{ severity: 'warning', field: 'procedures.0.steps', record: 'P' }]);
  });
});

describe('references', () => {
  it('resolves agencies and groups from the file or the database', () => {
    const r = check({
      agencies: [{ code: 'CA-X', name: 'Công an xã', level: 'commune', parentCode: 'X-AN-BINH' }],
      groups: [{ code: 'G-NEW', name: 'Nhóm mới' }],
      procedures: [
        {
          code: 'P1',
          name: 'n',
          level: 'commune',
          deadlineWorkingDays: 2,
          groupCode: 'G-NEW',
          steps: [step('a', 4), step('b', 4, 'CA-X'), step('c', 4, 'T-MAU')],
        },
        {
          code: 'P2',
          name: 'n',
          level: 'commune',
          deadlineWorkingDays: 1,
          groupCode: 'G-DB',
          steps: [step('a', 1)],
        },
      ],
    });
    expect(r.issues).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('rejects unknown parents, groups and step agencies, naming each field', () => {
    const r = check({
      agencies: [{ code: 'X-NEW', name: 'Xã mới', level: 'commune', parentCode: 'T-KHAC' }],
      procedures: [
        {
          code: 'P',
          name: 'n',
          level: 'commune',
          deadlineWorkingDays: 1,
          groupCode: 'G-KHAC',
          steps: [step('a', 1), step('b', 1, 'CA-KHAC')],
        },
      ],
    });
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => [i.field, i.record, i.severity])).toEqual([
      ['agencies.0.parentCode', 'X-NEW', 'error'],
      ['procedures.0.groupCode', 'P', 'error'],
      ['procedures.0.steps.1.agencyCode', 'P', 'error'],
    ]);
    expect(r.issues[2]!.message).toContain('CA-KHAC');
  });

  it('without a database, reports outside references as unchecked warnings', () => {
    const input = {
      procedures: [
        { code: 'P', name: 'n', level: 'commune', deadlineWorkingDays: 1, steps: [step('a', 1, 'CA-X')] },
      ],
    };
    const r = checkCatalogue(JSON.stringify(input), 'json');
    expect(r.ok).toBe(true);
    expect(r.issues).toMatchObject([{ severity: 'warning', field: 'procedures.0.steps.0.agencyCode' }]);
  });

  it('rejects duplicate codes and cycles in the agency tree', () => {
    const r = check({
      agencies: [
        { code: 'A', name: 'A', level: 'province', parentCode: 'B' },
        { code: 'B', name: 'B', level: 'province', parentCode: 'A' },
        { code: 'C', name: 'C', level: 'commune', parentCode: 'C' },
      ],
      procedures: [
        { code: 'P', name: 'n', level: 'commune', deadlineWorkingDays: 1, steps: [step('a', 1)] },
        { code: 'P', name: 'n2', level: 'commune', deadlineWorkingDays: 1, steps: [step('a', 1)] },
      ],
    });
    expect(r.issues.map((i) => [i.field, i.record])).toEqual([
      ['procedures.1.code', 'P'],
      ['agencies.0.parentCode', 'A'],
      ['agencies.1.parentCode', 'B'],
      ['agencies.2.parentCode', 'C'],
    ]);
  });

  it('catches a cycle closed through an agency already in the database', () => {
    // T-MAU is stored as a root; moving it under X-AN-BINH (its own child) would loop.
    const r = check({
      agencies: [{ code: 'T-MAU', name: 'Tỉnh', level: 'province', parentCode: 'X-AN-BINH' }],
    });
    expect(r.ok).toBe(false);
    expect(r.issues[0]).toMatchObject({ field: 'agencies.0.parentCode', record: 'T-MAU' });
  });
});

describe('the sample catalogue (dữ liệu mẫu)', () => {
  const sample: CatalogueInput = {
    agencies: sampleAgencies.map((a) => ({ ...a, level: a.level as 'province' | 'commune' })),
    groups: sampleProcedureGroups,
    procedures: sampleProcedures.map((p) => ({ ...p, level: p.level as 'province' | 'commune' })),
  };

  it('is a valid catalogue on its own, every record marked as sample', () => {
    const parsed = parseCatalogue(JSON.stringify(sample), 'json');
    expect(parsed.issues).toEqual([]);
    if (!parsed.ok) return;
    expect(validateCatalogue(parsed.parsed, { agencies: new Map(), groups: new Set() })).toEqual([]);
    for (const a of sampleAgencies) {
      expect(a.isSample).toBe(true);
      expect(a.name).toMatch(/\(dữ liệu mẫu\)$/);
    }
    expect([...sampleProcedures, ...sampleProcedureGroups].every((r) => r.isSample)).toBe(true);
  });

  it('keeps the four original procedures with their deadlines and the 15:00 cut-off', () => {
    const byCode = new Map(sampleProcedures.map((p) => [p.code, p]));
    expect(byCode.get('MAU-CHUNG-THUC-BAN-SAO')).toMatchObject({
      deadlineWorkingHours: 4,
      sameDayCutoff: '15:00',
    });
    expect(byCode.get('MAU-DANG-KY-KHAI-SINH')).toMatchObject({ deadlineWorkingDays: 1 });
    expect(byCode.get('MAU-DANG-KY-KET-HON')).toMatchObject({ deadlineWorkingDays: 5 });
    expect(byCode.get('MAU-GIAY-PHEP-XAY-DUNG')).toMatchObject({ deadlineWorkingDays: 15 });
    for (const p of sampleProcedures) {
      expect(p.steps.length).toBeGreaterThanOrEqual(3);
      expect(p.steps.reduce((s, x) => s + x.budgetWorkingHours, 0)).toBeLessThanOrEqual(deadlineHours(p));
    }
  });

  it('models the death liên thông as one procedure through the commune, the police and social insurance', () => {
    const lt = sampleProcedures.find((p) => p.code === SAMPLE_DEATH_LIEN_THONG_CODE)!;
    expect(isInterAgency(lt)).toBe(true);
    expect(lt.groupCode).toBe(SAMPLE_DEATH_GROUP_CODE);
    const planned = planSteps(lt, 'X-AN-BINH');
    const hoursPerAgency = new Map<string, number>();
    for (const s of planned)
      hoursPerAgency.set(s.agencyCode, (hoursPerAgency.get(s.agencyCode) ?? 0) + s.budgetWorkingHours);
    expect(Object.fromEntries(hoursPerAgency)).toEqual({
      'X-AN-BINH': 12,
      'CA-X-AN-BINH': 8,
      'BHXH-T-MAU': 40,
    });
    const members = sampleProcedures
      .filter((p) => p.groupCode === SAMPLE_DEATH_GROUP_CODE)
      .map((p) => p.code);
    expect(members).toEqual([
      'MAU-DANG-KY-KHAI-TU',
      'MAU-XOA-DANG-KY-THUONG-TRU',
      'MAU-TRO-CAP-MAI-TANG',
      SAMPLE_DEATH_LIEN_THONG_CODE,
    ]);
  });

  it('has no district level: communes sit directly under the province', () => {
    expect(sampleAgencies.some((a) => a.level === 'district')).toBe(false);
    expect(sampleAgencies.filter((a) => a.parentCode === 'T-MAU').map((a) => a.code)).toEqual([
      'X-AN-BINH',
      'X-BINH-MINH',
    ]);
  });
});

describe('planSteps', () => {
  it('resolves the receiving agency and gives a stepless procedure one step for the whole deadline', () => {
    expect(planSteps({ steps: [], deadlineWorkingDays: 2, deadlineWorkingHours: null }, 'X-A')).toEqual([
      { key: 'xu-ly', name: 'Giải quyết hồ sơ', role: 'officer', agencyCode: 'X-A', budgetWorkingHours: 16 },
    ]);
  });
});
