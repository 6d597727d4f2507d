export { catalog, catalogVersion } from './catalog.js';
export { classify } from './classify.js';
export type { ClassifyOptions } from './classify.js';
export { addDuration, isIsoDate, parseDuration, toCstDate } from './dates.js';
export { explain } from './explain.js';
export type { ExplainedRecord, Explanation } from './explain.js';
export { colorLabel, colorMeaning } from './labels.js';
export { COLORS, NORMAL_CATEGORY, defaultPolicy, validatePolicy } from './policy.js';
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
export { CASE_TYPES, parseCaseNumber } from './case-number.js';
export type { ParsedCaseNumber } from './case-number.js';
export { maskIdNumber, maskName } from './mask.js';
export { normalizeInput } from './normalize.js';
export { ID_TYPES, parsePartyId } from './party-id.js';
export type { IdType, ParsedPartyId } from './party-id.js';
