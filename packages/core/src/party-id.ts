import { daysInMonth, toCstDate } from './dates.js';
import { normalizeInput } from './normalize.js';

/** The identifier types a party can be registered with. */
export const ID_TYPES = [
  'RESIDENT_ID',
  'USCC',
  'PASSPORT',
  'HK_MACAO_PERMIT',
  'TAIWAN_PERMIT',
  'FOREIGN_PR_ID',
] as const;

/** One of {@link ID_TYPES}. */
export type IdType = (typeof ID_TYPES)[number];

/** The result of {@link parsePartyId}: the normalized identifier, or an error naming the rule that failed. */
export type ParsedPartyId = { ok: true; idType: IdType; idNumber: string } | { ok: false; error: string };

/** Province-level prefixes of GB/T 2260 region codes, plus 81/82/83 of the HK/Macao/Taiwan residence permits. */
const PROVINCE = /^(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3])/;
/** GB 32100 character set: digits and capital letters without I, O, S, V, Z. */
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** GB 32100 registration authorities (position 1). */
const USCC_AUTHORITIES = '123456789ANY';
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** ISO 7064 MOD 11-2 check character of 17 digits (GB 11643). */
function mod11_2(digits17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (digits17.charCodeAt(i) - 48) * ((1 << (17 - i)) % 11);
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/** GB 11714 check character of the first 8 characters of an organization code (`0-9`, `A-Z` = 10–35). */
function orgCodeCheck(code8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number.parseInt(code8[i]!, 36) * ORG_WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

/** GB 32100 check character of the first 17 characters (weights 3^i mod 31). */
function usccCheck(code17: string): string {
  let sum = 0;
  let weight = 1;
  for (let i = 0; i < 17; i++) {
    sum += USCC_CHARS.indexOf(code17[i]!) * weight;
    weight = (weight * 3) % 31;
  }
  return USCC_CHARS[(31 - (sum % 31)) % 31]!;
}

const codePoints = (s: string): number => [...s].length;

/**
 * Checks an 18-character resident-ID-shaped number: digits in 1–17, the region prefix (`region`, when
 * given), a real birth date from 1900 to today in 7–14, and the MOD 11-2 check character in 18.
 */
function check18(id: string, region?: (id: string) => string | null): string | null {
  if (!/^\d{17}$/.test(id.slice(0, 17))) return 'only digits allowed in positions 1–17';
  const last = id[17]!;
  if (!/[\dX]/.test(last)) return `last character must be a digit or X, got ${last}`;
  const regionError = region?.(id);
  if (regionError) return regionError;
  const birth = id.slice(6, 14);
  const year = Number(birth.slice(0, 4));
  const month = Number(birth.slice(4, 6));
  const day = Number(birth.slice(6, 8));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return 'birth date (positions 7–14) is not a real date';
  }
  if (year < 1900) return 'birth date (positions 7–14) is before 1900';
  if (birth > toCstDate(new Date()).replaceAll('-', ''))
    return 'birth date (positions 7–14) is in the future';
  const check = mod11_2(id);
  if (last !== check) return `check digit should be ${check}, got ${last}`;
  return null;
}

const provinceRule = (id: string): string | null =>
  PROVINCE.test(id)
    ? null
    : `region code must start with a province code (11–65, 71, 81–83), got ${id.slice(0, 2)}`;

function residentId(id: string): string | { error: string } {
  let full = id;
  const n = codePoints(id);
  if (n === 15) {
    if (!/^\d{15}$/.test(id)) return { error: 'a 15-character legacy number must be all digits' };
    const id17 = `${id.slice(0, 6)}19${id.slice(6)}`;
    full = id17 + mod11_2(id17);
  } else if (n !== 18) {
    return { error: `length must be 18 (or 15 for a legacy number), got ${n}` };
  }
  const error = check18(full, provinceRule);
  return error ? { error } : full;
}

function uscc(id: string): string | { error: string } {
  const chars = [...id];
  if (chars.length !== 18) return { error: `length must be 18, got ${chars.length}` };
  const bad = chars.findIndex((c) => !USCC_CHARS.includes(c));
  if (bad >= 0) {
    return {
      error: `character ${chars[bad]} at position ${bad + 1} is not allowed (0-9 and A-Z except I, O, S, V, Z)`,
    };
  }
  if (!USCC_AUTHORITIES.includes(id[0]!)) {
    return { error: `position 1 (registration authority) must be one of 1–9, A, N, Y, got ${id[0]}` };
  }
  if (!/[1-9]/.test(id[1]!)) return { error: `position 2 (entity type) must be a digit 1–9, got ${id[1]}` };
  if (!/^\d{6}$/.test(id.slice(2, 8))) return { error: 'positions 3–8 (region code) must be digits' };
  const orgCheck = orgCodeCheck(id.slice(8, 16));
  if (id[16] !== orgCheck) {
    return {
      error: `organization code (positions 9–17) check character should be ${orgCheck}, got ${id[16]}`,
    };
  }
  const check = usccCheck(id);
  if (id[17] !== check) return { error: `check character should be ${check}, got ${id[17]}` };
  return id;
}

function passport(id: string): string | { error: string } {
  const n = codePoints(id);
  if (n < 5 || n > 17) return { error: `a passport number has 5 to 17 characters, got ${n}` };
  if (!/^[A-Z0-9]+$/.test(id)) return { error: 'a passport number has only letters A–Z and digits' };
  if (!/\d/.test(id)) return { error: 'a passport number must contain at least one digit' };
  return id;
}

function hkMacaoPermit(id: string): string | { error: string } {
  if (!/^[HM]/.test(id)) return { error: 'a Hong Kong/Macao permit number starts with H or M' };
  if (!/^.(?:\d{8}|\d{10})$/.test(id)) {
    return { error: 'a Hong Kong/Macao permit number is H or M followed by 8 or 10 digits' };
  }
  return id;
}

function taiwanPermit(id: string): string | { error: string } {
  if (!/^\d{8}(?:[0-9A-Z]{2})?$/.test(id)) {
    return {
      error: 'a Taiwan permit number is 8 digits (or, for an older card, 8 digits and 2 letters or digits)',
    };
  }
  return id;
}

function foreignPrId(id: string): string | { error: string } {
  const n = codePoints(id);
  if (n === 15) {
    return /^[A-Z]{3}\d{12}$/.test(id)
      ? id
      : { error: 'a 15-character permanent resident ID is 3 letters followed by 12 digits' };
  }
  if (n !== 18) return { error: `length must be 15 (card before 2023) or 18 (card since 2023), got ${n}` };
  if (id[0] !== '9') return { error: 'an 18-character permanent resident ID starts with 9' };
  const error = check18(id);
  return error ? { error } : id;
}

/** Resident IDs and USCCs are copied from cards in groups (`3302 0319 5001 0205 56`): spaces and hyphens inside go. */
const GROUPED: ReadonlySet<IdType> = new Set(['RESIDENT_ID', 'USCC']);

const RULES: Record<IdType, (id: string) => string | { error: string }> = {
  RESIDENT_ID: residentId,
  USCC: uscc,
  PASSPORT: passport,
  HK_MACAO_PERMIT: hkMacaoPermit,
  TAIWAN_PERMIT: taiwanPermit,
  FOREIGN_PR_ID: foreignPrId,
};

/**
 * Validates and normalizes a party identifier. Both arguments go through {@link normalizeInput} first
 * (trim, full-width → half-width, upper-case); a `RESIDENT_ID` or `USCC` also loses the spaces and
 * hyphens inside it, as people copy them from cards in groups. Never throws; an invalid identifier gives an error
 * `idNumber: <rule>` that names the failed rule and never repeats the whole number.
 *
 * - `RESIDENT_ID` (GB 11643): 17 digits + ISO 7064 MOD 11-2 check character (`X` for 10); positions 1–2
 *   a province code (11–65, 71, 81–83; 81–83 are the HK/Macao/Taiwan residence permits); positions 7–14
 *   a real birth date from 1900 up to today (Asia/Shanghai). A 15-digit legacy number is converted to 18
 *   (`19` inserted before the 2-digit birth year, check digit computed) and the result returned.
 * - `USCC` (GB 32100): 18 characters of `0-9A-HJ-NPQRTUWXY`; position 1 a registration authority
 *   (1–9, A, N, Y), position 2 an entity type digit 1–9, positions 3–8 a numeric region code, positions 9–17
 *   an organization code whose 9th character is its GB 11714 check character (weights 3,7,9,10,5,8,4,2,
 *   letters valued A=10…Z=35, 10 → `X`, 11 → `0`), position 18 the check character (weights 3^i mod 31).
 * - `PASSPORT`: 5–17 letters and digits with at least one digit (Chinese and foreign passports).
 * - `HK_MACAO_PERMIT`: `H` or `M` followed by 8 digits (or 10 on the older card).
 * - `TAIWAN_PERMIT`: 8 digits; an older card's 10-character number (8 digits + 2 letters or digits).
 * - `FOREIGN_PR_ID`: the pre-2023 card, 3 letters + 12 digits; or the 2023 card, 18 characters starting
 *   with 9, laid out like a resident ID (real birth date in 7–14, MOD 11-2 check character).
 *
 * @example
 * parsePartyId('RESIDENT_ID', '11010519491231002x');
 * // { ok: true, idType: 'RESIDENT_ID', idNumber: '11010519491231002X' }
 * parsePartyId('RESIDENT_ID', '110105491231002'); // legacy 15 digits → '11010519491231002X'
 * parsePartyId('RESIDENT_ID', '110105194912310025');
 * // { ok: false, error: 'idNumber: check digit should be X, got 5' }
 * parsePartyId('USCC', '914403001922038216'); // { ok: true, idType: 'USCC', idNumber: '914403001922038216' }
 * parsePartyId('RESIDENT_ID', '1101 0519 4912 3100 2X'); // { ok: true, …, idNumber: '11010519491231002X' }
 */
export function parsePartyId(idType: string, idNumber: string): ParsedPartyId {
  const type = typeof idType === 'string' ? normalizeInput(idType) : '';
  if (!(ID_TYPES as readonly string[]).includes(type)) {
    return { ok: false, error: `idType: must be one of ${ID_TYPES.join(', ')}` };
  }
  if (typeof idNumber !== 'string') return { ok: false, error: 'idNumber: must be a string' };
  const normalized = normalizeInput(idNumber);
  const result = RULES[type as IdType](
    GROUPED.has(type as IdType) ? normalized.replace(/[\s-]/g, '') : normalized,
  );
  return typeof result === 'string'
    ? { ok: true, idType: type as IdType, idNumber: result }
    : { ok: false, error: `idNumber: ${result.error}` };
}
