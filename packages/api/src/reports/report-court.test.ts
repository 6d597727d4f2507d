import { describe, expect, it } from 'vitest';
import { reportCourt } from './report-codes.js';

const rec = (court: string, effectiveFrom: string, revoked = false, createdAt = '2026-01-01T00:00:00Z') => ({
  court,
  effectiveFrom,
  createdAt: new Date(createdAt),
  revokedAt: revoked ? new Date('2026-02-01T00:00:00Z') : null,
});

describe('reportCourt: one scheme for report numbers', () => {
  it('is the issuing court when a court key issues', () => {
    expect(reportCourt('浙0212', [rec('浙03', '2025-01-01')], '浙02')).toBe('浙0212');
  });

  it("is the court of the party's latest record in force when no court issues", () => {
    const records = [
      rec('浙03', '2024-01-01'),
      rec('浙0212', '2025-06-01'),
      rec('浙0501', '2025-09-01', true),
    ];
    expect(reportCourt(null, records, '浙02')).toBe('浙0212');
  });

  it('breaks a tie of dates by the later entry', () => {
    const records = [
      rec('浙03', '2025-06-01', false, '2025-06-02T00:00:00Z'),
      rec('浙0212', '2025-06-01', false, '2025-06-01T00:00:00Z'),
    ];
    expect(reportCourt(null, records, undefined)).toBe('浙03');
  });

  it('passes over records without a court (imported from a partner that named none)', () => {
    expect(reportCourt(null, [rec('浙03', '2024-01-01'), rec('', '2025-06-01')], '浙02')).toBe('浙03');
    expect(reportCourt(null, [rec('', '2025-06-01')], '浙02')).toBe('浙02');
    expect(reportCourt(null, [rec('', '2025-06-01')], undefined)).toBe('FC');
  });

  it("falls back to the deployment's court, then FC", () => {
    expect(reportCourt(null, [], '浙02')).toBe('浙02');
    expect(reportCourt(null, [rec('浙03', '2025-01-01', true)], undefined)).toBe('FC');
  });
});
