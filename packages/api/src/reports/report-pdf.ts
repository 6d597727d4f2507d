import type { Report } from '@fivecolor/core';
import { colorLabel, colorMeaning, idTypeLabel } from '@fivecolor/core';
import QRCode from 'qrcode';
import {
  cstTime,
  type Doc,
  ensure,
  HEX,
  heading,
  M,
  pairs,
  renderPdf,
  table,
  UNDER_OBJECTION,
  WIDTH,
} from './pdf-kit.js';

const STATUS: Record<string, string> = {
  active: '有效',
  objected: '有效', // and the under-objection flag beside it
  repaired: '已修复',
  expired: '已到期',
  pending: '未生效',
};
const KIND: Record<string, string> = { person: '自然人', org: '组织' };

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
  return renderPdf(
    { Title: `司法诚信报告 ${report.reportNo}`, Subject: 'Judicial integrity report' },
    (doc) => {
      header(doc, report, opts);
      party(doc, report);
      classification(doc, report);
      colorHistory(doc, report);
      records(doc, report);
      verification(doc, report, opts);
    },
  );
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
            ? r.objection.status === 'open'
              ? UNDER_OBJECTION
              : `异议：${{ upheld: '成立', rejected: '驳回' }[r.objection.status]}`
            : '',
          r.source ? `来源：${r.source}` : '',
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
