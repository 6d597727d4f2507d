import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeInput } from './normalize.js';
import { ID_TYPES, parsePartyId } from './party-id.js';
import {
  arbForeignPrId2023,
  arbFullWidth,
  arbLegacyId,
  arbResidentId,
  arbUscc,
  orgCheck,
  residentCheck,
  todayCst,
  toFullWidth,
  USCC_ALPHABET,
  usccCheck,
} from './testing/ids.js';

const error = (idType: string, idNumber: string) => {
  const r = parsePartyId(idType, idNumber);
  return r.ok ? `ok ${r.idNumber}` : r.error;
};
const withCheck = (body17: string) => body17 + residentCheck(body17);
const replaceAt = (s: string, i: number, c: string) => s.slice(0, i) + c + s.slice(i + 1);

describe('normalizeInput', () => {
  it('trims, converts full-width forms and upper-cases', () => {
    expect(normalizeInput('  １１０１０５１９４９１２３１００２ｘ　')).toBe('11010519491231002X');
    expect(normalizeInput('\u3000ｅａ１２３\u3000')).toBe('EA123');
    expect(normalizeInput('（Ａ－ｂ）')).toBe('(A-B)');
    expect(normalizeInput('x')).toBe('X');
  });

  it('maps every full-width form to the ASCII character 0xFEE0 below it', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'!"#$%&()*+,-./0123456789:;<=>?@[]^_`{|}~ABCXYZabcxyz') }),
        (s) => {
          expect(normalizeInput(toFullWidth(s))).toBe(s.trim().toUpperCase());
        },
      ),
    );
  });
});

