/**
 * What the API sends over the wire (the badge route, reports, online verification) and the small
 * vocabulary that names it: colors, their labels, identifier types. The API builds these shapes and
 * `@fivecolor/client` and `@fivecolor/elements` read them, all from here.
 *
 * Also the entry `@fivecolor/core/wire`: these types and constants without the rest of core (the
 * catalog, classification, identifier checks), for browser bundles that need only the vocabulary.
 *
 * @module
 */
import type { IdType } from './party-id.js';
import type { Color, IsoDate, Lang, TimelineSegment } from './types.js';

export { COLORS } from './colors.js';
export { COLOR_LABELS, colorLabel, ID_TYPE_LABELS, idTypeLabel } from './labels.js';
export type { Color, IdType, IsoDate, Lang, TimelineSegment };

/**
 * The JSON of the public badge route `GET {api}/v1/badge/:token` (CORS `*`; 404 for an unknown or
 * revoked token): masked name, color and how long it holds.
 */
export interface BadgeData {
  color: Color;
  /** The color's label in the requested language (`绿码`, `Green code`). */
  label: string;
  /** The masked name (`章**`); organizations in full. */
  name: string;
  kind: 'person' | 'org';
  /** The date (China Standard Time) the color was computed for. */
  asOf: string;
  /** First date of the uninterrupted run of this color; `null` if it has no start. */
  since: string | null;
  /** Asia/Shanghai date on which the color may change by time alone (exclusive: at 00:00+08:00); `null` if never. */
  until: string | null;
  policyId: string;
  /** Present (`true`) while a record of the party is under objection (异议审查中); the color is unchanged. */
  underObjection?: true;
  /** The court's verification page for this badge (sent when the deployment has a public URL). */
  verifyUrl?: string;
}

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
  /** The exchange source that imported it (shown as 来源：<source>); absent for the court's own records. */
  source?: string;
  effectiveFrom: IsoDate;
  effectiveUntil: IsoDate | null;
  /** Whether the record counts for the color on the issue date. */
  counting: boolean;
  status: ReportRecordStatus;
  repairable: boolean;
  /**
   * The first repair (B01, not revoked, started by the report date) that lifted it, if any: a repair lifts
   * the records it lists for good, also after its own term.
   */
  repairedBy: { recordId: string; effectiveFrom: IsoDate } | null;
  /** The latest objection (异议) against it: `open` keeps it counting, flagged. */
  objection: { status: 'open' | 'upheld' | 'rejected'; filedAt: string } | null;
}

/** The court that issued a report, and where its public keys are. */
export interface ReportIssuer {
  court: string;
  /** The court's `/.well-known/jwks.json`, for offline verification; `null` without a public URL. */
  jwksUrl: string | null;
}

/** The party a report is about: a natural person's name and id number masked, an organization's in full. */
export interface ReportParty {
  kind: 'person' | 'org';
  /** One of `ID_TYPES` (`RESIDENT_ID`, `USCC` …). */
  idType: string;
  name: string;
  /** Masked for a person (`3302**********1234`). */
  idNumber: string;
}

/** The party's color on the issue date. */
export interface ReportClassification {
  color: Color;
  /** The color's label (zh-CN). */
  label: string;
  asOf: IsoDate;
  /** First date of the uninterrupted run of this color; `null` if it has no start. */
  since: IsoDate | null;
  /** First date after `asOf` on which the color changes; `null` if never. */
  until: IsoDate | null;
  /** Ids of the records that decide the color (empty for green). */
  basis: string[];
}

/** A counting record of the explanation, or one in its own term that a repair lifted (its remedy says 已修复). */
export interface ReportExplanationRecord {
  recordId: string;
  category: string;
  name: string;
  legalBasis: string;
  /** The day it stops counting (its term's end, or the first day of a repair); `null` if indefinite. */
  countsUntil: IsoDate | null;
  /** Whether this record decides the color (it is in the classification's `basis`). */
  decisive: boolean;
  /**
   * For a red or yellow record: how it can be repaired, or when it ends, or that it was repaired and on
   * which day; otherwise `null`.
   */
  remedy: string | null;
}

/** Why the party has its color (PIPL Art. 24), in zh-CN: summary, counting records, legal basis, how to repair. */
export interface ReportExplanation {
  summary: string;
  records: ReportExplanationRecord[];
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
  /** ISO instant (default: 30 days after issue); the report is not valid from then on. */
  expiresAt: string;
  policyId: string;
  issuer: ReportIssuer;
  party: ReportParty;
  classification: ReportClassification;
  explanation: ReportExplanation;
  timeline: TimelineSegment[];
  records: ReportRecord[];
  /** The online verification URL without the code (`?code=…` is added where the code is known). */
  verifyUrl: string | null;
  /** JWT-style numeric dates of `issuedAt` / `expiresAt`. */
  iat: number;
  exp: number;
}

/** Why an online verification did not succeed. */
export type VerifyReason = 'not_found' | 'bad_code' | 'expired' | 'rate_limited' | 'malformed';

/** The party's color now, and whether it changed since the report was issued. */
export interface ColorNow {
  color: Color;
  /** The color's label (zh-CN). */
  label: string;
  asOf: IsoDate;
  since: IsoDate | null;
  changed: boolean;
}

/**
 * The answer of online verification (`report.verify`, `GET /v1/reports/:reportNo?code=…`). Statuses
 * of the route: 200 valid or expired, 403 wrong code, 404 unknown number, 429 too many wrong codes,
 * 400 malformed.
 */
export interface ReportVerification {
  valid: boolean;
  reason?: VerifyReason;
  report: Report | null;
  /** The compact JWS, for offline checking with the JWKS (`@fivecolor/client`'s `verifyReport`). */
  signed?: string;
  /** The party's color now, and whether it changed since the report was issued. */
  colorNow: ColorNow | null;
}
