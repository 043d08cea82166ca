import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export interface ExtractedPdf {
  pages: string[];
  /** [width, height] in points of each page. */
  sizes: [number, number][];
  /** All pages' text, items joined with spaces. */
  text: string;
  info: Record<string, unknown>;
}

/** Text of every page as pdf.js extracts it (what a reader copies), plus the info dictionary. */
export async function extractPdf(bytes: Uint8Array): Promise<ExtractedPdf> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    useSystemFonts: false,
    isEvalSupported: false,
  }).promise;
  try {
    const pages: string[] = [];
    const sizes: [number, number][] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const [x0, y0, x1, y1] = page.view as [number, number, number, number];
      sizes.push([x1 - x0, y1 - y0]);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str;
        text += item.hasEOL ? '\n' : ' ';
      }
      pages.push(text);
    }
    const meta = await pdf.getMetadata();
    return { pages, sizes, text: pages.join('\n'), info: meta.info as Record<string, unknown> };
  } finally {
    await pdf.destroy();
  }
}

/** Whitespace-free form: layout decides where lines wrap, not the content. */
export const squash = (s: string) => s.normalize('NFC').replace(/\s+/g, '');
