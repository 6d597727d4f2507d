import type { Color, Report, ReportVerification } from '../src/types.js';

/** A report shaped as the API's verification route returns it (src/types.ts). */
export const sampleReport = (color: Color = 'yellow'): Report => ({
  v: 1,
  reportNo: '浙02-2026-000123',
  issuedAt: '2026-03-01T02:00:00.000Z',
  expiresAt: '2026-03-31T02:00:00.000Z',
  policyId: 'default-2022',
  issuer: { court: '浙02', jwksUrl: 'https://court.example/.well-known/jwks.json' },
  party: { name: '章**', kind: 'person', idType: 'RESIDENT_ID', idNumber: '3302**********1234' },
  classification: {
    color,
    label: '黄码',
    asOf: '2026-03-01',
    since: '2025-06-01',
    until: '2027-06-01',
    basis: ['rec_1'],
  },
  explanation: {
    summary: '截至2026-03-01为黄码（警示），自2025-06-01起，预计2027-06-01起变更。',
    records: [
      {
        recordId: 'rec_1',
        category: 'Y05',
        name: '恶意诉讼',
        legalBasis: '《民事诉讼法》第一百一十五条',
        countsUntil: '2027-06-01',
        decisive: true,
        remedy: '该记录不可修复，于2027-06-01起不再计入。',
      },
    ],
  },
  timeline: [
    { color: 'green', from: null, until: '2025-06-01' },
    { color, from: '2025-06-01', until: '2027-06-01' },
    { color: 'green', from: '2027-06-01', until: null },
  ],
  records: [
    {
      recordId: 'rec_1',
      category: 'Y05',
      categoryName: '恶意诉讼',
      color: 'yellow',
      legalBasis: '《民事诉讼法》第一百一十五条',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初123号',
      effectiveFrom: '2025-06-01',
      effectiveUntil: '2027-06-01',
      counting: true,
      status: 'active',
      repairable: false,
      repairedBy: null,
      objection: null,
    },
  ],
  verifyUrl: 'https://court.example/v1/reports/%E6%B5%9902-2026-000123',
});

export const REPORT_NO = '浙02-2026-000123';
export const CODE = 'AB12CD34';

/** Verification answers as the API gives them: valid (color changed since), bad code, expired, not found. */
export const verificationFor = (
  reportNo: string,
  code: string | null,
): { status: number; body: ReportVerification } => {
  if (reportNo === REPORT_NO && code === CODE)
    return {
      status: 200,
      body: { valid: true, report: sampleReport('yellow'), colorNow: { color: 'green', changed: true } },
    };
  if (reportNo === REPORT_NO)
    return { status: 403, body: { valid: false, reason: 'bad_code', report: null, colorNow: null } };
  if (reportNo === 'R-EXPIRED') return { status: 200, body: { valid: false, reason: 'expired' } };
  return { status: 404, body: { valid: false, reason: 'not_found' } };
};
