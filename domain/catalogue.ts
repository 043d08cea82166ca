/**
 * Procedure catalogue files (danh mục thủ tục hành chính): what a province imports with
 * `motcua catalogue import` or `POST /v1/admin/catalogue`. Pure: parsing and validation only.
 *
 * JSON: `{ "source"?, "agencies": [...], "groups": [...], "procedures": [...] }` (each list optional).
 *
 * CSV: one row per procedure, header row first, comma-separated, UTF-8 (a BOM is accepted), quoted
 * cells as in RFC 4180. Columns (any order; unknown columns are errors):
 *   code, name, level                         required
 *   deadlineWorkingDays | deadlineWorkingHours | deadlineCalendarDays  exactly one per row
 *                                             (calendar days: "ngày" where the law does not say
 *                                             working days; due on a day off → next working day)
 *   sameDayCutoff (HH:mm), feeVnd (integer VND, "75.000" accepted), onlinePayment, fullyOnline
 *   (true/false, 1/0, có/không, x/empty), groupCode, groupName (defines the group), isSample,
 *   steps: `key:name:role:agency|-:hours;...` — `-` (or empty) agency = the receiving agency,
 *          role intake|officer|supervisor, hours in working hours (0.5 or 0,5). Names must not
 *          contain ':' or ';'.
 * Agencies are not imported from CSV: step agencies must already exist (or come from a JSON file).
 *
 * Rules (errors reject the whole file; warnings are reported and the import goes on):
 *   - codes unique per kind; agency parents, group codes and step agencies exist in the file or the
 *     database; the agency hierarchy has no cycle;
 *   - the step budgets of a procedure add up to at most its legal deadline (working days × the
 *     working hours of a day of the default office hours, `workingMinutesPerDay`; calendar days
 *     count as that many working days):
 *     a plan that cannot meet the law is rejected, not warned about, because every step-overrun
 *     alert would then be noise; a smaller sum is fine (slack for handoffs);
 *   - a procedure without steps is a warning: dossiers get one step for the whole deadline.
 */
import { z } from 'zod';
import {
  administrativeLevels,
  checkProcedure,
  deadlineHours,
  procedureShape,
  procedureStepSchema,
} from './reference';
import { safeString, safeText } from './text';

export const catalogueFormats = ['json', 'csv'] as const;
export type CatalogueFormat = (typeof catalogueFormats)[number];

// Same pattern as the codes the intake API accepts (domain/dossier.ts), with a Vietnamese message.
const codeSchema = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'mã: chữ cái không dấu, số, ".", "_" hoặc "-" (tối đa 64 ký tự)',
  );
const nameSchema = safeText(500, { minMessage: 'không được để trống' });
const levelSchema = z.enum(administrativeLevels);

export const catalogueAgencySchema = z
  .object({
    code: codeSchema,
    name: nameSchema,
    level: levelSchema,
    parentCode: codeSchema.nullable().default(null),
    isSample: z.boolean().default(false),
  })
  .strict();

export const catalogueGroupSchema = z
  .object({ code: codeSchema, name: nameSchema, isSample: z.boolean().default(false) })
  .strict();

export const catalogueStepSchema = procedureStepSchema
  .extend({ name: nameSchema, agencyCode: codeSchema.nullable().default(null) })
  .strict();

export const catalogueProcedureSchema = z
  .object({
    ...procedureShape,
    code: codeSchema,
    name: nameSchema,
    level: levelSchema,
    deadlineWorkingDays: procedureShape.deadlineWorkingDays.default(null),
    deadlineWorkingHours: procedureShape.deadlineWorkingHours.default(null),
    deadlineCalendarDays: procedureShape.deadlineCalendarDays,
    sameDayCutoff: procedureShape.sameDayCutoff.default(null),
    steps: z.array(catalogueStepSchema).max(50).default([]),
    groupCode: codeSchema.nullable().default(null),
    isSample: z.boolean().default(false),
  })
  .strict()
  .superRefine(checkProcedure);

export const MAX_CATALOGUE_RECORDS = 20_000;

