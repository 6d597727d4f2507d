import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Color } from '@fivecolor/core';
import PDFDocument from 'pdfkit';

// Noto Sans SC (OFL) from the npm package @embedpdf/fonts-sc: shipped with the dependency, never
// downloaded at run time; pdfkit embeds only the glyphs a document uses.
const FONT_PACKAGE = '@embedpdf/fonts-sc';
let fonts: Promise<{ regular: Buffer; bold: Buffer }> | undefined;

function loadFonts() {
  fonts ??= (async () => {
    let dir: string;
    try {
      dir = join(dirname(createRequire(import.meta.url).resolve(FONT_PACKAGE)), '..', 'fonts');
    } catch {
      throw new Error(`PDF reports need the font package ${FONT_PACKAGE}; install it next to @fivecolor/api`);
    }
    const [regular, bold] = await Promise.all([
      readFile(join(dir, 'NotoSansHans-Regular.otf')),
      readFile(join(dir, 'NotoSansHans-Bold.otf')),
    ]);
    return { regular, bold };
  })();
  fonts.catch(() => {
    fonts = undefined;
  });
  return fonts;
}

/** The swatch of each color (the color is always written in words beside it). */
export const HEX: Record<Color, string> = {
  green: '#2e7d32',
  red: '#c62828',
  yellow: '#ffd43b',
  blue: '#1565c0',
  gold: '#c9a227',
};

/** The flag of a record with an open objection, the same on every surface (domain §8). */
export const UNDER_OBJECTION = '异议审查中 under objection';

/** `YYYY-MM-DD HH:mm` in China Standard Time. */
export function cstTime(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

export type Doc = InstanceType<typeof PDFDocument>;
/** Page margin, usable width and the lowest y of A4 (points). */
export const M = 48;
export const WIDTH = 595.28 - 2 * M;
export const BOTTOM = 841.89 - M;

/**
 * An A4 PDF in the CJK font (`regular` and `bold` registered), drawn by `draw`, as bytes.
 *
 * @example
 * const pdf = await renderPdf({ Title: '司法诚信报告' }, (doc) => heading(doc, '当事人'));
 */
export async function renderPdf(
  info: { Title: string; Subject: string },
  draw: (doc: Doc) => void,
): Promise<Buffer> {
  const { regular, bold } = await loadFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margin: M,
    lang: 'zh-CN',
    info: { ...info, Creator: 'Five-Color Code' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  draw(doc);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/** A section title with a rule under it. */
export function heading(doc: Doc, text: string) {
  ensure(doc, 40);
  doc.moveDown(0.6).font('bold').fontSize(12).fillColor('#000').text(text, M, doc.y, { width: WIDTH });
  doc
    .moveTo(M, doc.y + 2)
    .lineTo(M + WIDTH, doc.y + 2)
    .lineWidth(0.5)
    .strokeColor('#888')
    .stroke();
  doc.moveDown(0.4);
}

/** A new page unless `height` more points fit on this one. */
export function ensure(doc: Doc, height: number) {
  if (doc.y + height > BOTTOM) doc.addPage();
}

/** Label–value rows (labels grey on the left, `labelWidth` wide). */
export function pairs(doc: Doc, rows: [string, string][], width = WIDTH, labelWidth = 86) {
  doc.font('regular').fontSize(10);
  const gap = labelWidth + 4;
  for (const [k, v] of rows) {
    const h = Math.max(
      doc.heightOfString(v, { width: width - gap }),
      doc.heightOfString(k, { width: labelWidth }),
      14,
    );
    ensure(doc, h);
    const y = doc.y;
    doc.fillColor('#555').text(k, M, y, { width: labelWidth });
    doc.fillColor('#000').text(v, M + gap, y, { width: width - gap });
    doc.y = y + h + 2;
  }
}

/** A ruled table with a grey head row, repeated on every page it runs onto. */
export function table(doc: Doc, widths: number[], head: string[], rows: string[][]) {
  const pad = 3;
  const draw = (cells: string[], bold: boolean) => {
    doc.font(bold ? 'bold' : 'regular').fontSize(8.5);
    const h =
      Math.max(...cells.map((t, i) => doc.heightOfString(t, { width: (widths[i] ?? 0) - 2 * pad }))) +
      2 * pad;
    if (doc.y + h > BOTTOM) {
      doc.addPage();
      if (!bold) draw(head, true);
      doc.font(bold ? 'bold' : 'regular').fontSize(8.5);
    }
    const y = doc.y;
    let x = M;
    if (bold) doc.rect(M, y, WIDTH, h).fillColor('#eeeeee').fill();
    cells.forEach((t, i) => {
      const w = widths[i] ?? 0;
      doc.rect(x, y, w, h).lineWidth(0.4).strokeColor('#999').stroke();
      doc.fillColor('#000').text(t, x + pad, y + pad, { width: w - 2 * pad });
      x += w;
    });
    doc.x = M;
    doc.y = y + h;
  };
  ensure(doc, 44); // never a head row alone at the foot of a page
  draw(head, true);
  for (const r of rows) draw(r, false);
}
