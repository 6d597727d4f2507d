export type { ParseCaseNumberOptions, ParsedCaseNumber } from './case-number.js';
export { CASE_TYPES, COURT_CODE, parseCaseNumber } from './case-number.js';
export { catalog, catalogVersion } from './catalog.js';
export type { ClassifyOptions } from './classify.js';
export { classify } from './classify.js';
export { COLORS } from './colors.js';
export { addDuration, isIsoDate, parseDuration, toCstDate } from './dates.js';
export type { ExplainedRecord, Explanation } from './explain.js';
export { explain } from './explain.js';
export { COLOR_LABELS, colorLabel, colorMeaning, ID_TYPE_LABELS, idTypeLabel } from './labels.js';
export { maskIdNumber, maskName } from './mask.js';
export { normalizeInput } from './normalize.js';
export type { IdType, ParsedPartyId } from './party-id.js';
export { ID_TYPES, parsePartyId } from './party-id.js';
export { defaultPolicy, NORMAL_CATEGORY, validatePolicy } from './policy.js';
export { timeline } from './timeline.js';
export type {
  Category,
  Classification,
  Color,
  CreditRecord,
  IsoDate,
  Lang,
  Policy,
  TimelineSegment,
} from './types.js';
export type {
  BadgeData,
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
} from './wire.js';
