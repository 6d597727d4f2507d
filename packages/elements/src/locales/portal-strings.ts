import type { Lang } from '../types.js';
import { portalEn } from './portal-en.js';
import { portalZhCN } from './portal-zh-CN.js';

/** The words of the litigant self-service elements (records, reports, consents, who looked), in one language. */
export interface PortalStrings {
  lang: Lang;
  colon: string;
  loading: string;
  retry: string;
  networkError: string;
  serverError: (message: string) => string;
  /** The server failed (not a refusal of what was sent): said without its own words, which are not the user's language. */
  serverFailed: string;
  sessionMissing: string;
  sessionRefused: string;
  required: (field: string) => string;
  // my records
  recordsTitle: string;
  codeNow: string;
  timelineTitle: string;
  timelineLabel: string;
  segment: (label: string, from: string, until: string) => string;
  noStart: string;
  present: string;
  noRecords: string;
  category: string;
  legalBasis: string;
  court: string;
  caseNumber: string;
  term: string;
  indefinite: string;
  status: string;
  source: string;
  sources: Record<string, string>;
  statuses: Record<RecordStatus, string>;
  explanation: string;
  object: string;
  objectFor: (what: string) => string;
  objectionReason: string;
  objectionHint: string;
  submitObjection: string;
  submitting: string;
  cancel: string;
  objectionFiled: (due: string) => string;
  /** Filing refused because the record changed meanwhile (an objection already open, revoked): it was reloaded. */
  recordChanged: string;
  objectionOpen: (filed: string, due: string) => string;
  objectionOverdue: string;
  decisions: Record<'upheld' | 'rejected', string>;
  decisionOn: (decision: string, on: string) => string;
  decisionReason: string;
  yourReason: string;
  // reports
  reportsTitle: string;
  purpose: string;
  purposeHint: string;
  issue: string;
  issuing: string;
  issued: (reportNo: string) => string;
  codeOnce: string;
  reportNo: string;
  verificationCode: string;
  print: string;
  downloadPdf: string;
  newWindow: string;
  copy: string;
  copied: string;
  copyFailed: string;
  handOver: (reportNo: string, code: string) => string;
  previousReports: string;
  noReports: string;
  issuedAt: string;
  expiresAt: string;
  colorAtIssue: string;
  valid: string;
  expired: string;
  // consents
  consentsTitle: string;
  consentsAbout: string;
  bank: string;
  chooseBank: string;
  noBanks: string;
  scopes: string;
  scopeWords: Record<'code' | 'report', string>;
  until: string;
  untilHint: string;
  grant: string;
  granting: string;
  granted: (bank: string, until: string) => string;
  revoke: string;
  revokeFor: (bank: string) => string;
  revoking: string;
  revoked: (bank: string) => string;
  noConsents: string;
  consentState: Record<'active' | 'revoked' | 'ended', string>;
  untilPast: (today: string) => string;
  untilTooFar: string;
  pickScope: string;
  bankUnknown: string;
  // who looked
  accessTitle: string;
  accessAbout: string;
  kind: string;
  kinds: Record<AccessKind | 'all', string>;
  when: string;
  who: string;
  what: string;
  roles: Record<string, string>;
  actions: Record<string, string>;
  noAccess: string;
  more: string;
  exportJson: string;
  exportPdf: string;
  exporting: string;
  exported: string;
  shown: (n: number) => string;
}

/** Where a record stands today, as the litigant sees it. */
export type RecordStatus =
  | 'active'
  | 'repaired'
  | 'expired'
  | 'objected'
  | 'archived'
  | 'revoked'
  | 'pending';

/** Who read the party's data: court staff, a bank, a verification of a report, the party itself, other. */
export type AccessKind = 'court' | 'bank' | 'verification' | 'self' | 'other';

/** The portal strings for a `lang` value: English for `en` and `en-*`, Chinese (zh-CN) otherwise. */
export const portalStrings = (lang: string | null | undefined): PortalStrings =>
  /^en\b/i.test(lang ?? '') ? portalEn : portalZhCN;
