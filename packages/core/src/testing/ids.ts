import fc from 'fast-check';

/*
 * Identifier generators for the tests, written from the standards' tables rather than from the
 * validator's code, so that a wrong weight or mapping in one of them shows up as a failing test.
 */

/** GB 11643 weights of positions 1–17 and the check character for `sum mod 11`. */
const GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const GB11643_CHECK = '10X98765432';

export function residentCheck(body17: string): string {
  const sum = GB11643_WEIGHTS.reduce((acc, w, i) => acc + w * Number(body17[i]), 0);
  return GB11643_CHECK[sum % 11]!;
}

/** GB 11714: values 0–9 and A–Z = 10–35, weights 3,7,9,10,5,8,4,2; 10 → X, 11 → 0. */
export function orgCheck(body8: string): string {
  const values = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((acc, w, i) => acc + w * values.indexOf(body8[i]!), 0);
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** GB 32100 character set and weights 3^i mod 31 as printed in the standard. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function usccCheck(body17: string): string {
  const sum = USCC_WEIGHTS.reduce((acc, w, i) => acc + w * USCC_ALPHABET.indexOf(body17[i]!), 0);
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** Registration authority + entity type pairs of GB 32100 (and its amendments). */
const USCC_KINDS =
  '11 12 13 19 21 29 31 32 33 34 35 36 39 41 49 51 52 53 59 61 62 69 71 72 79 81 89 91 92 93 A1 A9 N1 N2 N3 N9 Y1'.split(
    ' ',
  );

export const PROVINCE_CODES =
  '11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83'.split(
    ' ',
  );

/** Today in Asia/Shanghai as `YYYYMMDD`. */
export function todayCst(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });

/** A real date `YYYYMMDD` between `from` and `to` (both `YYYY-MM-DD`, inclusive). */
export function arbDate(from: string, to: string): fc.Arbitrary<string> {
  const start = Date.parse(`${from}T00:00:00Z`);
  const days = Math.floor((Date.parse(`${to}T00:00:00Z`) - start) / 86_400_000);
  return fc
    .integer({ min: 0, max: days })
    .map((d) => new Date(start + d * 86_400_000).toISOString().slice(0, 10).replaceAll('-', ''));
}

const today = todayCst();
const todayIso = `${today.slice(0, 4)}-${today.slice(4, 6)}-${today.slice(6)}`;

/** A valid 18-character resident ID with a real birth date from 1900 to today. */
export const arbResidentId = fc
  .tuple(fc.constantFrom(...PROVINCE_CODES), digits(4), arbDate('1900-01-01', todayIso), digits(3))
  .map(([p, area, birth, seq]) => {
    const body = p + area + birth + seq;
    return body + residentCheck(body);
  });

/** A legacy 15-digit number (birth year 1900–1999) and its 18-character form. */
export const arbLegacyId = fc
  .tuple(fc.constantFrom(...PROVINCE_CODES), digits(4), arbDate('1900-01-01', '1999-12-31'), digits(3))
  .map(([p, area, birth, seq]) => {
    const body = p + area + birth + seq;
    return { legacy: p + area + birth.slice(2) + seq, full: body + residentCheck(body) };
  });

/** A valid 2023 foreign permanent resident ID: 9, 5 digits, birth date, 3 digits, check. */
export const arbForeignPrId2023 = fc
  .tuple(digits(5), arbDate('1900-01-01', todayIso), digits(3))
  .map(([head, birth, seq]) => {
    const body = `9${head}${birth}${seq}`;
    return body + residentCheck(body);
  });

/** A valid USCC whose organization code may contain letters. */
export const arbUscc = fc
  .tuple(
    fc.constantFrom(...USCC_KINDS),
    digits(6),
    fc.string({ unit: fc.constantFrom(...USCC_ALPHABET), minLength: 8, maxLength: 8 }),
  )
  .map(([kind, region, org]) => {
    const body = kind + region + org + orgCheck(org);
    return body + usccCheck(body);
  });

/** Strings made of full-width forms and ideographic spaces. */
export const arbFullWidth = fc.string({
  unit: fc
    .integer({ min: 0xff01, max: 0xff5f })
    .map((c) => (c === 0xff5f ? '\u3000' : String.fromCharCode(c))),
});

/** Converts ASCII to its full-width form (the inverse of the normalization). */
export function toFullWidth(s: string): string {
  return s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}
