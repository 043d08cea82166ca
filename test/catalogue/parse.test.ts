import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CatalogueIssue,
  detectFormat,
  formatStepsCell,
  parseCatalogue,
  parseCsv,
  parseStepsCell,
} from '../../domain/catalogue';
import { projectRoot } from '../../services/config';

const HEADER =
  'code,name,level,deadlineWorkingDays,deadlineWorkingHours,feeVnd,onlinePayment,fullyOnline,steps';
const STEPS =
  'tiep-nhan:Tiếp nhận hồ sơ:intake:-:1;tham-dinh:Thẩm định:officer:-:4;phe-duyet:Lãnh đạo ký:supervisor:-:3';

function csv(...rows: string[]): string {
  return [HEADER, ...rows].join('\n');
}

function errorsOf(text: string, format: 'json' | 'csv'): CatalogueIssue[] {
  const r = parseCatalogue(text, format);
  expect(r.ok).toBe(false);
  return r.issues;
}

describe('CSV catalogue', () => {
  it('reads one procedure per row with its steps in the compact column format', () => {
    const r = parseCatalogue(csv(`MAU-A,Đăng ký khai sinh,commune,1,,0,không,có,"${STEPS}"`), 'csv');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.parsed.catalogue.procedures).toEqual([
      {
        code: 'MAU-A',
        name: 'Đăng ký khai sinh',
        level: 'commune',
        deadlineWorkingDays: 1,
        deadlineWorkingHours: null,
        deadlineCalendarDays: null,
        sameDayCutoff: null,
        steps: [
          {
            key: 'tiep-nhan',
            name: 'Tiếp nhận hồ sơ',
            role: 'intake',
            agencyCode: null,
            budgetWorkingHours: 1,
          },
          { key: 'tham-dinh', name: 'Thẩm định', role: 'officer', agencyCode: null, budgetWorkingHours: 4 },
          {
            key: 'phe-duyet',
            name: 'Lãnh đạo ký',
            role: 'supervisor',
            agencyCode: null,
            budgetWorkingHours: 3,
          },
        ],
        feeVnd: 0,
        onlinePayment: false,
        fullyOnline: true,
        groupCode: null,
        isSample: false,
      },
    ]);
  });

  it('accepts a spreadsheet export: BOM, CRLF, quoted commas and quotes, blank trailing lines', () => {
    const text = `\ufeff${HEADER}\r\nMAU-B,"Chứng thực ""bản sao"", chữ ký",commune,,4,2.000,x,,\r\n\r\n`;
    const r = parseCatalogue(text, 'csv');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [p] = r.parsed.catalogue.procedures;
    expect(p).toMatchObject({
      name: 'Chứng thực "bản sao", chữ ký',
      deadlineWorkingHours: 4,
      feeVnd: 2000,
      onlinePayment: true,
      fullyOnline: false,
      steps: [],
    });
  });

  it('keeps line breaks inside quoted cells and numbers rows as a spreadsheet does', () => {
    const { records } = parseCsv('a,b\n"x\ny",z\nlast,row\n');
    expect(records).toEqual([
      { row: 1, cells: ['a', 'b'] },
      { row: 2, cells: ['x\ny', 'z'] },
      { row: 4, cells: ['last', 'row'] },
    ]);
  });

  it('defines a liên thông group from the groupName column', () => {
    const text = [
      'code,name,level,deadlineWorkingDays,groupCode,groupName',
      'P-1,Đăng ký khai tử,commune,1,G-LT,Nhóm liên thông khai tử',
      'P-2,Xóa đăng ký thường trú,commune,1,G-LT,',
    ].join('\n');
    const r = parseCatalogue(text, 'csv');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.parsed.catalogue.groups).toEqual([
      { code: 'G-LT', name: 'Nhóm liên thông khai tử', isSample: false },
    ]);
    expect(r.parsed.catalogue.procedures.map((p) => p.groupCode)).toEqual(['G-LT', 'G-LT']);
  });

  it('names the row, the record and the field of every bad cell, all rows at once', () => {
    const issues = errorsOf(
      csv(
        `MAU-A,Khai sinh,commune,1,,abc,,,"${STEPS}"`,
        'MAU-B,Kết hôn,commune,5,,,maybe,,tiep-nhan:Tiếp nhận:boss:-:1',
        'MAU-C,Giám hộ,village,3,,,,,x:y',
      ),
      'csv',
    );
    expect(issues.map((i) => [i.row, i.record, i.field])).toEqual([
      [2, 'MAU-A', 'feeVnd'],
      [3, 'MAU-B', 'onlinePayment'],
      [3, 'MAU-B', 'steps.0.role'],
      [4, 'MAU-C', 'steps'],
      [4, 'MAU-C', 'level'],
    ]);
    expect(issues.every((i) => i.severity === 'error')).toBe(true);
    expect(issues.find((i) => i.field === 'steps.0.role')?.message).toContain('intake, officer, supervisor');
    expect(issues.find((i) => i.field === 'steps')?.message).toContain('cần 5 phần');
  });

  it('rejects a row with both or neither deadline', () => {
    const issues = errorsOf(csv('MAU-A,Khai sinh,commune,1,8,,,,', 'MAU-B,Kết hôn,commune,,,,,,'), 'csv');
    expect(issues.map((i) => [i.row, i.field])).toEqual([
      [2, 'deadlineWorkingDays'],
      [3, 'deadlineWorkingDays'],
    ]);
  });

  it('rejects unknown, duplicate and missing columns in the header row', () => {
    const issues = errorsOf('code,name,name,deadline\nA,B,C,1', 'csv');
    expect(issues.map((i) => [i.row, i.field])).toEqual([
      [1, 'name'],
      [1, 'deadline'],
      [1, 'level'],
      [1, 'deadlineWorkingDays'],
    ]);
  });

  it('explains a semicolon-separated export instead of reporting one odd column', () => {
    const [issue] = errorsOf('code;name;level;deadlineWorkingDays\nA;B;commune;1', 'csv');
    expect(issue).toMatchObject({ row: 1, message: expect.stringContaining('dấu phẩy') });
  });

  it('reports an unterminated quote at the row where it opens', () => {
    const [issue] = errorsOf(`${HEADER}\nMAU-A,"Khai sinh,commune,1,,,,,\n`, 'csv');
    expect(issue).toMatchObject({ row: 2, message: expect.stringContaining('ngoặc kép') });
  });

  it('rejects rows with more cells than the header', () => {
    const [issue] = errorsOf(csv('MAU-A,Khai sinh,commune,1,,,,,,extra'), 'csv');
    expect(issue).toMatchObject({ row: 2, field: '' });
  });

  it('round-trips the steps column', () => {
    const steps = parseStepsCell('a:Bước A:intake:-:0,5; b:Bước B:officer:CA-X:2;');
    expect(steps).toEqual([
      { key: 'a', name: 'Bước A', role: 'intake', agencyCode: null, budgetWorkingHours: 0.5 },
      { key: 'b', name: 'Bước B', role: 'officer', agencyCode: 'CA-X', budgetWorkingHours: 2 },
    ]);
    expect(formatStepsCell(steps as never)).toBe('a:Bước A:intake:-:0.5;b:Bước B:officer:CA-X:2');
    expect(parseStepsCell('a:Bước A:intake:-:hai')).toMatch(/số giờ 'hai'/);
  });
});

