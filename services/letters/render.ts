/**
 * The letter renderer: one A4 PDF per letter content (Mẫu 01 receipt, Mẫu 04 apology under
 * Circular 01/2018 or 03/2025, Mẫu 05 control slip), laid out like the official forms:
 * two-column letterhead (agency left, national motto right), number and place-date line,
 * centred title, justified body, signature block on the right.
 *
 * Font: Noto Serif (TrueType, full Vietnamese coverage) from the npm package
 * `@expo-google-fonts/noto-serif`, embedded as a subset with a ToUnicode map, so copying or
 * extracting text returns the same Unicode that went in.
 *
 * Deterministic: no clock, no randomness; the PDF creation date and file id come from the
 * content's `issuedAt`, so the same content always gives the same bytes and SHA-256.
 * Every field is drawn as plain text (never interpreted), wrapped within its box, and flows
 * onto further pages when long.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import {
  type ApologyContent,
  apologyParagraphs,
  type ControlSlipContent,
  controlSlipSummary,
  eventLabel,
  FORMS,
  type FormId,
  formatLetterNumber,
  type LetterContent,
  type LetterContentInput,
  letterContentSchema,
  NATIONAL_MOTTO,
  NATIONAL_NAME,
  type Paragraph,
  placeAndDate,
  plainText,
  type ReceiptContent,
  ROLE_LABELS,
  receiptParagraphs,
  salutation,
  vnShortDateTime,
} from '../../domain/letters';

type Doc = PDFKit.PDFDocument;

const FONT_FILES = {
  regular: '400Regular/NotoSerif_400Regular.ttf',
  bold: '700Bold/NotoSerif_700Bold.ttf',
  italic: '400Regular_Italic/NotoSerif_400Regular_Italic.ttf',
  boldItalic: '700Bold_Italic/NotoSerif_700Bold_Italic.ttf',
} as const;
type FontName = keyof typeof FONT_FILES;

/**
 * The font files are read once; each document parses its own fontkit fonts from the bytes.
 * Do not share parsed fontkit fonts between documents: pdfkit then writes wrong Unicode maps
 * (text extraction returns control characters), which the determinism test catches.
 */
let fontCache: Record<FontName, Buffer> | undefined;
function fonts(): Record<FontName, Buffer> {
  if (!fontCache) {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@expo-google-fonts/noto-serif/package.json'));
    fontCache = Object.fromEntries(
      Object.entries(FONT_FILES).map(([name, file]) => [name, readFileSync(path.join(dir, file))]),
    ) as Record<FontName, Buffer>;
  }
  return fontCache;
}

// A4 with the margins of Decree 30/2020 (top/bottom 20 mm, left 30 mm, right 20 mm).
const MM = 72 / 25.4;
const MARGINS = { top: 20 * MM, bottom: 20 * MM, left: 30 * MM, right: 20 * MM };
const BODY_SIZE = 13;
const LINE_GAP = 2.5;
const INDENT = 1 * 72 * 0.5;

/** Longest text put in one table cell: a cell must fit on a page. */
const MAX_CELL_CHARS = 400;

