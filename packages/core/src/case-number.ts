import { toCstDate } from './dates.js';

/**
 * Court abbreviations of the high courts (SPC 2015 案号 rules): the province abbreviation, `内` for Inner
 * Mongolia, `军` for the PLA Military Court and `兵` for the Xinjiang Production and Construction Corps branch.
 */
const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋内陕吉闽贵粤青藏川宁琼军兵';

/**
 * A court code as case numbers write it: `最高法`, or a high court's abbreviation (`PROVINCES`) alone or
 * with the 2 digits of an intermediate court or the 4 of a basic court (`浙`, `浙02`, `浙0212`).
 *
 * @example
 * COURT_CODE.test('浙0212'); // true
 * COURT_CODE.test('猫'); // false: not a high court's abbreviation
 */
export const COURT_CODE: RegExp = new RegExp(`^(最高法|[${PROVINCES}](\\d{2}|\\d{4})?)$`);

/**
 * Case-type codes (类型代字) of the SPC 2015 standard 《人民法院案件类型及其代字标准》 and later additions
 * (pre-litigation mediation, intellectual-property tribunal, protection orders), plus the short forms
 * `赔`, `司救` and `诉前调` still seen in records.
 */
export const CASE_TYPES: readonly string[] = [
  // jurisdiction
  ...'刑辖 民辖 民辖终 民辖监 行辖 行辖终 赔辖 赔辖终'.split(' '),
  // criminal
  ...'刑初 刑终 刑监 刑申 刑抗 刑再 刑没 刑核 刑医 刑医解 刑医复 刑医监'.split(' '),
  ...'刑止 刑止调 刑止核 刑更 刑更监 刑更备 刑他'.split(' '),
  // civil
  ...'民初 民终 民监 民申 民抗 民再 民撤 民特 民特监 民催 民督 民督监 民他'.split(' '),
  ...'民保令 民保更 民诉前调 诉前调'.split(' '),
  // intellectual-property tribunal of the SPC
  ...'知民初 知民终 知民辖终 知民申 知民再 知行初 知行终 知行申 知行再'.split(' '),
  // administrative
  ...'行初 行终 行监 行申 行抗 行再 行审 行审复 行他'.split(' '),
  // state compensation
  ...'行赔初 行赔终 行赔监 行赔申 行赔抗 行赔再 行赔他 法赔 委赔 委赔监 委赔提'.split(' '),
  ...'委赔再 赔确监 赔他 赔'.split(' '),
  // judicial aid (司法救助)
  ...'司救 司救刑 司救民 司救行 司救赔 司救执 司救访 司救他'.split(' '),
  // Hong Kong, Macao, Taiwan
  ...'认台 认港 认澳 认复 认他 请台送 请港送 请澳送 台请送 港请送 澳请送 请台调'.split(' '),
  ...'请港调 请澳调 台请调 港请调 澳请调 请移管 助移管 请移赃 助移赃'.split(' '),
  // international
  ...'协外认 协他 协外送 请外送 协外调 请外调 请外移 协外移 请外引 协外引'.split(' '),
  // judicial sanctions, preservation
  ...'司惩 司惩复 财保 行保 行保复 证保'.split(' '),
  // enforcement
  ...'执 执恢 执保 执异 执复 执监 执协 执他'.split(' '),
  // liquidation and bankruptcy
  ...'强清 清申 清终 清监 破申 破 破终 破监'.split(' '),
];
const TYPE_SET = new Set(CASE_TYPES);

const EXAMPLE = 'e.g. （2022）浙0212民初123号';
const TYPE_MISSING = 'case-type code missing after the court code, e.g. 民初';

/**
 * The result of {@link parseCaseNumber}. `legacy` is `true` for a pre-2016 number (`字第`, read only with
 * `{ legacy: true }`) and absent for a number of the 2015 format.
 */
export type ParsedCaseNumber =
  | { ok: true; value: string; year: number; court: string; type: string; seq: number; legacy?: true }
  | { ok: false; error: string };

/** Options of {@link parseCaseNumber}. */
export interface ParseCaseNumberOptions {
  /** Also accept the pre-2016 format, `（2015）甬民二终字第123号`, kept as written. */
  legacy?: boolean;
}

