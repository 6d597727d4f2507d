/** A report number and code found in pasted text. */
export interface PastedReport {
  reportNo: string;
  code: string;
}

const NO = '[\\p{Script=Han}A-Za-z0-9_-]';
const LABELLED_NO = new RegExp(`(?:报告编号|报告号|report\\s*(?:no\\.?|number))\\s*[:：]?\\s*(${NO}+)`, 'iu');
const LABELLED_CODE = /(?:验证码|核验码|(?:verification\s*)?code)\s*[:：]?\s*([A-Za-z0-9_-]{8})\b/i;
const PAIR = new RegExp(`^\\s*(${NO}{4,})[\\s,，;；|/]+([A-Za-z0-9_-]{8})\\s*$`, 'u');

/**
 * Reads both fields from pasted text: a verification link (`…/v1/reports/浙02-2026-000123?code=…` or
 * `…?reportNo=…&code=…`), labelled text
 * (`报告编号：… 验证码：…`) or the two values separated by a space or comma. `undefined` if the text
 * does not hold both.
 *
 * @example
 * parsePasted('报告编号：R2026000123 验证码：AB12CD34'); // { reportNo: 'R2026000123', code: 'AB12CD34' }
 */
export const parsePasted = (raw: string): PastedReport | undefined => {
  const text = raw.normalize('NFKC').trim();
  if (/^https?:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      const params = url.searchParams;
      const fromPath = /\/v1\/reports\/([^/]+?)(?:\.pdf)?$/.exec(url.pathname)?.[1];
      const reportNo =
        params.get('reportNo') ?? params.get('report-no') ?? (fromPath ? decodeURIComponent(fromPath) : null);
      const code = params.get('code');
      return reportNo && code ? { reportNo, code } : undefined;
    } catch {
      return undefined;
    }
  }
  const no = LABELLED_NO.exec(text)?.[1];
  const code = LABELLED_CODE.exec(text)?.[1];
  if (no && code) return { reportNo: no, code };
  const pair = PAIR.exec(text);
  return pair?.[1] && pair[2] ? { reportNo: pair[1], code: pair[2] } : undefined;
};
