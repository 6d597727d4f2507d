/** A code color (domain §1). */
export type Color = 'green' | 'red' | 'yellow' | 'blue' | 'gold';

/** The languages the elements speak. */
export type Lang = 'zh-CN' | 'en';

/** `'YYYY-MM-DD'`, an Asia/Shanghai calendar date. */
export type IsoDate = string;

/**
 * The JSON of the public badge route `GET {api}/v1/badge/:token` (CORS `*`; 404 for an unknown or
 * revoked token).
 */
export interface BadgeData {
  color: Color;
  /** The server's label (zh-CN); the elements show their own localized label instead. */
  label: string;
  /** The masked name (`章**`); organizations in full. */
  name: string;
  /** ISO instant or `YYYY-MM-DD`. */
  asOf: string;
  /** Asia/Shanghai date on which the color may change (exclusive: at 00:00+08:00); `null` if never. */
  until: IsoDate | null;
  /** The court's verification page for this badge (http or https only is shown). */
  verifyUrl?: string;
}

/** A record inside a report (masked for third parties, domain §6–§7). */
export interface ReportRecord {
  category: string;
  categoryName: string;
  basis: string;
  court: string;
  caseNumber: string;
  effectiveFrom: IsoDate;
  effectiveUntil: IsoDate | null;
  status: string;
}

/** A record of the optional explanation (mirrors `@fivecolor/core`'s `ExplainedRecord`, fields optional). */
export interface ReportExplanationRecord {
  id?: string;
  category?: string;
  name?: string;
  legalBasis?: string;
  countsUntil?: IsoDate | null;
  remedy?: string;
}

/** Why the party has its color (PIPL Art. 24), as `@fivecolor/core`'s `explain()` returns it. */
export interface ReportExplanation {
  summary?: string;
  records?: ReportExplanationRecord[];
}

/**
 * A judicial integrity report (司法诚信报告, domain §7).
 *
 * Assumed shape, to be aligned when the reports route lands.
 */
export interface Report {
  reportNo: string;
  /** ISO instant. */
  issuedAt: string;
  /** ISO instant or `YYYY-MM-DD`. */
  expiresAt: string;
  policyId: string;
  party: {
    /** Masked for a person. */
    name: string;
    kind: 'person' | 'org';
    idType: string;
    /** Masked for a person (`3302**********1234`). */
    idNumber: string;
  };
  classification: { color: Color; since: IsoDate | null; until: IsoDate | null; basis: string[] };
  explanation?: ReportExplanation;
  timeline: { color: Color; from: IsoDate | null; until: IsoDate | null }[];
  records: ReportRecord[];
}

/** Why an online verification failed (open: the server may add reasons). */
export type VerificationReason = 'not_found' | 'bad_code' | 'expired' | (string & {});

/**
 * The JSON of the public verification route `GET {api}/v1/reports/:reportNo?code=…`.
 *
 * Assumed shape, to be aligned when the reports route lands.
 */
export interface ReportVerification {
  valid: boolean;
  reason?: VerificationReason;
  report?: Report;
  /** The party's color now, and whether it differs from the report's. */
  colorNow?: { color: Color; changed: boolean };
}