export const catalogueFileSchema = z
  .object({
    /** Format version of the file; only 1 exists. */
    version: z.literal(1).optional(),
    /** Provenance, e.g. the decision that published the catalogue (Quyết định công bố danh mục TTHC). */
    source: safeString(500).optional(),
    /**
     * Ngày hiệu lực: from when the procedures' deadlines, cut-offs and steps apply to new receipts
     * (local date YYYY-MM-DD or an ISO instant; default and earliest: the moment of the import). Each import
     * adds a procedure version; dossiers already received keep the rules pinned at their receipt.
     */
    effectiveFrom: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
    agencies: z.array(catalogueAgencySchema).max(MAX_CATALOGUE_RECORDS).default([]),
    groups: z.array(catalogueGroupSchema).max(MAX_CATALOGUE_RECORDS).default([]),
    procedures: z.array(catalogueProcedureSchema).max(MAX_CATALOGUE_RECORDS).default([]),
  })
  .strict();

export type Catalogue = z.infer<typeof catalogueFileSchema>;
export type CatalogueAgency = Catalogue['agencies'][number];
export type CatalogueGroup = Catalogue['groups'][number];
export type CatalogueProcedure = Catalogue['procedures'][number];
export type CatalogueInput = z.input<typeof catalogueFileSchema>;

/** One problem found in a catalogue, located by CSV row and/or field path. */
export interface CatalogueIssue {
  severity: 'error' | 'warning';
  /** Dot path of the field: `procedures.2.steps.1.role` in JSON, `steps.1.role` in a CSV row. */
  field: string;
  /** CSV row as a spreadsheet numbers it (the header is row 1). */
  row?: number;
  /** Code of the record concerned, when it has one. */
  record?: string;
  message: string;
}

/** Where a record came from, to locate its issues. */
interface Origin {
  /** Path prefix (`procedures.2`) in JSON; empty for a CSV row. */
  path: string;
  row?: number;
}

type Kind = 'agencies' | 'groups' | 'procedures';

export interface ParsedCatalogue {
  format: CatalogueFormat;
  catalogue: Catalogue;
  origins: Record<Kind, Origin[]>;
}

export type ParseResult =
  | { ok: true; parsed: ParsedCatalogue; issues: CatalogueIssue[] }
  | { ok: false; issues: CatalogueIssue[] };

/** Codes already in the database, for reference checks. */
export interface KnownReferences {
  agencies: ReadonlyMap<string, string | null>; // code → parentCode
  groups: ReadonlySet<string>;
}

export function formatIssue(i: CatalogueIssue): string {
  const where = [i.row !== undefined ? `dòng ${i.row}` : undefined, i.record, i.field || undefined]
    .filter(Boolean)
    .join(', ');
  return `${i.severity === 'error' ? 'lỗi' : 'cảnh báo'}${where ? ` (${where})` : ''}: ${i.message}`;
}

export const hasErrors = (issues: readonly CatalogueIssue[]): boolean =>
  issues.some((i) => i.severity === 'error');

/** Guesses the format from a file name or content type; undefined when neither says. */
export function detectFormat(hint: string | undefined): CatalogueFormat | undefined {
  if (!hint) return undefined;
  const h = hint.toLowerCase();
  if (h.endsWith('.json') || h.includes('application/json')) return 'json';
  if (h.endsWith('.csv') || h.includes('text/csv')) return 'csv';
  return undefined;
}

const errorMap = z.locales.vi().localeError;

const joinPath = (...parts: (string | number)[]): string => parts.filter((p) => p !== '').join('.');

/** Parses and structurally validates a catalogue file (no reference checks). */
export function parseCatalogue(text: string, format: CatalogueFormat): ParseResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return format === 'json' ? parseJson(body) : parseCsvCatalogue(body);
}

/**
 * Parses, then checks references and budgets. `known` is what the database holds; without it
 * (an offline dry run) references outside the file are reported as unchecked warnings.
 */
export function checkCatalogue(text: string, format: CatalogueFormat, known?: KnownReferences): ParseResult {
  const parsed = parseCatalogue(text, format);
  if (!parsed.ok) return parsed;
  const issues = [...parsed.issues, ...validateCatalogue(parsed.parsed, known)];
  return hasErrors(issues) ? { ok: false, issues } : { ok: true, parsed: parsed.parsed, issues };
}

