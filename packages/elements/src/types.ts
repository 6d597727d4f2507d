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

/** Where a record of a report stands on the issue date. */
export type ReportRecordStatus = 'active' | 'objected' | 'repaired' | 'expired' | 'pending' | (string & {});

/** A record inside a report: every counting record and every record of the last five years (domain §7). */
export interface ReportRecord {
  recordId: string;
  category: string;
  /** The category's name (zh-CN). */
  categoryName: string;
  color?: Color;
  legalBasis: string;
  court: string;
  caseNumber: string;
  effectiveFrom: IsoDate;
  effectiveUntil: IsoDate | null;
  /** Whether it counts for the color on the issue date. */
  counting?: boolean;
  status: ReportRecordStatus;
  repairable?: boolean;
  repairedBy?: { recordId: string; effectiveFrom: IsoDate } | null;
  objection?: { status: 'open' | 'upheld' | 'rejected'; filedAt: string } | null;
}

/** A counting record of the explanation. */
export interface ReportExplanationRecord {
  recordId: string;
  category: string;
  name: string;
  legalBasis: string;
  countsUntil: IsoDate | null;
  decisive?: boolean;
  /** How to repair it, or when it stops counting (red and yellow records). */
  remedy: string | null;
}

/** Why the party has its color (PIPL Art. 24), as `@fivecolor/core`'s `explain()` says it. */
export interface ReportExplanation {
  summary: string;
  records: ReportExplanationRecord[];
}

/**
 * A judicial integrity report (司法诚信报告, domain §7): the payload of the signed JWS and the `report`
 * of online verification. A natural person's name and id number are masked.
 */
export interface Report {
  v?: number;
  /** Court code + year + sequence, e.g. `浙02-2026-000123`. */
  reportNo: string;
  /** ISO instant. */
  issuedAt: string;
  /** ISO instant. */
  expiresAt: string;
  policyId: string;
  issuer?: { court: string; jwksUrl: string | null };
  party: {
    /** Masked for a person. */
    name: string;
    kind: 'person' | 'org';
    idType: string;
    /** Masked for a person (`3302**********1234`). */
    idNumber: string;
  };
  classification: {
    color: Color;
    label?: string;
    asOf?: IsoDate;
    since: IsoDate | null;
    until: IsoDate | null;
    basis: string[];
  };
  explanation?: ReportExplanation;
  timeline: { color: Color; from: IsoDate | null; until: IsoDate | null }[];
  records: ReportRecord[];
  /** The court's verification URL without the code; the QR code adds `?code=…` where it is known. */
  verifyUrl?: string | null;
}

/** Why an online verification failed (open: the server may add reasons). */
export type VerificationReason =
  | 'not_found'
  | 'bad_code'
  | 'expired'
  | 'rate_limited'
  | 'malformed'
  | (string & {});

/** The party's color now, compared with the report's. */
export interface ColorNow {
  color: Color;
  label?: string;
  asOf?: IsoDate;
  since?: IsoDate | null;
  changed: boolean;
}

/**
 * The JSON of the public verification route `GET {api}/v1/reports/:reportNo?code=…` (and of
 * `report.verify`). Statuses: 200 valid or expired, 403 wrong code, 404 unknown number, 429 too
 * many wrong codes, 400 malformed.
 */
export interface ReportVerification {
  valid: boolean;
  reason?: VerificationReason;
  report?: Report | null;
  /** The compact JWS, for offline checking with `@fivecolor/client`'s `verifyReport`. */
  signed?: string;
  colorNow?: ColorNow | null;
}
