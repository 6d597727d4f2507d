import type * as wire from '@fivecolor/core/wire';

/**
 * The wire types live in `@fivecolor/core` (`@fivecolor/core/wire`), shared with the API and
 * `@fivecolor/client`. The elements accept them as the API sends them, and also data with fewer
 * fields (an older server, a `.data` or `.report` set by hand): the types below are core's, with
 * the fields the elements can do without made optional, and statuses and reasons left open.
 */
type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type { Color, IsoDate, Lang } from '@fivecolor/core/wire';

/**
 * The JSON of the public badge route `GET {api}/v1/badge/:token` (CORS `*`; 404 for an unknown or
 * revoked token): core's `BadgeData`. The element shows its own localized label instead of `label`,
 * and needs neither `kind`, `since` nor `policyId`.
 */
export interface BadgeData extends Optional<wire.BadgeData, 'kind' | 'since' | 'policyId'> {}

/** Where a record of a report stands on the issue date (open: the server may add statuses). */
export type ReportRecordStatus = wire.ReportRecordStatus | (string & {});

/** A record inside a report: every counting record and every record of the last five years (domain §7). */
export interface ReportRecord
  extends Optional<
    Omit<wire.ReportRecord, 'status'>,
    'color' | 'counting' | 'repairable' | 'repairedBy' | 'objection'
  > {
  status: ReportRecordStatus;
}

/** A counting record of the explanation. */
export interface ReportExplanationRecord extends Optional<wire.ReportExplanationRecord, 'decisive'> {}

/** Why the party has its color (PIPL Art. 24), as `@fivecolor/core`'s `explain()` says it. */
export interface ReportExplanation extends Omit<wire.ReportExplanation, 'records'> {
  records: ReportExplanationRecord[];
}

/**
 * A judicial integrity report (司法诚信报告, domain §7): the payload of the signed JWS and the `report`
 * of online verification (core's `Report`). A natural person's name and id number are masked.
 */
export interface Report
  extends Optional<
    Omit<wire.Report, 'v' | 'classification' | 'explanation' | 'records' | 'iat' | 'exp'>,
    'issuer' | 'verifyUrl'
  > {
  /** Payload format version. */
  v?: number;
  classification: Optional<wire.ReportClassification, 'label' | 'asOf'>;
  explanation?: ReportExplanation;
  records: ReportRecord[];
}

/** Why an online verification failed (open: the server may add reasons). */
export type VerificationReason = wire.VerifyReason | (string & {});

/** The party's color now, compared with the report's. */
export interface ColorNow extends Optional<wire.ColorNow, 'label' | 'asOf' | 'since'> {}

/**
 * The JSON of the public verification route `GET {api}/v1/reports/:reportNo?code=…` (and of
 * `report.verify`): core's `ReportVerification`. Statuses: 200 valid or expired, 403 wrong code,
 * 404 unknown number, 429 too many wrong codes, 400 malformed.
 */
export interface ReportVerification extends Omit<wire.ReportVerification, 'reason' | 'report' | 'colorNow'> {
  reason?: VerificationReason;
  report?: Report | null;
  colorNow?: ColorNow | null;
}
