import { addDuration, isIsoDate, type Policy, parseCaseNumber, parsePartyId } from '@fivecolor/core';
import { type SQL, sql } from 'drizzle-orm';
import { COURT_CODE, COURT_CODE_RULE } from '../auth/roles.js';
import {
  CONTROL,
  GARBLED_AS_GBK,
  GARBLED_RULE,
  LONE_SURROGATE,
  PARTY_NAME_MAX,
  REPAIRS_MAX,
  REPLACEMENT_CHAR,
} from '../trpc/validators.js';

/** The columns of a bulk-import file, in the order a CSV file gives them. */
export const IMPORT_COLUMNS = [
  'externalId',
  'kind',
  'idType',
  'idNumber',
  'name',
  'category',
  'court',
  'caseNumber',
  'effectiveFrom',
  'effectiveUntil',
  'note',
  'repairs',
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** A row of a bulk-import file, checked and normalized. */
export interface ImportRow {
  /** Where it is in the file (1-based; a CSV file's header is line 1). */
  line: number;
  externalId: string;
  kind: 'person' | 'org';
  idType: string;
  idNumber: string;
  name: string;
  category: string;
  court: string;
  /** As written for a pre-2016 number; normalized (full-width parentheses) for the 2015 format. */
  caseNumber: string;
  effectiveFrom: string;
  /** Resolved: given, or the category's default duration; `null` indefinite. */
  effectiveUntil: string | null;
  /** Left empty: `effectiveUntil` is the category's default term under the active policy. */
  untilDefaulted: boolean;
  note: string | null;
  /** External ids (of this source) of the records a repair (blue) lifts. */
  repairs: string[];
}

/** What is wrong with a row: the column and the rule (never the value, which may be personal data). */
export interface ImportProblem {
  column: ImportColumn | 'line';
  rule: string;
}

const ORG_TYPES = new Set(['USCC']);

/**
 * A date as a court's spreadsheet writes it: `YYYY-MM-DD`, or `YYYY/M/D` (month and day with or without
 * a leading zero). Returns the ISO date, or null when it is neither or not a real date.
 */
export function parseImportDate(s: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s) ?? /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(s);
  if (!m) return null;
  const iso = `${m[1]}-${(m[2] as string).padStart(2, '0')}-${(m[3] as string).padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : null;
}

let yearAfterToday = ['', ''];
/** `addDuration(today, 'P1Y')`, computed once a day rather than once a row. */
function yearAfter(today: string): string {
  if (yearAfterToday[0] !== today) yearAfterToday = [today, addDuration(today, 'P1Y')];
  return yearAfterToday[1] as string;
}

/** Text converted with a wrong encoding before the file was made: U+FFFD, or its bytes read as GBK. */
const garbled = (t: string) => t.includes(REPLACEMENT_CHAR) || t.includes(GARBLED_AS_GBK);

const DATE_RULE = 'must be a date YYYY-MM-DD or YYYY/M/D (e.g. 2024-03-01 or 2024/3/1)';
const UNPAIRED = 'must be well-formed Unicode (no unpaired surrogate)';
const REPAIRS_RULE = 'must be external ids separated by ; (or a JSON array of text)';
/** A category code's shape: a value of another shape (a name, in a column moved) is not quoted back. */
const CODE_LIKE = /^[A-Z]\d{2}$/;

/**
 * ` "name"` for an unknown column whose name could be one (ASCII letters, digits and `_`, at most 40,
 * at most 4 of them digits), else nothing: a file without a header line would otherwise have its first
 * row's values, identity numbers among them, quoted back — a passport's or a permit's (`E12345678`,
 * `H1234567801`) has the shape of a name but for its digits.
 */
export function columnNamed(name: string): string {
  return /^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(name) && !/(?:\d\D*){5}/.test(name)
    ? ` ${JSON.stringify(name)}`
    : '';
}

/** White space as JavaScript's `\s` counts it, spelled out so that `caseKeySql` removes the same. */
const SPACE = '\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
const SPACES = new RegExp(`[${SPACE}]`, 'g');

/**
 * A case number as "the same record" compares it: as core normalizes one of the 2015 format (white space
 * removed, ASCII parentheses full-width, full-width digits ASCII). A pre-2016 number is kept as written,
 * and two exports of one history write it differently (`(2015)甬民二终字第123号`, `（2015）甬民二终字第１２３号`).
 * {@link caseKeySql} is the same in SQL.
 */
export function caseKey(caseNumber: string): string {
  return caseNumber
    .replace(SPACES, '')
    .replace(/[()０-９]/g, (c) => (c === '(' ? '（' : c === ')' ? '）' : String(c.charCodeAt(0) - 0xff10)));
}

/** {@link caseKey} of a text column or value in SQL. */
export const caseKeySql = (text: SQL): SQL =>
  sql`translate(regexp_replace(${text}, ${`[${SPACE}]`}, '', 'g'), '()０１２３４５６７８９', '（）0123456789')`;

/**
 * Checks one row of a bulk-import file (a CSV row's fields or an NDJSON object) against the rules the
 * API applies to `party.register` and `record.create`: identity (core's `parsePartyId`), catalog
 * category of `policy`, court code, case number (core's `parseCaseNumber`, the pre-2016 format kept as
 * written), dates (`YYYY-MM-DD` or `YYYY/M/D`, the end after the start, the start at most a year after
 * `today`). An empty `effectiveUntil` takes the category's default duration; `indefinite` (or JSON
 * `null`) means no end. `repairs`: external ids separated by `;` (or a JSON array), only for a repair.
 *
 * @example
 * checkImportRow({ externalId: 'A-1', kind: 'person', idType: 'RESIDENT_ID', … }, 2, { policy, today: '2026-12-01' });
 * // { ok: true, row: { line: 2, externalId: 'A-1', …, effectiveUntil: '2029-03-01' } }
 */
export function checkImportRow(
  raw: Record<string, unknown>,
  line: number,
  ctx: { policy: Policy; today: string },
): { ok: true; row: ImportRow } | { ok: false; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const bad = (column: ImportColumn, rule: string) => {
    problems.push({ column, rule });
    return undefined;
  };
  const str = (column: ImportColumn, max: number, required = true): string | undefined => {
    const v = raw[column];
    if (v === undefined || v === null || v === '') return required ? bad(column, 'is required') : undefined;
    if (typeof v !== 'string') return bad(column, 'must be text');
    const t = v.trim();
    if (t === '') return required ? bad(column, 'is required') : undefined; // blank: as a CSV's empty cell
    if (t.length > max) return bad(column, `must be at most ${max} characters`);
    if (CONTROL.test(t)) return bad(column, 'must not contain control characters');
    if (LONE_SURROGATE.test(t)) return bad(column, UNPAIRED);
    // The file's own check finds U+FFFD as written; an NDJSON escape (\ufffd) reaches only here.
    if (garbled(t)) return bad(column, GARBLED_RULE);
    return t;
  };
  const externalId = str('externalId', 128);
  const kind = str('kind', 10);
  if (kind !== undefined && kind !== 'person' && kind !== 'org') bad('kind', "must be 'person' or 'org'");
  const idType = str('idType', 32);
  const idNumber = str('idNumber', 64);
  let id: { idType: string; idNumber: string } | undefined;
  if (idType !== undefined && idNumber !== undefined) {
    const r = parsePartyId(idType, idNumber);
    if (r.ok) id = r;
    else {
      const column = r.error.startsWith('idType') ? 'idType' : 'idNumber';
      bad(column, r.error.slice(column.length + 2));
    }
  }
  if (id && (kind === 'person' || kind === 'org') && (kind === 'org') !== ORG_TYPES.has(id.idType))
    bad('kind', `must be '${ORG_TYPES.has(id.idType) ? 'org' : 'person'}' for idType ${id.idType}`);
  const name = str('name', PARTY_NAME_MAX);

  const code = str('category', 8);
  const cat = code === undefined ? undefined : ctx.policy.categories.find((c) => c.code === code);
  if (code !== undefined && !cat)
    bad(
      'category',
      `unknown category${CODE_LIKE.test(code) ? ` ${code}` : ''}; use a catalog code (R01…G01)`,
    );
  else if (cat?.color === 'green')
    bad('category', `${cat.code} (normal status) is the implicit state of every party, never a record`);

  const court = str('court', 16);
  if (court !== undefined && !COURT_CODE.test(court)) bad('court', COURT_CODE_RULE);

  let caseNumber: string | undefined;
  const caseText = str('caseNumber', 64);
  if (caseText !== undefined) {
    const r = parseCaseNumber(caseText, { legacy: true });
    if (r.ok) caseNumber = r.value;
    else bad('caseNumber', r.error.replace(/^caseNumber: /, ''));
  }

  let effectiveFrom: string | undefined;
  const fromText = str('effectiveFrom', 40); // longer text (a time of day) gets the date rule, not a length
  if (fromText !== undefined) {
    effectiveFrom = parseImportDate(fromText) ?? bad('effectiveFrom', DATE_RULE);
    const limit = yearAfter(ctx.today);
    if (effectiveFrom !== undefined && effectiveFrom > limit)
      effectiveFrom = bad('effectiveFrom', `must be at most one year after today (${limit})`);
  }
  let effectiveUntil: string | null | undefined;
  let untilDefaulted = false;
  const untilRaw = raw.effectiveUntil;
  if (untilRaw === null || (typeof untilRaw === 'string' && untilRaw.trim().toLowerCase() === 'indefinite'))
    effectiveUntil = null;
  else {
    const untilText = str('effectiveUntil', 40, false);
    if (untilText !== undefined)
      effectiveUntil = parseImportDate(untilText) ?? bad('effectiveUntil', DATE_RULE);
    else if (cat && effectiveFrom !== undefined) {
      untilDefaulted = true;
      effectiveUntil = cat.duration === null ? null : addDuration(effectiveFrom, cat.duration);
    }
    if (effectiveUntil && effectiveFrom !== undefined && effectiveUntil <= effectiveFrom)
      effectiveUntil = bad('effectiveUntil', 'must be after effectiveFrom (the interval is [from, until))');
  }
  const note = str('note', 2000, false) ?? null;

  let repairs: string[] = [];
  const rep = raw.repairs;
  // Text, or a JSON array of text; anything else is told once, not also as a repair listing nothing.
  const malformed =
    rep !== undefined &&
    rep !== null &&
    typeof rep !== 'string' &&
    !(Array.isArray(rep) && rep.every((r) => typeof r === 'string'));
  if (malformed) bad('repairs', REPAIRS_RULE);
  else if (Array.isArray(rep)) repairs = rep.map((s: string) => s.trim());
  else if (typeof rep === 'string' && rep.trim() !== '') repairs = rep.split(';').map((s) => s.trim());
  if (repairs.some((r) => r === '' || r.length > 128)) bad('repairs', 'an external id is empty or too long');
  if (repairs.some((r) => CONTROL.test(r))) bad('repairs', 'must not contain control characters');
  if (repairs.some((r) => LONE_SURROGATE.test(r))) bad('repairs', UNPAIRED);
  if (repairs.some(garbled)) bad('repairs', GARBLED_RULE);
  if (repairs.length > REPAIRS_MAX) bad('repairs', `must list at most ${REPAIRS_MAX} external ids`);
  if (new Set(repairs).size !== repairs.length) bad('repairs', 'lists an external id twice');
  if (cat?.color === 'blue' && repairs.length === 0 && !malformed)
    bad('repairs', `${cat.code} is a credit repair: list the external ids of the records it repairs`);
  if (cat && cat.color !== 'blue' && repairs.length > 0)
    bad('repairs', `only a credit repair lists records; ${cat.code} is ${cat.color}`);
  if (externalId !== undefined && repairs.includes(externalId))
    bad('repairs', 'a record cannot repair itself');

  for (const k of Object.keys(raw))
    if (!(IMPORT_COLUMNS as readonly string[]).includes(k))
      problems.push({ column: 'line', rule: `unknown column${columnNamed(k)}` });

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    row: {
      line,
      externalId: externalId as string,
      kind: kind as 'person' | 'org',
      idType: (id as { idType: string }).idType,
      idNumber: (id as { idNumber: string }).idNumber,
      name: name as string,
      category: (cat as { code: string }).code,
      court: court as string,
      caseNumber: caseNumber as string,
      effectiveFrom: effectiveFrom as string,
      effectiveUntil: effectiveUntil as string | null,
      untilDefaulted,
      note,
      repairs,
    },
  };
}
