export { accessKind, FivecolorAccessLog } from './access-log/access-log.js';
export type { BadgeErrorReason, BadgeState } from './badge/badge.js';
export { FivecolorBadge } from './badge/badge.js';
export type { Bank } from './consents/consents.js';
export { FivecolorConsents } from './consents/consents.js';
export { en } from './locales/en.js';
export type { AccessKind, PortalStrings, RecordStatus } from './locales/portal-strings.js';
export { portalStrings } from './locales/portal-strings.js';
export type { Strings } from './locales/strings.js';
export { strings } from './locales/strings.js';
export { zhCN } from './locales/zh-CN.js';
export { FivecolorPartyRecords } from './party-records/party-records.js';
export { recordStatus } from './party-records/record-status.js';
export type { ReportState } from './report/report.js';
export { FivecolorReport } from './report/report.js';
export { FivecolorReportIssuer } from './report-issuer/report-issuer.js';
export type {
  BadgeData,
  Color,
  ColorNow,
  IsoDate,
  Lang,
  Report,
  ReportExplanation,
  ReportExplanationRecord,
  ReportRecord,
  ReportRecordStatus,
  ReportVerification,
  VerificationReason,
} from './types.js';
export type { PastedReport } from './verify/parse-pasted.js';
export { parsePasted } from './verify/parse-pasted.js';
export { FivecolorVerify } from './verify/verify.js';
