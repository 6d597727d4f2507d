import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Report } from '@fivecolor/core';
import { type Color, colorLabel, colorMeaning, idTypeLabel } from '@fivecolor/core';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

// Noto Sans SC (OFL) from the npm package @embedpdf/fonts-sc: shipped with the dependency, never
// downloaded at run time; pdfkit embeds only the glyphs a report uses.
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

const HEX: Record<Color, string> = {
  green: '#2e7d32',
  red: '#c62828',
  yellow: '#ffd43b',
  blue: '#1565c0',
  gold: '#c9a227',
};
const STATUS: Record<string, string> = {
  active: '有效',
  objected: '有效（异议中）',
  repaired: '已修复',
  expired: '已到期',
  pending: '未生效',
};
const KIND: Record<string, string> = { person: '自然人', org: '组织' };

/** `YYYY-MM-DD HH:mm` in China Standard Time. */
export function cstTime(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

type Doc = InstanceType<typeof PDFDocument>;
const M = 48;
const WIDTH = 595.28 - 2 * M;
const BOTTOM = 841.89 - M;

function heading(doc: Doc, text: string) {
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

function ensure(doc: Doc, height: number) {
  if (doc.y + height > BOTTOM) doc.addPage();
}

function pairs(doc: Doc, rows: [string, string][], width = WIDTH) {
  doc.font('regular').fontSize(10);
  for (const [k, v] of rows) {
    const h = Math.max(doc.heightOfString(v, { width: width - 90 }), 14);
    ensure(doc, h);
    const y = doc.y;
    doc.fillColor('#555').text(k, M, y, { width: 86 });
    doc.fillColor('#000').text(v, M + 90, y, { width: width - 90 });
    doc.y = y + h + 2;
  }
}

function table(doc: Doc, widths: number[], head: string[], rows: string[][]) {
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
  draw(head, true);
  for (const r of rows) draw(r, false);
}

function qr(doc: Doc, text: string, x: number, y: number, size: number) {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const cell = size / (modules.size + 8);
  doc.rect(x, y, size, size).fillColor('#fff').fill();
  doc.fillColor('#000');
  for (let r = 0; r < modules.size; r++)
    for (let c = 0; c < modules.size; c++)
      if (modules.get(r, c)) doc.rect(x + (c + 4) * cell, y + (r + 4) * cell, cell, cell);
  doc.fill();
}

type PdfOptions = { code: string; verifyUrl: string; kid: string; expired?: boolean };

/**
 * A printable A4 PDF of a report in Chinese, with the QR code of its verification URL; the color is
 * always written in words, so a black-and-white print keeps its meaning.
 *
 * @example
 * const pdf = await renderReportPdf(report, { code: 'K7Q2M9XD', verifyUrl: 'https://court.example/v1/reports/浙02-2026-000123?code=K7Q2M9XD', kid });
 */
export async function renderReportPdf(report: Report, opts: PdfOptions): Promise<Buffer> {
  const { regular, bold } = await loadFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margin: M,
    lang: 'zh-CN',
    info: {
      Title: `司法诚信报告 ${report.reportNo}`,
      Subject: 'Judicial integrity report',
      Creator: 'Five-Color Code',
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);

  header(doc, report, opts);
  party(doc, report);
  classification(doc, report);
  colorHistory(doc, report);
  records(doc, report);
  verification(doc, report, opts);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/** The title, the QR code of the verification URL (top right) and the report's own facts. */
function header(doc: Doc, report: Report, opts: PdfOptions) {
  qr(doc, opts.verifyUrl, M + WIDTH - 96, M, 96);
  doc
    .font('bold')
    .fontSize(20)
    .fillColor('#000')
    .text('司法诚信报告', M, M + 8, { width: WIDTH - 110 });
  doc
    .font('regular')
    .fontSize(9)
    .fillColor('#555')
    .text('Judicial Integrity Report', { width: WIDTH - 110 });
  if (opts.expired) doc.font('bold').fontSize(11).fillColor('#c62828').text('本报告已过期（EXPIRED）');
  doc.moveDown(0.5);
  pairs(
    doc,
    [
      ['报告编号', report.reportNo],
      ['验证码', opts.code],
      ['签发法院', report.issuer.court],
      ['签发时间', `${cstTime(report.issuedAt)}（北京时间）`],
      ['有效期至', `${cstTime(report.expiresAt)}（北京时间）`],
      ['分级规则', report.policyId],
    ],
    WIDTH - 110,
  );
  doc.y = Math.max(doc.y, M + 110);
}

/** 当事人: name, kind and identifier, as masked in the report. */
function party(doc: Doc, report: Report) {
  heading(doc, '当事人');
  pairs(doc, [
    ['名称', report.party.name],
    ['类型', KIND[report.party.kind] ?? report.party.kind],
    ['证件类型', idTypeLabel(report.party.idType)],
    ['证件号码', report.party.idNumber],
  ]);
}

/** 诚信诉讼码: the color (swatch and words), its dates and the explanation with its counting records. */
function classification(doc: Doc, report: Report) {
  const c = report.classification;
  heading(doc, '诚信诉讼码');
  ensure(doc, 30);
  const y = doc.y;
  doc.rect(M, y, 22, 22).fillColor(HEX[c.color]).fill();
  doc.rect(M, y, 22, 22).lineWidth(0.8).strokeColor('#000').stroke();
  doc
    .font('bold')
    .fontSize(15)
    .fillColor('#000')
    .text(`${colorLabel(c.color)}（${colorMeaning(c.color, 'zh-CN')}）`, M + 30, y + 2, {
      width: WIDTH - 30,
    });
  doc.y = y + 28;
  pairs(doc, [
    ['起始日期', c.since ?? '—'],
    ['预计变更日期', c.until ?? '无'],
    ['说明', report.explanation.summary],
  ]);
  for (const r of report.explanation.records) {
    pairs(doc, [[`${r.category}`, [r.name, `依据：${r.legalBasis}`, r.remedy].filter(Boolean).join('\n')]]);
  }
}

/** 颜色变化记录: the timeline as a table. */
function colorHistory(doc: Doc, report: Report) {
  heading(doc, '颜色变化记录');
  table(
    doc,
    [WIDTH / 3, WIDTH / 3, WIDTH / 3],
    ['颜色', '自', '至'],
    report.timeline.map((s) => [colorLabel(s.color), s.from ?? '—', s.until ?? '至今']),
  );
}

/** 诚信诉讼记录: every record of the report, with its status, repair and objection. */
function records(doc: Doc, report: Report) {
  heading(doc, '诚信诉讼记录（计入的及近五年的）');
  if (report.records.length === 0) pairs(doc, [['', '无记录']]);
  else
    table(
      doc,
      [88, 120, 44, 92, 78, WIDTH - 422],
      ['类别', '依据', '法院', '案号', '生效期间', '状态'],
      report.records.map((r) => [
        `${r.category} ${r.categoryName}（${colorLabel(r.color)}）`,
        r.legalBasis,
        r.court,
        r.caseNumber,
        `${r.effectiveFrom} 至 ${r.effectiveUntil ?? '长期'}`,
        [
          STATUS[r.status] ?? r.status,
          r.repairedBy ? `${r.repairedBy.effectiveFrom}起修复` : '',
          r.objection
            ? `异议：${{ open: '审查中', upheld: '成立', rejected: '驳回' }[r.objection.status]}`
            : '',
        ]
          .filter(Boolean)
          .join('；'),
      ]),
    );
}

/** 核验: how to verify the report online (the QR code) and offline (the signature and the court's keys). */
function verification(doc: Doc, report: Report, opts: PdfOptions) {
  heading(doc, '核验');
  pairs(doc, [
    ['在线核验', `扫描右上角二维码，或访问 ${report.verifyUrl ?? '法院核验页面'} 并输入报告编号与验证码。`],
    [
      '离线核验',
      `报告内容以 Ed25519 数字签名（JWS，密钥标识 ${opts.kid}），可用法院公钥${report.issuer.jwksUrl ? `（${report.issuer.jwksUrl}）` : ''}离线验证。`,
    ],
    ['', '本报告以文字标明颜色，黑白打印不影响识读。'],
  ]);
}