/** Numerals, parentheses and 之: what may follow 号 (`之一`), and part of what a case number holds. */
const NUMERALS = '0123456789一二三四五六七八九十（）()之';
const fail = (rule: string): ParsedCaseNumber => ({ ok: false, error: `caseNumber: ${rule}` });
/** The characters a case number is made of; an error quotes only these (anything else may be a name). */
const CASE_CHARS = new Set(`${NUMERALS}号字第最高法${PROVINCES}${CASE_TYPES.join('')}`);

/**
 * What may follow 号 in a case number written otherwise (`之一`); text there is more often a name pasted
 * with it, and names can be made of a case number's characters (高军: 最高法's 高, 军's court).
 */
const AFTER_CHARS = new Set(NUMERALS);

/**
 * Up to 12 characters of `s` for an error message, each character not in `chars` (by default those a case
 * number can hold) as `*`, and of a run of 6 digits or more (longer than any part of a case number but its
 * sequence: it may be an identity number typed into the field) only the first 2.
 */
const quote = (s: string, chars = CASE_CHARS): string =>
  JSON.stringify(
    [...s]
      .slice(0, 12)
      .map((ch) => (chars.has(ch) ? ch : '*'))
      .join('')
      .replace(/\d{6,}/g, (run) => run.slice(0, 2).padEnd(run.length, '*')),
  );

/**
 * Validates a court case number (案号) under the SPC 2015 rules: `（year）court type seq号`.
 *
 * Input is normalized first: white space removed, ASCII parentheses → full-width `（）`, full-width
 * digits → ASCII. Then:
 * - year: 4 digits in `（）`, 1949 to next year (Asia/Shanghai);
 * - court: `最高法`, or a high-court abbreviation (province abbreviation, `内`, `军`, `兵`) alone or followed
 *   by 2 digits (intermediate court, `浙02`) or 4 digits (basic court, `浙0212`);
 * - type: one of {@link CASE_TYPES};
 * - sequence: a positive integer without leading zeros, at most 9 digits, then `号`.
 * Never throws; errors name the part that is wrong.
 *
 * With `{ legacy: true }` a number of the format used before 2016, `（year）court type字第seq号`, is accepted
 * too (any input holding `字` or `第` is read as one): year 1949–2016 in `（）` or `()`; court and type in
 * Chinese characters, the court possibly empty (the Supreme People's Court wrote none); `字第`; 1–9 digits,
 * not all zero; `号`. `value` is the input as written, only trimmed; `court` is the text before the case
 * type (the first of 民刑行执赔商知破立审监申委司认请协提) and `type` the text from it up to `字第` — a best-effort split,
 * since the format has no separator. The result carries `legacy: true`.
 *
 * @example
 * parseCaseNumber('(2022)浙0212刑初123号');
 * // { ok: true, value: '（2022）浙0212刑初123号', year: 2022, court: '浙0212', type: '刑初', seq: 123 }
 * parseCaseNumber('（2022）浙0212民x123号');
 * // { ok: false, error: 'caseNumber: unknown case-type code "民x"; use a code such as 民初, 民终, 刑初, 执 or 执恢' }
 */
export function parseCaseNumber(s: string, options: ParseCaseNumberOptions = {}): ParsedCaseNumber {
  if (typeof s !== 'string') return fail('must be a string');
  const t = s
    .replace(/\s+/g, '')
    .replace(/\(/g, '（')
    .replace(/\)/g, '）')
    .replace(/[０-９]/g, (d) => String(d.charCodeAt(0) - 0xff10));
  if (t === '') return fail(`required, ${EXAMPLE}`);
  if (options.legacy === true && /[字第]/.test(t)) return parseLegacy(s.trim(), t);
  const year = parseYear(t, Number(toCstDate(new Date()).slice(0, 4)) + 1, EXAMPLE);
  if (typeof year !== 'number') return year;

  let rest = t.slice(t.indexOf('）') + 1);
  let court: string;
  if (rest.startsWith('最高法')) court = '最高法';
  else if (rest[0] !== undefined && PROVINCES.includes(rest[0])) court = rest[0];
  else
    return fail(`court code must start with a province abbreviation (e.g. 浙) or 最高法, got ${quote(rest)}`);
  rest = rest.slice(court.length);
  const digits = /^\d*/.exec(rest)![0];
  const afterDigits = rest.slice(digits.length);
  if (afterDigits === '' || afterDigits[0] === '号') return fail(TYPE_MISSING);
  if (court === '最高法' ? digits !== '' : ![0, 2, 4].includes(digits.length)) {
    return fail(
      `court code must be 最高法, or a province abbreviation alone or with 2 or 4 digits (浙, 浙02, 浙0212), got ${quote(court + digits)}`,
    );
  }
  court += digits;
  rest = afterDigits;

  const type = /^[^\d号]*/.exec(rest)![0];
  if (!TYPE_SET.has(type))
    return fail(`unknown case-type code ${quote(type)}; use a code such as 民初, 民终, 刑初, 执 or 执恢`);
  rest = rest.slice(type.length);

  const seqText = /^\d*/.exec(rest)![0];
  if (seqText === '') return fail('sequence number missing after the case-type code, e.g. 123号');
  if (seqText[0] === '0' || seqText.length > 9) {
    return fail(
      `sequence must be a positive integer of at most 9 digits without leading zeros, got ${quote(seqText)}`,
    );
  }
  rest = rest.slice(seqText.length);
  if (rest[0] !== '号') return fail('must end with 号 after the sequence number, e.g. 123号');
  if (rest.length > 1) return fail(`unexpected text after 号: ${quote(rest.slice(1), AFTER_CHARS)}`);
  return { ok: true, value: t, year, court, type, seq: Number(seqText) };
}