export interface RenderedLetter {
  bytes: Buffer;
  sha256: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Renders a letter's content (validated first) to PDF bytes and their SHA-256. */
export async function renderLetter(input: LetterContentInput): Promise<RenderedLetter> {
  const content = letterContentSchema.parse(input);
  const bytes = await renderPdf(content);
  return { bytes, sha256: sha256Hex(bytes) };
}

function renderPdf(c: LetterContent): Promise<Buffer> {
  const form = FORMS[c.formId as FormId];
  const date = new Date(c.issuedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGINS,
    lang: 'vi-VN',
    displayTitle: true,
    info: {
      Title: `${form.title} - ${plainText(c.dossierCode)}`,
      Author: plainText(c.issuingAgency.name),
      Subject: form.label,
      Creator: 'motcua',
      Producer: 'motcua',
      CreationDate: date,
      ModDate: date,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const f = fonts();
  for (const name of Object.keys(f) as FontName[]) doc.registerFont(name, f[name]);
  const layout = new Layout(doc);
  layout.letterhead(c, form.numberSymbol, form.label);
  layout.title(form.title);
  switch (c.kind) {
    case 'apology':
      apologyBody(layout, c);
      break;
    case 'receipt':
      receiptBody(layout, c);
      break;
    case 'control_slip':
      controlSlipBody(layout, c);
      break;
  }
  doc.end();
  return done;
}

function apologyBody(l: Layout, c: ApologyContent) {
  l.centred(salutation(c.applicant.name));
  l.gap(6);
  for (const p of apologyParagraphs(c)) l.paragraph(p);
  l.gap(10);
  l.signature(c.signer, c.draft, [`Ông/Bà ${plainText(c.applicant.name)};`, 'Lưu: VT.']);
}

function receiptBody(l: Layout, c: ReceiptContent) {
  l.centred([{ text: 'Mã hồ sơ: ' }, { text: plainText(c.dossierCode), strong: true }]);
  l.gap(6);
  for (const p of receiptParagraphs(c)) l.paragraph(p, { indent: false });
  l.gap(10);
  l.twoSignatures(
    { title: 'NGƯỜI NỘP HỒ SƠ', name: c.applicant.name },
    { title: 'NGƯỜI TIẾP NHẬN HỒ SƠ', name: c.signer.name },
  );
}

function controlSlipBody(l: Layout, c: ControlSlipContent) {
  l.centred([{ text: 'Mã hồ sơ: ' }, { text: plainText(c.dossierCode), strong: true }]);
  l.gap(6);
  for (const p of controlSlipSummary(c)) l.paragraph(p, { indent: false });
  l.gap(6);
  l.table(
    [
      { header: 'STT', width: 26, align: 'center' },
      { header: 'Thời gian', width: 66 },
      { header: 'Nội dung', width: 96 },
      { header: 'Người thực hiện', width: 88 },
      { header: 'Cơ quan', width: 92 },
      { header: 'Ghi chú', width: 0 },
    ],
    c.entries.map((e, i) => [
      String(i + 1),
      vnShortDateTime(e.at),
      eventLabel(e.type),
      e.actor
        ? `${plainText(e.actor.name ?? e.actor.id)} (${ROLE_LABELS[e.actor.role] ?? e.actor.role})`
        : ROLE_LABELS.system!,
      plainText(e.agencyName ?? e.agencyCode),
      plainText(e.note ?? ''),
    ]),
  );
  l.gap(10);
  l.signature(c.signer, c.draft, []);
}

interface Column {
  header: string;
  /** 0: the rest of the width. */
  width: number;
  align?: 'left' | 'center';
}

/** Cursor-based layout on top of pdfkit, in the conventions of administrative documents. */
class Layout {
  private readonly left: number;
  private readonly width: number;
  private readonly bottom: number;
  private readonly hasGlyph: (cp: number) => boolean;

  constructor(private readonly doc: Doc) {
    this.left = MARGINS.left;
    this.width = doc.page.width - MARGINS.left - MARGINS.right;
    this.bottom = doc.page.height - MARGINS.bottom;
    doc.font('regular');
    // pdfkit exposes the fontkit face of the current font; all four styles share coverage.
    const face = (doc as unknown as { _font?: { font?: { hasGlyphForCodePoint?: (cp: number) => boolean } } })
      ._font?.font;
    this.hasGlyph = (cp) => face?.hasGlyphForCodePoint?.(cp) ?? true;
  }

  /** Characters the font cannot draw become '?', so nothing silently vanishes. */
  private safe(text: string): string {
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      out += cp === 10 || this.hasGlyph(cp) ? ch : '?';
    }
    return out;
  }

  private set(font: FontName, size: number) {
    this.doc.font(font).fontSize(size);
  }

  gap(points: number) {
    this.doc.y += points;
  }

  private ensureSpace(points: number) {
    if (this.doc.y + points > this.bottom) {
      this.doc.addPage();
      this.doc.y = MARGINS.top;
    }
  }

  /** Centred text in a column; returns the y below it. */
  private column(text: string, x: number, y: number, width: number, font: FontName, size: number) {
    this.set(font, size);
    this.doc.text(this.safe(text), x, y, { width, align: 'center', lineGap: 1 });
    return this.doc.y;
  }

  private rule(xCentre: number, y: number, length: number) {
    this.doc
      .moveTo(xCentre - length / 2, y)
      .lineTo(xCentre + length / 2, y)
      .lineWidth(0.6)
      .stroke();
  }

  letterhead(c: LetterContent, numberSymbol: string | undefined, formLabel: string) {
    const doc = this.doc;
    const top = MARGINS.top;
    this.set('italic', 9);
    doc.text(formLabel, this.left, top - 16, { width: this.width, align: 'right', lineBreak: false });
    if (c.draft) {
      this.set('bold', 10);
      doc.fillColor('#b00000');
      doc.text('DỰ THẢO', this.left, top - 16, { width: this.width, align: 'left', lineBreak: false });
      doc.fillColor('black');
    }
    const leftW = this.width * 0.42;
    const gutter = 8;
    const rightX = this.left + leftW + gutter;
    const rightW = this.width - leftW - gutter;

    // Left: governing body, agency (bold), short rule.
    let ly = top;
    if (c.issuingAgency.parentName) {
      ly = this.column(upper(c.issuingAgency.parentName), this.left, ly, leftW, 'regular', 12);
    }
    ly = this.column(upper(c.issuingAgency.name), this.left, ly, leftW, 'bold', 12);
    this.rule(this.left + leftW / 2, ly + 2, Math.min(leftW * 0.4, 70));

    // Right: national name, motto (bold), rule as wide as the motto.
    let ry = this.column(NATIONAL_NAME, rightX, top, rightW, 'bold', 11.5);
    ry = this.column(NATIONAL_MOTTO, rightX, ry, rightW, 'bold', 12.5);
    this.set('bold', 12.5);
    this.rule(rightX + rightW / 2, ry + 2, doc.widthOfString(NATIONAL_MOTTO));

    // Number (left) and place-date (right) on one row.
    const rowY = Math.max(ly, ry) + 10;
    let ny = rowY;
    if (numberSymbol) {
      const number = c.draft ? null : c.number;
      ny = this.column(
        `Số: ${formatLetterNumber(number, numberSymbol, plainText(c.issuingAgency.code))}`,
        this.left,
        rowY,
        leftW,
        'regular',
        12,
      );
    }
    const dy = this.column(
      placeAndDate(plainText(c.place), c.issuedAt),
      rightX,
      rowY,
      rightW,
      'italic',
      12.5,
    );
    doc.x = this.left;
    doc.y = Math.max(ny, dy) + 22;
  }

  title(text: string) {
    this.set('bold', 14);
    this.doc.text(text, this.left, this.doc.y, { width: this.width, align: 'center', lineGap: 2 });
    this.gap(10);
  }

  /**
   * Lays out a paragraph of mixed regular/bold runs ourselves (pdfkit's `continued` text
   * misplaces mixed fonts when centred or justified): greedy line breaking on spaces, words
   * longer than a line are cut, lines are justified or centred, pages added as needed.
   */
  private flow(p: Paragraph, opts: { align: 'justify' | 'center' | 'left'; indent: number; after: number }) {
    const doc = this.doc;
    const measure = (text: string, font: FontName) => {
      this.set(font, BODY_SIZE);
      return doc.widthOfString(text);
    };
    // Words separated by spaces; a word may span runs ("nhân" bold + "," regular): fragments.
    type Fragment = { text: string; font: FontName; width: number };
    type Word = { fragments: Fragment[]; width: number };
    const words: Word[] = [];
    let open: Word | undefined;
    for (const run of p) {
      const font: FontName = run.strong ? 'bold' : 'regular';
      this.safe(run.text)
        .split(' ')
        .forEach((part, i) => {
          if (i > 0) open = undefined;
          if (part === '') return;
          const fragment = { text: part, font, width: measure(part, font) };
          if (open) {
            open.fragments.push(fragment);
            open.width += fragment.width;
          } else {
            open = { fragments: [fragment], width: fragment.width };
            words.push(open);
          }
        });
    }
    const space = measure(' ', 'regular');
    const lineHeight = doc.currentLineHeight(true) + LINE_GAP;
    type Line = { words: Word[]; width: number; available: number };
    const lines: Line[] = [];
    let line: Line = { words: [], width: 0, available: this.width - opts.indent };
    const add = (w: Word) => {
      line.width += (line.words.length ? space : 0) + w.width;
      line.words.push(w);
    };
    const breakLine = () => {
      lines.push(line);
      line = { words: [], width: 0, available: this.width };
    };
    for (const word of words) {
      if (line.words.length && line.width + space + word.width > line.available) breakLine();
      if (word.width <= line.available) {
        add(word);
        continue;
      }
      // A word wider than a whole line (it starts one) is cut, character by character,
      // into line-wide pieces; the last piece stays on the line for the next words.
      let cut: Word = { fragments: [], width: 0 };
      for (const fragment of word.fragments) {
        let piece = '';
        const flush = () => {
          if (!piece) return;
          const width = measure(piece, fragment.font);
          cut.fragments.push({ text: piece, font: fragment.font, width });
          cut.width += width;
          piece = '';
        };
        for (const ch of fragment.text) {
          if ((piece || cut.width) && cut.width + measure(piece + ch, fragment.font) > line.available) {
            flush();
            add(cut);
            breakLine();
            cut = { fragments: [], width: 0 };
          }
          piece += ch;
        }
        flush();
      }
      add(cut);
    }
    if (line.words.length) breakLine();

    let y = doc.y;
    lines.forEach((l, li) => {
      if (y + lineHeight > this.bottom) {
        doc.addPage();
        y = MARGINS.top;
      }
      const gaps = l.words.length - 1;
      const slack = l.available - l.width;
      let x = this.left + (li === 0 ? opts.indent : 0);
      let extra = 0;
      if (opts.align === 'center') x += slack / 2;
      else if (opts.align === 'justify' && li < lines.length - 1 && gaps > 0) extra = slack / gaps;
      l.words.forEach((w, i) => {
        if (i > 0) x += space + extra;
        for (const f of w.fragments) {
          this.set(f.font, BODY_SIZE);
          doc.text(f.text, x, y, { lineBreak: false });
          x += f.width;
        }
      });
      y += lineHeight;
    });
    doc.x = this.left;
    doc.y = y + opts.after;
  }

  centred(p: Paragraph) {
    this.flow(p, { align: 'center', indent: 0, after: 2 });
  }

  paragraph(p: Paragraph, opts: { indent?: boolean } = {}) {
    this.flow(p, { align: 'justify', indent: opts.indent === false ? 0 : INDENT, after: 5 });
  }

  /** Recipients on the left ("Nơi nhận"), signer on the right. */
  signature(signer: LetterContent['signer'], draft: boolean, recipients: string[]) {
    const doc = this.doc;
    this.ensureSpace(150);
    const half = this.width / 2;
    const y0 = doc.y;
    if (recipients.length) {
      this.set('boldItalic', 12);
      doc.text('Nơi nhận:', this.left, y0, { width: half - 10 });
      this.set('regular', 11);
      for (const r of recipients) doc.text(this.safe(`- ${r}`), this.left, doc.y, { width: half - 10 });
    }
    const leftEnd = doc.y;
    const x = this.left + half;
    let y = y0;
    if (signer.onBehalfOf) y = this.column(upper(signer.onBehalfOf), x, y, half, 'bold', 13);
    y = this.column(upper(signer.title), x, y, half, 'bold', 13);
    if (draft) y = this.column('(Ký, ghi rõ họ tên và đóng dấu)', x, y, half, 'italic', 11);
    y = this.column(plainText(signer.name), x, y + 60, half, 'bold', 13);
    doc.x = this.left;
    doc.y = Math.max(y, leftEnd) + 6;
  }

  twoSignatures(a: { title: string; name: string }, b: { title: string; name: string }) {
    const doc = this.doc;
    this.ensureSpace(130);
    const half = this.width / 2;
    const y0 = doc.y;
    let bottom = y0;
    for (const [i, s] of [a, b].entries()) {
      const x = this.left + i * half;
      let y = this.column(s.title, x, y0, half, 'bold', 12.5);
      y = this.column('(Ký và ghi rõ họ tên)', x, y, half, 'italic', 11);
      y = this.column(plainText(s.name), x, y + 55, half, 'bold', 12.5);
      bottom = Math.max(bottom, y);
    }
    doc.x = this.left;
    doc.y = bottom + 6;
  }

  table(columns: Column[], rows: string[][]) {
    const doc = this.doc;
    const fixed = columns.reduce((s, c) => s + c.width, 0);
    const widths = columns.map((c) => (c.width === 0 ? this.width - fixed : c.width));
    const pad = 3;
    const size = 9.5;
    const rowHeight = (cells: string[], font: FontName) => {
      this.set(font, size);
      return (
        Math.max(
          ...cells.map((cell, i) => doc.heightOfString(cell || ' ', { width: widths[i]! - 2 * pad })),
        ) +
        2 * pad
      );
    };
    const drawRow = (cells: string[], font: FontName, y: number, h: number) => {
      let x = this.left;
      cells.forEach((cell, i) => {
        const w = widths[i]!;
        doc.lineWidth(0.5).rect(x, y, w, h).stroke();
        this.set(font, size);
        doc.text(cell, x + pad, y + pad, {
          width: w - 2 * pad,
          align: font === 'bold' ? 'center' : (columns[i]!.align ?? 'left'),
          lineBreak: true,
        });
        x += w;
      });
    };
    const headers = columns.map((c) => c.header);
    const headerH = rowHeight(headers, 'bold');
    this.ensureSpace(headerH + 20);
    let y = doc.y;
    drawRow(headers, 'bold', y, headerH);
    y += headerH;
    for (const raw of rows) {
      const cells = raw.map((cell) => this.safe(clip(cell, MAX_CELL_CHARS)));
      const h = rowHeight(cells, 'regular');
      if (y + h > this.bottom) {
        doc.addPage();
        y = MARGINS.top;
        drawRow(headers, 'bold', y, headerH);
        y += headerH;
      }
      drawRow(cells, 'regular', y, h);
      y += h;
    }
    doc.x = this.left;
    doc.y = y + 4;
  }
}

function upper(text: string): string {
  return plainText(text).toLocaleUpperCase('vi');
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