describe('JSON catalogue', () => {
  it('fills defaults so a minimal procedure is complete', () => {
    const r = parseCatalogue(
      JSON.stringify({
        procedures: [{ code: 'P', name: 'Thủ tục', level: 'commune', deadlineWorkingDays: 2 }],
      }),
      'json',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.parsed.catalogue).toEqual({
      agencies: [],
      groups: [],
      procedures: [
        {
          code: 'P',
          name: 'Thủ tục',
          level: 'commune',
          deadlineWorkingDays: 2,
          deadlineWorkingHours: null,
          deadlineCalendarDays: null,
          sameDayCutoff: null,
          steps: [],
          feeVnd: null,
          onlinePayment: false,
          fullyOnline: false,
          groupCode: null,
          isSample: false,
        },
      ],
    });
  });

  it('names the path and the record of every invalid field', () => {
    const issues = errorsOf(
      JSON.stringify({
        agencies: [{ code: 'X A', name: '', level: 'commune' }],
        procedures: [
          {
            code: 'P-1',
            name: 'Thủ tục',
            level: 'commune',
            deadlineWorkingDays: 1,
            sameDayCutoff: '3pm',
            steps: [{ key: 'Tiep Nhan', name: 'x', role: 'officer', budgetWorkingHours: -1 }],
            deadline: 5,
          },
        ],
      }),
      'json',
    );
    expect(issues.map((i) => [i.field, i.record])).toEqual([
      ['agencies.0.code', 'X A'],
      ['agencies.0.name', 'X A'],
      ['procedures.0.sameDayCutoff', 'P-1'],
      ['procedures.0.steps.0.key', 'P-1'],
      ['procedures.0.steps.0.budgetWorkingHours', 'P-1'],
      ['procedures.0', 'P-1'],
    ]);
    expect(issues.at(-1)?.message).toBe('trường không được hỗ trợ: deadline');
  });

  it('reports a JSON syntax error as one error', () => {
    const issues = errorsOf('{"procedures": [}', 'json');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/^JSON không hợp lệ/);
  });

  it('rejects duplicate step keys within a procedure', () => {
    const step = { key: 'a', name: 'x', role: 'officer', budgetWorkingHours: 1 };
    const issues = errorsOf(
      JSON.stringify({
        procedures: [{ code: 'P', name: 'n', level: 'commune', deadlineWorkingDays: 1, steps: [step, step] }],
      }),
      'json',
    );
    expect(issues.map((i) => i.field)).toEqual(['procedures.0.steps.1.key']);
  });
});

describe('formats', () => {
  it('is told by the file extension or the content type', () => {
    expect(detectFormat('danh-muc.CSV')).toBe('csv');
    expect(detectFormat('application/json; charset=utf-8')).toBe('json');
    expect(detectFormat('text/csv')).toBe('csv');
    expect(detectFormat('catalogue.xlsx')).toBeUndefined();
  });

  it.each(['example.json', 'example.csv'])('parses the example file prisma/catalogue/%s', (name) => {
    const text = readFileSync(path.join(projectRoot, 'prisma', 'catalogue', name), 'utf8');
    const r = parseCatalogue(text, detectFormat(name)!);
    expect(r.issues).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