/** `（year）` at the start of the normalized `t`: the year, or the error. */
function parseYear(t: string, maxYear: number, example: string, range = ''): number | ParsedCaseNumber {
  const close = t.indexOf('）');
  if (t[0] !== '（' || close < 0) return fail(`year must be in （）, ${example}`);
  const yearText = t.slice(1, close);
  if (!/^\d{4}$/.test(yearText)) return fail(`year must be 4 digits in （）, ${example}`);
  const year = Number(yearText);
  if (year < 1949 || year > maxYear)
    return fail(`year must be between 1949 and ${maxYear}${range}, got ${year}`);
  return year;
}

/**
 * The characters a case type of the pre-2016 format starts with (民初, 民二终, 商外终, 刑初, 行终, 执异, 知民初,
 * 立民终, 审监, 委赔, 破, …). The court abbreviation (甬, 沪一中, 粤高法, 最高法) is the text before the first.
 */
const LEGACY_KINDS = '民刑行执赔商知破立审监申委司认请协提';
const LEGACY_COURT = new RegExp(`^[^${LEGACY_KINDS}]*`);
const LEGACY_EXAMPLE = 'e.g. （2015）甬民二终字第123号';
/** Chinese characters, and one level of them in （） as in 沪一中民四（商）终. */
const LEGACY_HEAD = /^(?:\p{Script=Han}|（\p{Script=Han}+）)+$/u;

/** A pre-2016 number; `t` is `written` normalized as for the 2015 format. */
function parseLegacy(written: string, t: string): ParsedCaseNumber {
  const year = parseYear(t, 2016, LEGACY_EXAMPLE, ' in a number with 字第 (the format before 2016)');
  if (typeof year !== 'number') return year;
  const rest = t.slice(t.indexOf('）') + 1);
  const at = rest.indexOf('字第');
  if (at < 0) return fail(`a pre-2016 number has 字第 before the sequence number, ${LEGACY_EXAMPLE}`);
  const head = rest.slice(0, at);
  if (head === '') return fail(`court and case type missing before 字第, ${LEGACY_EXAMPLE}`);
  if (!LEGACY_HEAD.test(head)) {
    return fail(`court and case type before 字第 must be Chinese characters, got ${quote(head)}`);
  }
  const court = LEGACY_COURT.exec(head)![0];
  const type = head.slice(court.length);
  if (type === '') {
    return fail(
      `case type before 字第 must start with one of ${LEGACY_KINDS}, e.g. 民二终, got ${quote(head)}`,
    );
  }
  const tail = rest.slice(at + 2);
  const seqText = /^\d*/.exec(tail)![0];
  if (seqText === '') return fail('sequence number missing after 字第, e.g. 字第123号');
  if (seqText.length > 9 || /^0+$/.test(seqText)) {
    return fail(`sequence must be 1 to 9 digits and not zero, got ${quote(seqText)}`);
  }
  const end = tail.slice(seqText.length);
  if (end[0] !== '号') return fail('must end with 号 after the sequence number, e.g. 123号');
  if (end.length > 1) return fail(`unexpected text after 号: ${quote(end.slice(1), AFTER_CHARS)}`);
  return { ok: true, value: written, year, court, type, seq: Number(seqText), legacy: true };
}
