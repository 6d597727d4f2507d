/**
 * The report's wire types live in `@fivecolor/core` (shared with `@fivecolor/client` and
 * `@fivecolor/elements`); this module keeps the API's imports where they were.
 */
export type {
  ColorNow,
  Report,
  ReportClassification,
  ReportExplanation,
  ReportExplanationRecord,
  ReportIssuer,
  ReportParty,
  ReportRecord,
  ReportRecordStatus,
  ReportVerification,
  VerifyReason,
} from '@fivecolor/core';
