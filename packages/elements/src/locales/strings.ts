import type { Color, Lang } from '../types.js';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

/** Every user-visible text of the elements, in one language. */
export interface Strings {
  lang: Lang;
  colors: Record<Color, string>;
  meanings: Record<Color, string>;
  /** The badge's header: the code's name. */
  code: string;
  loading: string;
  unavailable: string;
  unavailableHint: string;
  stale: string;
  /** Before a `YYYY-MM-DD HH:mm` time in China Standard Time or a date. */
  asOf: (when: string) => string;
  /** Shown while a record of the party is under objection (the color is unchanged). */
  underObjection: string;
  verifyLink: string;
  newWindow: string;
  // verify form
  colon: string;
  verifyTitle: string;
  reportNo: string;
  verificationCode: string;
  codeHint: string;
  submit: string;
  verifying: string;
  required: (field: string) => string;
  codeLength: string;
  valid: string;
  invalid: string;
  expired: string;
  reasons: Record<string, string>;
  networkError: string;
  colorAtIssue: (label: string) => string;
  colorChanged: (label: string) => string;
  colorUnchanged: string;
  // report
  reportTitle: string;
  issuedAt: string;
  expiresAt: string;
  policy: string;
  party: string;
  name: string;
  kind: Record<'person' | 'org', string>;
  kindLabel: string;
  idNumber: string;
  idTypes: Record<string, string>;
  classification: string;
  color: string;
  since: string;
  until: string;
  open: string;
  noStart: string;
  to: string;
  present: string;
  indefinite: string;
  explanation: string;
  timeline: string;
  from: string;
  records: string;
  noRecords: string;
  category: string;
  legalBasis: string;
  court: string;
  caseNumber: string;
  effective: string;
  status: string;
  statuses: Record<string, string>;
  colorNow: string;
  printNote: string;
  qrLabel: string;
  qrCaption: string;
  repairedOn: (date: string) => string;
  /** An imported record's source, e.g. 来源：信用宁波. */
  sourceOf: (source: string) => string;
  objection: Record<string, string>;
  listSep: string;
}

/**
 * The strings for a `lang` value: English for `en` and `en-*`, Chinese (zh-CN) otherwise.
 *
 * @example
 * strings('en').colors.gold; // 'Gold code'
 */
export const strings = (lang: string | null | undefined): Strings => (/^en\b/i.test(lang ?? '') ? en : zhCN);
