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