describe('parsePartyId: RESIDENT_ID', () => {
  it('accepts the GB 11643 example in any case and width', () => {
    for (const input of [
      '11010519491231002X',
      '11010519491231002x',
      ' １１０１０５１９４９１２３１００２ｘ　',
    ]) {
      expect(parsePartyId('RESIDENT_ID', input)).toEqual({
        ok: true,
        idType: 'RESIDENT_ID',
        idNumber: '11010519491231002X',
      });
    }
  });

  it('converts a 15-digit legacy number to 18 characters', () => {
    expect(error('RESIDENT_ID', '110105491231002')).toBe('ok 11010519491231002X');
    expect(error('RESIDENT_ID', '330201900101123')).toBe(`ok ${withCheck('33020119900101123')}`);
    fc.assert(
      fc.property(arbLegacyId, ({ legacy, full }) => {
        expect(error('RESIDENT_ID', legacy)).toBe(`ok ${full}`);
      }),
    );
  });

  it('round-trips generated valid numbers, also typed full-width and lower-case', () => {
    fc.assert(
      fc.property(arbResidentId, fc.boolean(), (id, wide) => {
        const input = wide ? toFullWidth(id.toLowerCase()) : id.toLowerCase();
        expect(parsePartyId('RESIDENT_ID', input)).toEqual({ ok: true, idType: 'RESIDENT_ID', idNumber: id });
      }),
    );
  });

  it('names the expected check digit when it is wrong', () => {
    expect(error('RESIDENT_ID', '110105194912310025')).toBe('idNumber: check digit should be X, got 5');
    fc.assert(
      fc.property(arbResidentId, fc.constantFrom(...'0123456789X'), (id, c) => {
        fc.pre(c !== id[17]);
        expect(error('RESIDENT_ID', id.slice(0, 17) + c)).toBe(
          `idNumber: check digit should be ${id[17]}, got ${c}`,
        );
      }),
    );
  });

  it('rejects every single-digit change in positions 1–17', () => {
    fc.assert(
      fc.property(
        arbResidentId,
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 1, max: 9 }),
        (id, i, delta) => {
          const changed = replaceAt(id, i, String((Number(id[i]) + delta) % 10));
          expect(parsePartyId('RESIDENT_ID', changed).ok).toBe(false);
        },
      ),
    );
  });

  it('drops spaces and hyphens inside, as numbers are copied from cards in groups', () => {
    for (const input of ['1101 0519 4912 3100 2X', '110105-19491231-002X', '110105　19491231　002x']) {
      expect(parsePartyId('RESIDENT_ID', input)).toEqual({
        ok: true,
        idType: 'RESIDENT_ID',
        idNumber: '11010519491231002X',
      });
    }
    expect(error('RESIDENT_ID', '1101 0519 4912 3100 2')).toBe(
      'idNumber: length must be 18 (or 15 for a legacy number), got 17',
    );
    // Other id types keep their inner characters: a passport number with a space stays invalid.
    expect(error('PASSPORT', 'E1234 5678')).not.toBe('ok E12345678');
  });

  it('checks the length', () => {
    expect(error('RESIDENT_ID', '11010519491231002')).toBe(
      'idNumber: length must be 18 (or 15 for a legacy number), got 17',
    );
    expect(error('RESIDENT_ID', '11010519491231002XX')).toBe(
      'idNumber: length must be 18 (or 15 for a legacy number), got 19',
    );
    expect(error('RESIDENT_ID', '   ')).toBe(
      'idNumber: length must be 18 (or 15 for a legacy number), got 0',
    );
    expect(error('RESIDENT_ID', '11010549123100X')).toBe(
      'idNumber: a 15-character legacy number must be all digits',
    );
  });

  it('checks the characters', () => {
    expect(error('RESIDENT_ID', '1101A519491231002X')).toBe(
      'idNumber: only digits allowed in positions 1–17',
    );
    expect(error('RESIDENT_ID', '110105194912310021'.replace(/1$/, 'Y'))).toBe(
      'idNumber: last character must be a digit or X, got Y',
    );
  });

  it('checks the province prefix of the region code', () => {
    expect(error('RESIDENT_ID', withCheck('99010519491231002'))).toBe(
      'idNumber: region code must start with a province code (11–65, 71, 81–83), got 99',
    );
    expect(error('RESIDENT_ID', withCheck('10010519491231002'))).toMatch(/got 10$/);
    for (const p of ['65', '71', '81', '82', '83'])
      expect(error('RESIDENT_ID', withCheck(`${p}010519491231002`))).toMatch(/^ok/);
  });

  it('requires a real birth date from 1900 to today', () => {
    expect(error('RESIDENT_ID', withCheck('33020119990231123'))).toBe(
      'idNumber: birth date (positions 7–14) is not a real date',
    );
    expect(error('RESIDENT_ID', withCheck('33020119991301123'))).toBe(
      'idNumber: birth date (positions 7–14) is not a real date',
    );
    expect(error('RESIDENT_ID', withCheck('33020119990100123'))).toBe(
      'idNumber: birth date (positions 7–14) is not a real date',
    );
    expect(error('RESIDENT_ID', withCheck('33020120000229123'))).toBe(`ok ${withCheck('33020120000229123')}`);
    expect(error('RESIDENT_ID', withCheck('33020119000229123'))).toBe(
      'idNumber: birth date (positions 7–14) is not a real date',
    );
    expect(error('RESIDENT_ID', withCheck('33020120230229123'))).toBe(
      'idNumber: birth date (positions 7–14) is not a real date',
    );
    expect(error('RESIDENT_ID', withCheck('33020118991231123'))).toBe(
      'idNumber: birth date (positions 7–14) is before 1900',
    );
    expect(error('RESIDENT_ID', withCheck('33020119000101123'))).toMatch(/^ok/);
    const nextYear = Number(todayCst().slice(0, 4)) + 1;
    expect(error('RESIDENT_ID', withCheck(`330201${nextYear}0101123`))).toBe(
      `idNumber: birth date (positions 7–14) is in the future`,
    );
    expect(error('RESIDENT_ID', withCheck(`330201${todayCst()}123`))).toMatch(/^ok/);
    // the GB 11643 example born in 1880 has a valid check digit but is out of range
    expect(error('RESIDENT_ID', '440524188001010014')).toBe(
      'idNumber: birth date (positions 7–14) is before 1900',
    );
  });

  it('never repeats the number in an error', () => {
    fc.assert(
      fc.property(arbResidentId, (id) => {
        const wrong = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
        expect(error('RESIDENT_ID', wrong)).not.toContain(id.slice(0, 17));
      }),
    );
  });
});

