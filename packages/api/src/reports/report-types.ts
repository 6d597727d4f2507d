import type { Color, IsoDate } from '@fivecolor/core';

/** Where a record of a report stands on the issue date. */
export type ReportRecordStatus = 'active' | 'objected' | 'repaired' | 'expired' | 'pending';

/** One record in a report: every counting record and every record of the last five years (never revoked ones). */
export interface ReportRecord {
  recordId: string;
  category: string;
  /** The category's name (zh-CN). */
  categoryName: string;
  color: Color;
  legalBasis: string;
  court: string;
  caseNumber: string;
  effectiveFrom: IsoDate;
  effectiveUntil: IsoDate | null;
  /** Whether the record counts for the color on the issue date. */
  counting: boolean;
  status: ReportRecordStatus;
  repairable: boolean;
  /** The repair (B01) record lifting it on the report date, if any (a repair lifts only while it counts). */
  repairedBy: { recordId: string; effectiveFrom: IsoDate } | null;
  /** The latest objection (异议) against it: `open` keeps it counting, flagged. */
  objection: { status: 'open' | 'upheld' | 'rejected'; filedAt: string } | null;
}

/**
 * A judicial integrity report (司法诚信报告, domain §7): the signed JWS payload, also what online
 * verification returns. A natural person's name and id number are masked; an organization's are in full.
 */
export interface Report {
  /** Payload format version. */
  v: 1;
  /** Court code + year + sequence, e.g. `浙02-2026-000123`. */
  reportNo: string;
  /** ISO instant. */
  issuedAt: string;
  /** ISO instant (default: 30 days after issue). */
  expiresAt: string;
  policyId: string;
  issuer: { court: string; jwksUrl: string | null };
  party: { kind: 'person' | 'org'; idType: string; name: string; idNumber: string };
  classification: {
    color: Color;
    label: string;
    asOf: IsoDate;
    since: IsoDate | null;
    until: IsoDate | null;
    basis: string[];
  };
  /** Why this color (PIPL Art. 24), in zh-CN: summary, counting records, legal basis, how to repair. */
  explanation: {
    summary: string;
    records: {
      recordId: string;
      category: string;
      name: string;
      legalBasis: string;
      countsUntil: IsoDate | null;
      decisive: boolean;
      remedy: string | null;
    }[];
  };
  timeline: { color: Color; from: IsoDate | null; until: IsoDate | null }[];
  records: ReportRecord[];
  /** The online verification URL without the code (`?code=…` is added where the code is known). */
  verifyUrl: string | null;
  /** JWT-style numeric dates of `issuedAt` / `expiresAt`. */
  iat: number;
  exp: number;
}

/** Why an online verification did not succeed. */
export type VerifyReason = 'not_found' | 'bad_code' | 'expired' | 'rate_limited' | 'malformed';

/** The answer of online verification (`report.verify`, `GET /v1/reports/:reportNo?code=…`). */
export interface ReportVerification {
  valid: boolean;
  reason?: VerifyReason;
  report: Report | null;
  /** The compact JWS, for offline checking with the JWKS. */
  signed?: string;
  /** The party's color now, and whether it changed since the report was issued. */
  colorNow: { color: Color; label: string; asOf: IsoDate; since: IsoDate | null; changed: boolean } | null;
}
