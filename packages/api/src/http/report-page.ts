import type { ReportVerification } from '@fivecolor/core';
import { colorLabel, type Lang } from '@fivecolor/core';
import { html, raw } from 'hono/html';

const TEXT = {
  'zh-CN': {
    heading: '司法诚信报告核验',
    valid: '报告有效',
    expired: '报告已过期',
    invalid: '报告无效',
    reasons: {
      not_found: '未找到该报告编号',
      bad_code: '验证码不正确',
      expired: '报告已超过有效期',
      rate_limited: '错误次数过多，请稍后再试',
      malformed: '报告编号或验证码格式不正确',
    } as Record<string, string>,
    reportNo: '报告编号',
    party: '当事人',
    atIssue: '签发时颜色',
    now: '当前颜色',
    changed: '（签发后已变更）',
    unchanged: '（未变更）',
    issuedAt: '签发时间',
    expiresAt: '有效期至',
    cst: '（北京时间）',
    pdf: '下载 PDF 报告',
    objection: '异议',
    underObjection: (n: number) => `异议审查中：${n} 条记录正在复核（颜色暂不变）`,
    other: 'English',
  },
  en: {
    heading: 'Judicial integrity report check',
    valid: 'Valid report',
    expired: 'Expired report',
    invalid: 'Invalid report',
    reasons: {
      not_found: 'No report has this number',
      bad_code: 'The verification code is wrong',
      expired: 'The report is past its validity',
      rate_limited: 'Too many wrong attempts; try again later',
      malformed: 'The report number or code is not well formed',
    } as Record<string, string>,
    reportNo: 'Report number',
    party: 'Party',
    atIssue: 'Color at issue',
    now: 'Color now',
    changed: ' (changed since issue)',
    unchanged: ' (unchanged)',
    issuedAt: 'Issued',
    expiresAt: 'Valid until',
    cst: ' (China Standard Time)',
    pdf: 'Download the PDF report',
    objection: 'Objection',
    underObjection: (n: number) =>
      `Under objection: ${n} record${n === 1 ? ' is' : 's are'} being reviewed (the color stands meanwhile)`,
    other: '中文',
  },
} as const;

/** `2026-12-01 18:15（北京时间）`: an ISO instant in Asia/Shanghai time, as the elements and the PDF show it. */
function cstTime(iso: string, lang: Lang): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')}${TEXT[lang].cst}`;
}

export interface ReportPageOptions {
  lang: Lang;
  /** The code, when the verification succeeded (for the PDF link and the report's QR code). */
  code?: string | undefined;
  /** Where the deployment serves the elements bundle: the page then shows `<fivecolor-report>`. */
  elementsScript?: string | undefined;
}

/**
 * The page a phone shows after scanning a report's QR code: valid or not, the color at issue and now,
 * and a link to the PDF, in Chinese or English. Where the deployment serves the elements, the same
 * `<fivecolor-report>` as on partner pages renders the verification (handed to it as JSON, so it is not
 * fetched again); the server-rendered summary inside it is what a browser without scripts shows.
 * Hono's `html` escapes every value.
 */
export function reportPage(v: ReportVerification, opts: ReportPageOptions) {
  const t = TEXT[opts.lang];
  const r = v.report;
  const title = v.valid ? t.valid : v.reason === 'expired' ? t.expired : t.invalid;
  const objected = r?.records.filter((x) => x.objection?.status === 'open').length ?? 0;
  const other = opts.lang === 'en' ? 'zh-CN' : 'en';
  // Inside <script> nothing is decoded: keep `</script>` out of the JSON by escaping `<`.
  const json = raw(JSON.stringify(v).replace(/</g, '\\u003c'));
  const summary = html`<h2>${title}</h2>
${v.reason && !r ? html`<p role="alert">${t.reasons[v.reason] ?? v.reason}</p>` : ''}
${
  r
    ? html`<dl>
<dt>${t.reportNo}</dt><dd>${r.reportNo}</dd>
<dt>${t.party}</dt><dd>${r.party.name}（${r.party.idNumber}）</dd>
<dt>${t.atIssue}</dt><dd>${colorLabel(r.classification.color, opts.lang)}</dd>
<dt>${t.now}</dt><dd>${v.colorNow ? `${colorLabel(v.colorNow.color, opts.lang)}${v.colorNow.changed ? t.changed : t.unchanged}` : '—'}</dd>
${objected ? html`<dt>${t.objection}</dt><dd>${t.underObjection(objected)}</dd>` : ''}
<dt>${t.issuedAt}</dt><dd>${cstTime(r.issuedAt, opts.lang)}</dd><dt>${t.expiresAt}</dt><dd>${cstTime(r.expiresAt, opts.lang)}</dd>
</dl>`
    : ''
}`;
  return html`<!doctype html>
<html lang="${opts.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.heading} · ${title}</title>
${opts.elementsScript ? html`<script type="module" src="${opts.elementsScript}"></script>` : ''}
<style>body{font:16px/1.6 system-ui,'Noto Sans CJK SC',sans-serif;margin:0;background:#f3f4f6;color:#1b1f24}
main{max-width:48rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px}h1{font-size:1.25rem}
nav{text-align:right;font-size:.875rem}a{color:#1d4ed8}dt{color:#4b5563}dd{margin:0 0 .5rem}</style></head>
<body><main>
<nav><a href="?${r && opts.code ? `code=${encodeURIComponent(opts.code)}&` : ''}lang=${other}" hreflang="${other}" lang="${other}">${t.other}</a></nav>
<h1>${t.heading}</h1>
<fivecolor-report lang="${opts.lang}"${opts.code ? html` code="${opts.code}"` : ''}><script type="application/json">${json}</script>
${summary}</fivecolor-report>
${r && opts.code ? html`<p><a href="./${encodeURIComponent(r.reportNo)}.pdf?code=${opts.code}">${t.pdf}</a></p>` : ''}
</main></body></html>`;
}
