import type { ReportVerification } from '../types.js';
import { isColor } from './colors.js';
import { apiUrl, fetchJson } from './fetch-json.js';

/** An online verification's outcome: the route's answer, or why there is none. */
export type VerificationOutcome = { ok: true; result: ReportVerification } | { ok: false; status?: number };

const isVerification = (value: unknown): value is ReportVerification => {
  const v = value as Partial<ReportVerification> | null;
  if (typeof v !== 'object' || v === null || typeof v.valid !== 'boolean') return false;
  if (v.valid && (typeof v.report !== 'object' || !isColor(v.report?.classification?.color))) return false;
  return v.colorNow == null || isColor(v.colorNow.color);
};

/** Calls `GET {api}/v1/reports/{reportNo}?code=…`; a 404 without a JSON answer is "not found". */
export const fetchVerification = async (
  api: string,
  reportNo: string,
  code: string,
  signal: AbortSignal,
): Promise<VerificationOutcome> => {
  const url = apiUrl(api, `/v1/reports/${encodeURIComponent(reportNo)}?code=${encodeURIComponent(code)}`);
  try {
    const { status, body } = await fetchJson(url, signal);
    if (isVerification(body) && status < 500) return { ok: true, result: body };
    if (status === 404) return { ok: true, result: { valid: false, reason: 'not_found' } };
    return { ok: false, status };
  } catch {
    return { ok: false };
  }
};