describe('parsePartyId: USCC', () => {
  it('accepts real codes', () => {
    for (const id of [
      '914403001922038216',
      '9144030071526726XG',
      '91330100716105852F',
      '91350100M000100Y43',
    ]) {
      expect(parsePartyId('USCC', id)).toEqual({ ok: true, idType: 'USCC', idNumber: id });
    }
    expect(error('uscc', ' ９１４４０３００７１５２６７２６ｘｇ ')).toBe('ok 9144030071526726XG');
    expect(error('USCC', '9144 0300 7152 6726 XG')).toBe('ok 9144030071526726XG');
    expect(error('USCC', '91440300-715267-26XG')).toBe('ok 9144030071526726XG');
  });

  it('round-trips generated valid codes', () => {
    fc.assert(
      fc.property(arbUscc, (id) => {
        expect(parsePartyId('USCC', id.toLowerCase())).toEqual({ ok: true, idType: 'USCC', idNumber: id });
      }),
    );
  });

  it('checks the length and the characters', () => {
    expect(error('USCC', '91440300192203821')).toBe('idNumber: length must be 18, got 17');
    expect(error('USCC', '9144030019220382161')).toBe('idNumber: length must be 18, got 19');
    fc.assert(
      fc.property(arbUscc, fc.integer({ min: 0, max: 17 }), fc.constantFrom(...'IOSVZ*#'), (id, i, c) => {
        expect(error('USCC', replaceAt(id, i, c))).toBe(
          `idNumber: character ${c} at position ${i + 1} is not allowed (0-9 and A-Z except I, O, S, V, Z)`,
        );
      }),
    );
  });

  it('checks the registration authority, the entity type and the region code', () => {
    expect(error('USCC', 'B14403001922038216')).toBe(
      'idNumber: position 1 (registration authority) must be one of 1–9, A, N, Y, got B',
    );
    expect(error('USCC', '014403001922038216')).toMatch(/registration authority.*got 0$/);
    expect(error('USCC', '904403001922038216')).toBe(
      'idNumber: position 2 (entity type) must be a digit 1–9, got 0',
    );
    expect(error('USCC', '9A4403001922038216')).toMatch(/entity type.*got A$/);
    fc.assert(
      fc.property(
        arbUscc,
        fc.integer({ min: 2, max: 7 }),
        fc.constantFrom(...USCC_ALPHABET.slice(10)),
        (id, i, c) => {
          expect(error('USCC', replaceAt(id, i, c))).toBe(
            'idNumber: positions 3–8 (region code) must be digits',
          );
        },
      ),
    );
  });

  it('checks the organization code check character (position 17)', () => {
    expect(error('USCC', '914403001922038206')).toBe(
      'idNumber: organization code (positions 9–17) check character should be 1, got 0',
    );
    fc.assert(
      fc.property(arbUscc, fc.constantFrom(...USCC_ALPHABET), (id, c) => {
        fc.pre(c !== id[16]);
        const changed = replaceAt(id, 16, c);
        expect(error('USCC', changed)).toBe(
          `idNumber: organization code (positions 9–17) check character should be ${orgCheck(id.slice(8, 16))}, got ${c}`,
        );
      }),
    );
  });

  it('checks the overall check character (position 18)', () => {
    expect(error('USCC', '914403001922038217')).toBe('idNumber: check character should be 6, got 7');
    fc.assert(
      fc.property(arbUscc, fc.constantFrom(...USCC_ALPHABET), (id, c) => {
        fc.pre(c !== id[17]);
        expect(error('USCC', id.slice(0, 17) + c)).toBe(
          `idNumber: check character should be ${id[17]}, got ${c}`,
        );
      }),
    );
  });

  it('rejects every single-character change', () => {
    fc.assert(
      fc.property(arbUscc, fc.integer({ min: 0, max: 17 }), fc.constantFrom(...USCC_ALPHABET), (id, i, c) => {
        fc.pre(c !== id[i]);
        expect(parsePartyId('USCC', replaceAt(id, i, c)).ok).toBe(false);
      }),
    );
  });

  it('reports a changed organization-code character as an organization-code error', () => {
    fc.assert(
      fc.property(arbUscc, fc.integer({ min: 8, max: 15 }), fc.constantFrom(...USCC_ALPHABET), (id, i, c) => {
        const changed = replaceAt(id, i, c);
        fc.pre(orgCheck(changed.slice(8, 16)) !== id[16]);
        expect(error('USCC', changed)).toMatch(
          /^idNumber: organization code \(positions 9–17\) check character should be/,
        );
        // a code whose org part is re-checked but whose overall check is stale fails on position 18
        const rechecked = changed.slice(0, 16) + orgCheck(changed.slice(8, 16)) + id[17];
        const expected = usccCheck(rechecked.slice(0, 17));
        expect(error('USCC', rechecked)).toBe(
          expected === id[17]
            ? `ok ${rechecked}`
            : `idNumber: check character should be ${expected}, got ${id[17]}`,
        );
      }),
    );
  });
});

