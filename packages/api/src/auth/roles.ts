/** The roles of the contract. */
export const ROLES = [
  'admin',
  'clerk',
  'judge',
  'enforcement',
  'bank',
  'exchange',
  'portal',
  'party',
] as const;
export type Role = (typeof ROLES)[number];

const COURT_READ: Role[] = ['admin', 'clerk', 'judge', 'enforcement'];
/** Every role but `portal`, whose key does one thing only: mint party sessions. */
const ALL: Role[] = ROLES.filter((r) => r !== 'portal');

/**
 * Which roles may call each procedure. A procedure missing here is denied to everyone (deny by
 * default). Finer rules are checked inside procedures: court scoping for writes, `party` only for
 * its own party, `bank` only under the party's consent, `G01` only for `enforcement`.
 *
 * @example
 * roleTable['record.repair']; // ['enforcement']
 */
export const roleTable: Readonly<Record<string, readonly Role[]>> = {
  'party.register': ['clerk', 'judge', 'enforcement'],
  'party.lookup': COURT_READ,
  'party.get': [...COURT_READ, 'party', 'bank'],
  'party.timeline': [...COURT_READ, 'party'],
  'party.export': [...COURT_READ, 'party'],
  'party.screen': ['clerk', 'judge', 'enforcement'],
  'party.screenings': COURT_READ,
  // A screened case marked for the trial judge, and the marked cases of the key's courts: court keys only.
  'party.markCase': ['clerk', 'judge', 'enforcement'],
  'party.markedCases': ['clerk', 'judge', 'enforcement'],
  'party.caseHistory': COURT_READ,
  // Exact full name among the parties the key's courts have seen (records or screenings): court keys only.
  'party.search': ['clerk', 'judge', 'enforcement'],
  // Only the online-service portal, which has authenticated the litigant itself: a session acts as the
  // party (badge tokens, reports, consent.grant), so no court key may mint one.
  'party.issueSession': ['portal'],
  'party.issueBadgeToken': ['judge', 'enforcement', 'party'],
  'party.revokeBadgeToken': ['judge', 'enforcement', 'party'],
  'record.create': ['judge', 'enforcement'],
  'record.list': [...COURT_READ, 'party'],
  'record.revoke': ['judge', 'enforcement'],
  'record.amend': ['judge', 'enforcement'],
  'record.repair': ['enforcement'],
  // The party itself, or a judge / enforcement filing a written objection on its behalf.
  'objection.file': ['party', 'judge', 'enforcement'],
  'objection.resolve': ['judge', 'enforcement'],
  'objection.list': [...COURT_READ, 'party'],
  'report.issue': ['judge', 'enforcement', 'party', 'bank'],
  'report.verify': ALL,
  'report.list': [...COURT_READ, 'party'],
  'consent.grant': ['party'],
  'consent.revoke': ['party'],
  'consent.list': ['admin', 'party', 'bank'],
  // What a litigant chooses from when granting consent (no personal data: bank organizations).
  'consent.banks': [...COURT_READ, 'party'],
  'stats.summary': COURT_READ,
  'stats.series': COURT_READ,
  'exchange.changes': ['admin', 'exchange', 'bank'],
  'exchange.import': ['exchange'],
  'webhook.create': ['exchange', 'bank'],
  'webhook.list': ['admin', 'exchange', 'bank'],
  'webhook.delete': ['admin', 'exchange', 'bank'],
  'webhook.deliveries': ['admin', 'exchange', 'bank'],
  'webhook.replay': ['admin', 'exchange', 'bank'],
  'policy.get': ALL,
  'policy.simulate': ['admin'],
  'audit.list': ['admin', 'party'],
  'apiKey.create': ['admin'],
  'apiKey.list': ['admin'],
  'apiKey.revoke': ['admin'],
  'apiKey.whoami': ROLES,
  'audit.verify': ['admin'],
};

/** Whether `role` may call `path` according to `roleTable` (unknown paths: never). */
export function isAllowed(path: string, role: Role): boolean {
  return Object.hasOwn(roleTable, path) && (roleTable[path] ?? []).includes(role);
}

/** A court code (core's `COURT_CODE`): `最高法`, or a high court's abbreviation alone or with 2 or 4 digits. */
export { COURT_CODE } from '@fivecolor/core';
export const COURT_CODE_RULE =
  'must be a court code: 最高法, or a high-court abbreviation (京, 浙, 粤 … 军, 兵) alone or with 2 or 4 digits (浙, 浙02, 浙0212)';

/** The roles that act for a court: their keys must name it. */
const COURT_ROLES: readonly Role[] = ['clerk', 'judge', 'enforcement'];
/** Whether a key of `role` acts for the court it names (a bank's or a partner's court only says where it is). */
export const actsForCourt = (role: Role) => COURT_ROLES.includes(role);
export const lacksRequiredCourt = (role: Role, court: string | undefined) =>
  court === undefined && actsForCourt(role);
export const COURT_REQUIRED_RULE =
  'is required for a clerk, judge or enforcement key: the court it writes for (浙0212, or 浙02 for it and the courts under it)';

/** The Supreme People's Court: the court above every court. */
export const SUPREME_COURT = '最高法';

/**
 * Court scoping: a key for `浙02` covers `浙02` and every court under it (`浙0212`), a key for `最高法`
 * every court; a key without a court writes for none (deny by default).
 */
export function courtCovers(keyCourt: string | null, court: string): boolean {
  return keyCourt !== null && (keyCourt === SUPREME_COURT || court.startsWith(keyCourt));
}

/** The SQL `like` pattern of the courts a key's court covers ({@link courtCovers}). */
export const coveredCourts = (keyCourt: string) => (keyCourt === SUPREME_COURT ? '%' : `${keyCourt}%`);
