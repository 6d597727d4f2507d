import { colorLabel } from '@fivecolor/core';
import { html } from 'hono/html';
import type { ReportVerification } from '../reports/report-types.js';

const REASON: Record<string, string> = {
  not_found: '未找到该报告编号',
  bad_code: '验证码不正确',
  expired: '报告已超过有效期',
  rate_limited: '错误次数过多，请稍后再试',
  malformed: '报告编号或验证码格式不正确',
};

/**
 * The page a phone shows after scanning a report's QR code: valid or not, the color at issue and
 * now, and a link to the PDF. Hono's `html` escapes every value.
 */
export function reportPage(v: ReportVerification, code?: string) {
  const r = v.report;
  const title = v.valid ? '报告有效' : v.reason === 'expired' ? '报告已过期' : '报告无效';
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>司法诚信报告核验 · ${title}</title>
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#111}
dt{color:#555}dd{margin:0 0 .5rem}</style></head>
<body><main><h1>${title}</h1>
${v.reason && !r ? html`<p>${REASON[v.reason] ?? v.reason}</p>` : ''}
${
  r
    ? html`<dl>
<dt>报告编号</dt><dd>${r.reportNo}</dd>
<dt>当事人</dt><dd>${r.party.name}（${r.party.idNumber}）</dd>
<dt>签发时颜色</dt><dd>${colorLabel(r.classification.color)}</dd>
<dt>当前颜色</dt><dd>${v.colorNow ? `${colorLabel(v.colorNow.color)}${v.colorNow.changed ? '（签发后已变更）' : '（未变更）'}` : '—'}</dd>
<dt>签发时间</dt><dd>${r.issuedAt}</dd><dt>有效期至</dt><dd>${r.expiresAt}</dd>
</dl>
${code ? html`<p><a href="./${encodeURIComponent(r.reportNo)}.pdf?code=${code}">下载 PDF 报告</a></p>` : ''}`
    : ''
}
</main></body></html>`;
}