describe('parsePartyId: other identifiers (format only)', () => {
  it('PASSPORT: 5–17 letters and digits with at least one digit', () => {
    expect(error('PASSPORT', 'E12345678')).toBe('ok E12345678');
    expect(error('PASSPORT', 'ｅａ１２３４５６７')).toBe('ok EA1234567');
    expect(error('PASSPORT', 'x1234')).toBe('ok X1234');
    expect(error('PASSPORT', 'A1234567890123456')).toBe('ok A1234567890123456');
    expect(error('PASSPORT', 'A12345678901234567')).toBe(
      'idNumber: a passport number has 5 to 17 characters, got 18',
    );
    expect(error('PASSPORT', 'E123')).toBe('idNumber: a passport number has 5 to 17 characters, got 4');
    expect(error('PASSPORT', 'E123-4567')).toBe(
      'idNumber: a passport number has only letters A–Z and digits',
    );
    expect(error('PASSPORT', 'ABCDEFG')).toBe('idNumber: a passport number must contain at least one digit');
  });

  it('HK_MACAO_PERMIT: H or M and 8 or 10 digits', () => {
    expect(error('HK_MACAO_PERMIT', 'h12345678')).toBe('ok H12345678');
    expect(error('HK_MACAO_PERMIT', 'M1234567890')).toBe('ok M1234567890');
    expect(error('HK_MACAO_PERMIT', 'C12345678')).toBe(
      'idNumber: a Hong Kong/Macao permit number starts with H or M',
    );
    for (const bad of ['H1234567', 'H123456789', 'H12345678901', 'H1234567A'])
      expect(error('HK_MACAO_PERMIT', bad)).toBe(
        'idNumber: a Hong Kong/Macao permit number is H or M followed by 8 or 10 digits',
      );
  });

  it('TAIWAN_PERMIT: 8 digits, or 8 digits and 2 letters or digits', () => {
    expect(error('TAIWAN_PERMIT', '12345678')).toBe('ok 12345678');
    expect(error('TAIWAN_PERMIT', '1234567890')).toBe('ok 1234567890');
    expect(error('TAIWAN_PERMIT', '12345678ab')).toBe('ok 12345678AB');
    for (const bad of ['1234567', '123456789', 'A2345678', '12345678901'])
      expect(error('TAIWAN_PERMIT', bad)).toMatch(/^idNumber: a Taiwan permit number is 8 digits/);
  });

  it('FOREIGN_PR_ID: 3 letters + 12 digits, or the 2023 card with a check digit', () => {
    expect(error('FOREIGN_PR_ID', 'usa330112345678')).toBe('ok USA330112345678');
    expect(error('FOREIGN_PR_ID', 'US1330112345678')).toBe(
      'idNumber: a 15-character permanent resident ID is 3 letters followed by 12 digits',
    );
    expect(error('FOREIGN_PR_ID', 'USA33011234567')).toBe(
      'idNumber: length must be 15 (card before 2023) or 18 (card since 2023), got 14',
    );
    expect(error('FOREIGN_PR_ID', '11010519491231002X')).toBe(
      'idNumber: an 18-character permanent resident ID starts with 9',
    );
    fc.assert(
      fc.property(arbForeignPrId2023, fc.constantFrom(...'0123456789X'), (id, c) => {
        expect(error('FOREIGN_PR_ID', id)).toBe(`ok ${id}`);
        if (c !== id[17])
          expect(error('FOREIGN_PR_ID', id.slice(0, 17) + c)).toBe(
            `idNumber: check digit should be ${id[17]}, got ${c}`,
          );
      }),
    );
    expect(error('FOREIGN_PR_ID', withCheck('93315619990231001'))).toBe(
      'idNumber: birth date (positions 7–14) is not a real date',
    );
  });
});

describe('parsePartyId: id type and robustness', () => {
  it('rejects an unknown id type and accepts the listed ones in any case', () => {
    const message =
      'idType: must be one of RESIDENT_ID, USCC, PASSPORT, HK_MACAO_PERMIT, TAIWAN_PERMIT, FOREIGN_PR_ID';
    expect(parsePartyId('SSN', '123456789')).toEqual({ ok: false, error: message });
    expect(parsePartyId('', 'E12345678')).toEqual({ ok: false, error: message });
    expect(parsePartyId(' passport ', 'E12345678')).toEqual({
      ok: true,
      idType: 'PASSPORT',
      idNumber: 'E12345678',
    });
    expect(ID_TYPES).toEqual([
      'RESIDENT_ID',
      'USCC',
      'PASSPORT',
      'HK_MACAO_PERMIT',
      'TAIWAN_PERMIT',
      'FOREIGN_PR_ID',
    ]);
  });

  it('never throws and always answers with a field-named error or a normalized number', () => {
    const arbType = fc.oneof(fc.constantFrom(...ID_TYPES), fc.string());
    const arbNumber = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      arbFullWidth,
      fc.string({ unit: fc.constantFrom(...'0123456789Xx ') }),
    );
    fc.assert(
      fc.property(arbType, arbNumber, (type, number) => {
        const r = parsePartyId(type, number);
        if (r.ok) {
          expect(r.idNumber).toBe(normalizeInput(r.idNumber));
          expect(ID_TYPES).toContain(r.idType);
        } else {
          expect(r.error).toMatch(/^(idType|idNumber): /);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('does not throw on values that are not strings', () => {
    expect(parsePartyId('PASSPORT', undefined as unknown as string)).toEqual({
      ok: false,
      error: 'idNumber: must be a string',
    });
    expect(parsePartyId(null as unknown as string, 'E12345678').ok).toBe(false);
  });
});