// ---------------------------------------------------------------------------------------------- JSON

function parseJson(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    let where = '';
    if (pos && !/line \d+/.test(message)) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      where = ` (dòng ${line}, cột ${before.length - before.lastIndexOf('\n')})`;
    }
    return {
      ok: false,
      issues: [{ severity: 'error', field: '', message: `JSON không hợp lệ: ${message}${where}` }],
    };
  }
  const result = catalogueFileSchema.safeParse(raw, { error: errorMap });
  if (!result.success) {
    return {
      ok: false,
      issues: result.error.issues.map((i) => ({
        severity: 'error' as const,
        field: joinPath(...(i.path as (string | number)[])),
        record: recordCodeAt(raw, i.path),
        message: issueMessage(i),
      })),
    };
  }
  const origins = (kind: Kind) => result.data[kind].map((_, idx) => ({ path: `${kind}.${idx}` }));
  return {
    ok: true,
    parsed: {
      format: 'json',
      catalogue: result.data,
      origins: {
        agencies: origins('agencies'),
        groups: origins('groups'),
        procedures: origins('procedures'),
      },
    },
    issues: [],
  };
}

function recordCodeAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path.length < 2 || typeof path[1] !== 'number') return undefined;
  const list = (raw as Record<string, unknown> | null)?.[path[0] as string];
  const rec = Array.isArray(list) ? list[path[1]] : undefined;
  const code = (rec as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function issueMessage(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') return `trường không được hỗ trợ: ${i.keys.join(', ')}`;
  return i.message;
}

// ----------------------------------------------------------------------------------------------- CSV

const CSV_COLUMNS = [
  'code',
  'name',
  'level',
  'deadlineWorkingDays',
  'deadlineWorkingHours',
  'deadlineCalendarDays',
  'sameDayCutoff',
  'feeVnd',
  'onlinePayment',
  'fullyOnline',
  'groupCode',
  'groupName',
  'steps',
  'isSample',
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
const REQUIRED_COLUMNS: CsvColumn[] = ['code', 'name', 'level'];

/** RFC 4180 records; each with the spreadsheet row it starts on. */
export function parseCsv(text: string): {
  records: { row: number; cells: string[] }[];
  error?: CatalogueIssue;
} {
  const records: { row: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let atCellStart = true;
  let row = 1;
  let recordRow = 1;
  let i = 0;
  const endRecord = () => {
    cells.push(cell);
    // Blank lines are skipped (spreadsheets leave them at the end).
    if (!(cells.length === 1 && cells[0]!.trim() === '')) records.push({ row: recordRow, cells });
    cells = [];
    cell = '';
    atCellStart = true;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      if (c === '\n') row += 1;
      cell += c;
      i += 1;
      continue;
    }
    if (c === '"' && atCellStart) {
      quoted = true;
      atCellStart = false;
      i += 1;
      continue;
    }
    if (c === ',') {
      cells.push(cell);
      cell = '';
      atCellStart = true;
      i += 1;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      row += 1;
      recordRow = row;
      continue;
    }
    cell += c;
    atCellStart = false;
    i += 1;
  }
  if (quoted) {
    return {
      records,
      error: { severity: 'error', row: recordRow, field: '', message: 'dấu ngoặc kép (") mở mà không đóng' },
    };
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return { records };
}

const TRUE = new Set(['true', '1', 'yes', 'có', 'co', 'x']);
const FALSE = new Set(['false', '0', 'no', 'không', 'khong', '']);

function parseCsvCatalogue(text: string): ParseResult {
  const { records, error } = parseCsv(text);
  if (error) return { ok: false, issues: [error] };
  const issues: CatalogueIssue[] = [];
  const err = (row: number, field: string, message: string, record?: string) =>
    issues.push({ severity: 'error', row, field, message, ...(record ? { record } : {}) });
  const header = records.shift();
  if (!header)
    return { ok: false, issues: [{ severity: 'error', row: 1, field: '', message: 'tệp CSV trống' }] };

  const columns = header.cells.map((h) => h.trim());
  if (columns.length === 1 && columns[0]!.includes(';')) {
    err(1, '', 'các cột phải phân cách bằng dấu phẩy (,), không phải dấu chấm phẩy (;)');
    return { ok: false, issues };
  }
  const index = new Map<CsvColumn, number>();
  columns.forEach((name, idx) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      err(1, name, `cột không được hỗ trợ '${name}'; các cột: ${CSV_COLUMNS.join(', ')}`);
    } else if (index.has(name as CsvColumn)) {
      err(1, name, `cột '${name}' xuất hiện hai lần`);
    } else {
      index.set(name as CsvColumn, idx);
    }
  });
  for (const c of REQUIRED_COLUMNS) if (!index.has(c)) err(1, c, `thiếu cột bắt buộc '${c}'`);
  if (
    !index.has('deadlineWorkingDays') &&
    !index.has('deadlineWorkingHours') &&
    !index.has('deadlineCalendarDays')
  ) {
    err(
      1,
      'deadlineWorkingDays',
      'thiếu cột thời hạn: deadlineWorkingDays, deadlineWorkingHours hoặc deadlineCalendarDays',
    );
  }
  if (issues.length > 0) return { ok: false, issues };

  const procedures: Record<string, unknown>[] = [];
  const procedureRows: number[] = [];
  const groups = new Map<string, { name: string; isSample: boolean; row: number }>();

  for (const { row, cells } of records) {
    if (cells.length > columns.length) {
      err(row, '', `dòng có ${cells.length} ô, nhiều hơn ${columns.length} cột của dòng tiêu đề`);
      continue;
    }
    const get = (c: CsvColumn): string | undefined => {
      const idx = index.get(c);
      return idx === undefined ? undefined : (cells[idx] ?? '').trim();
    };
    const code = get('code') ?? '';
    const record = code || undefined;
    const rec: Record<string, unknown> = { code, name: get('name'), level: get('level') };
    const integer = (c: CsvColumn, thousands = false): number | null | undefined => {
      const v = get(c);
      if (v === undefined || v === '') return v === undefined ? undefined : null;
      const digits = thousands && /^\d{1,3}([.\s]\d{3})+$/.test(v) ? v.replace(/[.\s]/g, '') : v;
      if (!/^\d+$/.test(digits)) {
        err(row, c, `'${v}' không phải số nguyên không âm`, record);
        return undefined;
      }
      return Number(digits);
    };
    const bool = (c: CsvColumn): boolean | undefined => {
      const v = get(c);
      if (v === undefined) return undefined;
      const l = v.toLowerCase();
      if (TRUE.has(l)) return true;
      if (FALSE.has(l)) return false;
      err(row, c, `'${v}' không phải giá trị đúng/sai (true/false, 1/0, có/không)`, record);
      return undefined;
    };
    const nullable = (c: CsvColumn): string | null | undefined => {
      const v = get(c);
      return v === undefined ? undefined : v === '' ? null : v;
    };
    const optional: Record<string, unknown> = {
      deadlineWorkingDays: integer('deadlineWorkingDays'),
      deadlineWorkingHours: integer('deadlineWorkingHours'),
      deadlineCalendarDays: integer('deadlineCalendarDays'),
      sameDayCutoff: nullable('sameDayCutoff'),
      feeVnd: integer('feeVnd', true),
      onlinePayment: bool('onlinePayment'),
      fullyOnline: bool('fullyOnline'),
      groupCode: nullable('groupCode'),
      isSample: bool('isSample'),
    };
    for (const [k, v] of Object.entries(optional)) if (v !== undefined) rec[k] = v;

    const steps = get('steps');
    if (steps) {
      const parsedSteps = parseStepsCell(steps);
      if (typeof parsedSteps === 'string') err(row, 'steps', parsedSteps, record);
      else rec.steps = parsedSteps;
    }

    const groupName = get('groupName');
    if (groupName) {
      const groupCode = rec.groupCode as string | null | undefined;
      if (!groupCode) {
        err(row, 'groupName', 'có groupName thì phải có groupCode', record);
      } else {
        const seen = groups.get(groupCode);
        if (seen && seen.name !== groupName) {
          err(row, 'groupName', `nhóm ${groupCode} đã có tên khác ở dòng ${seen.row}`, record);
        } else if (!seen) {
          groups.set(groupCode, { name: groupName, isSample: rec.isSample === true, row });
        }
      }
    }
    procedures.push(rec);
    procedureRows.push(row);
  }
  // Cells that did not convert were left out; the schema still checks the rest of each row.

  const groupList = [...groups.entries()].map(([code, g]) => ({ code, name: g.name, isSample: g.isSample }));
  const groupRows = [...groups.values()].map((g) => g.row);
  const result = catalogueFileSchema.safeParse(
    { agencies: [], groups: groupList, procedures },
    { error: errorMap },
  );
  if (!result.success || issues.length > 0) {
    const schemaIssues = result.success ? [] : result.error.issues;
    return {
      ok: false,
      issues: [
        ...issues,
        ...schemaIssues.map((i) => {
          const [kind, idx, ...rest] = i.path as (string | number)[];
          const row =
            typeof idx === 'number' ? (kind === 'groups' ? groupRows : procedureRows)[idx] : undefined;
          const field = kind === 'groups' ? joinPath('groupName', ...rest) : joinPath(...rest);
          const record =
            typeof idx === 'number' ? recordCodeAt({ groups: groupList, procedures }, i.path) : undefined;
          return {
            severity: 'error' as const,
            field: kind === 'groups' && rest[0] === 'code' ? 'groupCode' : field,
            ...(row !== undefined ? { row } : {}),
            ...(record ? { record } : {}),
            message: issueMessage(i),
          };
        }),
      ].sort((a, b) => (a.row ?? 0) - (b.row ?? 0)),
    };
  }
  return {
    ok: true,
    parsed: {
      format: 'csv',
      catalogue: result.data,
      origins: {
        agencies: [],
        groups: groupRows.map((row) => ({ path: '', row })),
        procedures: procedureRows.map((row) => ({ path: '', row })),
      },
    },
    issues: [],
  };
}

/** `key:name:role:agency|-:hours;...` → step objects (validated by the schema afterwards). */
export function parseStepsCell(cell: string): Record<string, unknown>[] | string {
  const parts = cell
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const steps: Record<string, unknown>[] = [];
  for (const [n, part] of parts.entries()) {
    const f = part.split(':').map((s) => s.trim());
    if (f.length !== 5) {
      return `bước ${n + 1} ('${part}'): cần 5 phần key:tên:vai trò:cơ quan|-:giờ, có ${f.length}`;
    }
    const [key, name, role, agency, hours] = f as [string, string, string, string, string];
    const h = hours.replace(',', '.');
    if (!/^\d+(\.\d+)?$/.test(h)) return `bước ${n + 1} (${key}): số giờ '${hours}' không hợp lệ`;
    steps.push({
      key,
      name,
      role,
      agencyCode: agency === '-' || agency === '' ? null : agency,
      budgetWorkingHours: Number(h),
    });
  }
  return steps;
}

/** The inverse of `parseStepsCell`, for exports and examples. */
export function formatStepsCell(
  steps: readonly {
    key: string;
    name: string;
    role: string;
    agencyCode: string | null;
    budgetWorkingHours: number;
  }[],
): string {
  return steps
    .map((s) => `${s.key}:${s.name}:${s.role}:${s.agencyCode ?? '-'}:${s.budgetWorkingHours}`)
    .join(';');
}

// ---------------------------------------------------------------------------------------- validation

/** Reference, hierarchy and budget checks over a structurally valid catalogue. */
export function validateCatalogue(parsed: ParsedCatalogue, known?: KnownReferences): CatalogueIssue[] {
  const { catalogue, origins } = parsed;
  const issues: CatalogueIssue[] = [];
  const at = (
    kind: Kind,
    idx: number,
    field: string,
    message: string,
    record: string,
    severity: CatalogueIssue['severity'] = 'error',
  ) => {
    const o = origins[kind][idx] ?? { path: `${kind}.${idx}` };
    issues.push({
      severity,
      field: joinPath(o.path, field),
      ...(o.row !== undefined ? { row: o.row } : {}),
      record,
      message,
    });
  };

  // Codes are unique per kind within one file.
  for (const kind of ['agencies', 'groups', 'procedures'] as const) {
    const first = new Map<string, number>();
    catalogue[kind].forEach((r, idx) => {
      const prev = first.get(r.code);
      if (prev === undefined) first.set(r.code, idx);
      else {
        const prevOrigin = origins[kind][prev];
        const where = prevOrigin?.row !== undefined ? `dòng ${prevOrigin.row}` : `${kind}.${prev}`;
        at(kind, idx, 'code', `mã ${r.code} trùng với ${where}`, r.code);
      }
    });
  }

  const fileAgencies = new Map(catalogue.agencies.map((a) => [a.code, a.parentCode]));
  const fileGroups = new Set(catalogue.groups.map((g) => g.code));
  const agencyExists = (code: string): boolean | 'unchecked' =>
    fileAgencies.has(code) || known?.agencies.has(code) === true ? true : known ? false : 'unchecked';
  const groupExists = (code: string): boolean | 'unchecked' =>
    fileGroups.has(code) || known?.groups.has(code) === true ? true : known ? false : 'unchecked';
  const reference = (
    exists: boolean | 'unchecked',
    kind: Kind,
    idx: number,
    field: string,
    record: string,
    what: string,
  ) => {
    if (exists === false) at(kind, idx, field, `${what} không có trong tệp hay trong cơ sở dữ liệu`, record);
    else if (exists === 'unchecked')
      at(kind, idx, field, `${what} không có trong tệp; chưa kiểm tra cơ sở dữ liệu`, record, 'warning');
  };

  // Agency hierarchy: parents exist, no cycles (the file's parents override the database's).
  const parentOf = (code: string): string | null | undefined =>
    fileAgencies.has(code) ? fileAgencies.get(code) : known?.agencies.get(code);
  catalogue.agencies.forEach((a, idx) => {
    if (a.parentCode === null) return;
    if (a.parentCode === a.code) {
      at('agencies', idx, 'parentCode', 'cơ quan không thể là cơ quan cấp trên của chính nó', a.code);
      return;
    }
    reference(
      agencyExists(a.parentCode),
      'agencies',
      idx,
      'parentCode',
      a.code,
      `cơ quan cấp trên ${a.parentCode}`,
    );
    const seen = new Set([a.code]);
    for (let p = parentOf(a.parentCode); p; p = parentOf(p)) {
      if (seen.has(p)) {
        at('agencies', idx, 'parentCode', `vòng lặp trong cây cơ quan qua ${p}`, a.code);
        break;
      }
      seen.add(p);
    }
  });

  catalogue.procedures.forEach((p, idx) => {
    if (p.groupCode !== null) {
      reference(
        groupExists(p.groupCode),
        'procedures',
        idx,
        'groupCode',
        p.code,
        `nhóm liên thông ${p.groupCode}`,
      );
    }
    p.steps.forEach((s, n) => {
      if (s.agencyCode !== null) {
        reference(
          agencyExists(s.agencyCode),
          'procedures',
          idx,
          `steps.${n}.agencyCode`,
          p.code,
          `cơ quan ${s.agencyCode} của bước ${n + 1} (${s.key})`,
        );
      }
    });
    const limit = deadlineHours(p);
    const total = p.steps.reduce((sum, s) => sum + s.budgetWorkingHours, 0);
    if (total > limit + 1e-9) {
      const legal =
        p.deadlineWorkingDays !== null
          ? `${p.deadlineWorkingDays} ngày làm việc = ${limit} giờ`
          : p.deadlineCalendarDays !== null
            ? `${p.deadlineCalendarDays} ngày = tối đa ${limit} giờ làm việc`
            : `${limit} giờ làm việc`;
      at(
        'procedures',
        idx,
        'steps',
        `tổng thời gian các bước ${round(total)} giờ vượt thời hạn giải quyết (${legal})`,
        p.code,
      );
    }
    if (p.steps.length === 0) {
      at(
        'procedures',
        idx,
        'steps',
        'chưa có quy trình các bước: hồ sơ sẽ được xử lý như một bước tại cơ quan tiếp nhận',
        p.code,
        'warning',
      );
    }
  });
  return issues;
}

const round = (n: number) => Math.round(n * 100) / 100;
