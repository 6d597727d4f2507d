import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CASE_TYPES, COURT_CODE, type ParseCaseNumberOptions, parseCaseNumber } from './case-number.js';
import { todayCst, toFullWidth } from './testing/ids.js';

const error = (s: string, options?: ParseCaseNumberOptions) => {
  const r = parseCaseNumber(s, options);
  return r.ok ? `ok ${r.value}` : r.error;
};
const EXAMPLE = 'e.g. （2022）浙0212民初123号';
const thisYear = Number(todayCst().slice(0, 4));
const PROVINCES = [...'京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋内陕吉闽贵粤青藏川宁琼军兵'];

describe('parseCaseNumber: valid numbers', () => {
  it('splits a basic-court number into its parts', () => {
    expect(parseCaseNumber('（2022）浙0212刑初123号')).toEqual({
      ok: true,
      value: '（2022）浙0212刑初123号',
      year: 2022,
      court: '浙0212',
      type: '刑初',
      seq: 123,
    });
  });

  it('normalizes ASCII parentheses, full-width digits and spaces', () => {
    expect(error('(2022)浙0212刑初123号')).toBe('ok （2022）浙0212刑初123号');
    expect(error(' （２０２２）浙０２１２ 民初 １２３号 ')).toBe('ok （2022）浙0212民初123号');
    expect(error('(2022）浙0212执恢7号')).toBe('ok （2022）浙0212执恢7号');
  });

  it('accepts the court levels and special courts', () => {
    expect(parseCaseNumber('（2019）最高法民终1号')).toMatchObject({
      ok: true,
      court: '最高法',
      type: '民终',
      seq: 1,
    });
    expect(parseCaseNumber('（2019）最高法知民终1号')).toMatchObject({
      ok: true,
      court: '最高法',
      type: '知民终',
    });
    expect(parseCaseNumber('（2021）浙民再5号')).toMatchObject({ ok: true, court: '浙', type: '民再' });
    expect(parseCaseNumber('（2017）京04民终367号')).toMatchObject({
      ok: true,
      court: '京04',
      type: '民终',
      seq: 367,
    });
    expect(parseCaseNumber('（2020）京73民初1234号')).toMatchObject({ ok: true, court: '京73' });
    expect(parseCaseNumber('（2020）内01执异20号')).toMatchObject({ ok: true, court: '内01', type: '执异' });
    expect(parseCaseNumber('（2020）兵08民终9号')).toMatchObject({ ok: true, court: '兵08' });
    expect(parseCaseNumber('（2023）粤0304民诉前调12345号')).toMatchObject({ ok: true, type: '民诉前调' });
    expect(parseCaseNumber('（2018）最高法刑核12345678号')).toMatchObject({
      ok: true,
      type: '刑核',
      seq: 12345678,
    });
  });

  it('accepts the year range 1949 to next year', () => {
    expect(error('（1949）京民初1号')).toBe('ok （1949）京民初1号');
    expect(error(`（${thisYear + 1}）京民初1号`)).toBe(`ok （${thisYear + 1}）京民初1号`);
  });

  it('round-trips generated numbers', () => {
    const arbCourt = fc.oneof(
      fc.constant('最高法'),
      fc
        .tuple(fc.constantFrom(...PROVINCES), fc.constantFrom(0, 2, 4), fc.nat(9999))
        .map(([p, len, n]) => p + String(n).padStart(4, '0').slice(0, len)),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1949, max: thisYear + 1 }),
        arbCourt,
        fc.constantFrom(...CASE_TYPES),
        fc.integer({ min: 1, max: 999_999_999 }),
        fc.constantFrom('ascii', 'full', 'wide-digits'),
        (year, court, type, seq, style) => {
          const value = `（${year}）${court}${type}${seq}号`;
          const input =
            style === 'ascii'
              ? `(${year})${court}${type}${seq}号`
              : style === 'full'
                ? value
                : toFullWidth(value);
          expect(parseCaseNumber(input)).toEqual({ ok: true, value, year, court, type, seq });
        },
      ),
    );
  });
});

describe('parseCaseNumber: errors name the part', () => {
  it('year', () => {
    expect(error('')).toBe(`caseNumber: required, ${EXAMPLE}`);
    expect(error('2022浙0212民初123号')).toBe(`caseNumber: year must be in （）, ${EXAMPLE}`);
    expect(error('〔2022〕浙0212民初123号')).toBe(`caseNumber: year must be in （）, ${EXAMPLE}`);
    expect(error('（2022浙0212民初123号')).toBe(`caseNumber: year must be in （）, ${EXAMPLE}`);
    expect(error('（22）浙0212民初123号')).toBe(`caseNumber: year must be 4 digits in （）, ${EXAMPLE}`);
    expect(error('（二〇二二）浙0212民初123号')).toBe(
      `caseNumber: year must be 4 digits in （）, ${EXAMPLE}`,
    );
    expect(error('（1948）浙0212民初123号')).toBe(
      `caseNumber: year must be between 1949 and ${thisYear + 1}, got 1948`,
    );
    expect(error(`（${thisYear + 2}）浙民初1号`)).toBe(
      `caseNumber: year must be between 1949 and ${thisYear + 1}, got ${thisYear + 2}`,
    );
  });

  it('court code', () => {
    expect(error('（2022）X0212民初123号')).toBe(
      'caseNumber: court code must start with a province abbreviation (e.g. 浙) or 最高法, got "*0212民初123号"',
    );
    expect(error('（2022）')).toMatch(/^caseNumber: court code must start with a province abbreviation/);
    expect(error('（2022）蒙01民初1号')).toMatch(/^caseNumber: court code must start/);
    for (const bad of ['浙0', '浙021', '浙02123']) {
      expect(error(`（2022）${bad}民初123号`)).toBe(
        `caseNumber: court code must be 最高法, or a province abbreviation alone or with 2 or 4 digits (浙, 浙02, 浙0212), got "${bad}"`,
      );
    }
    expect(error('（2022）最高法01民终1号')).toMatch(/got "最高法01"$/);
  });

  it('COURT_CODE takes exactly the court codes a case number may have', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROVINCES, '最高法', '猫', '甬', 'Z', ''),
        fc.constantFrom('', '0', '02', '021', '0212', '02123'),
        (court, digits) => {
          const parsed = parseCaseNumber(`（2022）${court}${digits}民初1号`);
          expect(COURT_CODE.test(court + digits)).toBe(parsed.ok && parsed.court === court + digits);
        },
      ),
    );
    expect(COURT_CODE.test('猫')).toBe(false);
    expect(COURT_CODE.test('兵0102')).toBe(true);
  });

  it('case-type code', () => {
    expect(error('（2022）浙0212123号')).toBe(
      'caseNumber: case-type code missing after the court code, e.g. 民初',
    );
    expect(error('（2022）浙0212民x123号')).toBe(
      'caseNumber: unknown case-type code "民*"; use a code such as 民初, 民终, 刑初, 执 or 执恢',
    );
    expect(error('（2015）浙0212民初字第123号')).toMatch(/unknown case-type code "民初字第"/);
    expect(error('（2022）浙0212民初号')).toBe(
      'caseNumber: sequence number missing after the case-type code, e.g. 123号',
    );
  });

  it('sequence and 号', () => {
    expect(error('（2022）浙0212民初0号')).toMatch(
      /^caseNumber: sequence must be a positive integer .*got "0"$/,
    );
    expect(error('（2022）浙0212民初0123号')).toMatch(/got "0123"$/);
    expect(error('（2022）浙0212民初1234567890号')).toMatch(/at most 9 digits/);
    expect(error('（2022）浙0212民初123')).toBe(
      'caseNumber: must end with 号 after the sequence number, e.g. 123号',
    );
    expect(error('（2022）浙0212民初123A')).toBe(
      'caseNumber: must end with 号 after the sequence number, e.g. 123号',
    );
    expect(error('（2022）浙0212民初123号之一')).toBe('caseNumber: unexpected text after 号: "之一"');
    // A name typed into the field is not quoted back (errors are logged and shown; names are personal data).
    expect(error('（2022）浙0212民初123号章某某')).toBe('caseNumber: unexpected text after 号: "***"');
    // A name made of a case number's characters (最高法's 高, the courts' 军, 苏) is not quoted either.
    for (const name of ['高军', '苏宁', '高云'])
      expect(error(`（2025）浙0212民初123号 ${name}`)).toBe('caseNumber: unexpected text after 号: "**"');
    expect(error('（2022）章某某')).toMatch(/got "\*\*\*"$/);
  });

  it('an identity number typed into the field is not quoted back: of a run of 6 digits or more, the first 2', () => {
    const id = '330212198001010770';
    expect(error(`（2025）浙0212民初${id}号`)).toBe(
      'caseNumber: sequence must be a positive integer of at most 9 digits without leading zeros, got "33**********"',
    );
    expect(error(`（2025）浙${id}民初1号`)).toMatch(/got "浙33\*{9}"$/);
    expect(error(`（2025）E${id.slice(0, 8)}民初1号`)).toMatch(/got "\*33\*{6}民初1"$/);
    expect(error(`（2015）甬民二终字第${id}号`, { legacy: true })).toMatch(/got "33\*{10}"$/);
    expect(error('（2015）甬民二终字第0000000000号', { legacy: true })).toMatch(/got "00\*{8}"$/);
    // Shorter runs are a case number's own parts, quoted whole.
    expect(error('（2022）浙0212民初01234号')).toMatch(/got "01234"$/);
  });

  it('every listed type is accepted and a changed one is named', () => {
    for (const type of CASE_TYPES)
      expect(error(`（2022）浙0212${type}1号`)).toBe(`ok （2022）浙0212${type}1号`);
    expect(new Set(CASE_TYPES).size).toBe(CASE_TYPES.length);
  });
});

describe('parseCaseNumber: robustness', () => {
  it('never throws and errors always start with caseNumber:', () => {
    const chars = fc.constantFrom(...'（）()〔〕0123456789０１２浙京最高法民初终执恢号 X');
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: chars, maxLength: 30 })),
        (s) => {
          const r = parseCaseNumber(s);
          if (r.ok) {
            expect(r.value).toBe(`（${r.year}）${r.court}${r.type}${r.seq}号`);
            expect(CASE_TYPES).toContain(r.type);
          } else {
            expect(r.error).toMatch(/^caseNumber: /);
          }
        },
      ),
      { numRuns: 3000 },
    );
    expect(parseCaseNumber(42 as unknown as string)).toEqual({
      ok: false,
      error: 'caseNumber: must be a string',
    });
  });
});

describe('parseCaseNumber: pre-2016 numbers with { legacy: true }', () => {
  const legacy = (s: string) => parseCaseNumber(s, { legacy: true });
  const legacyError = (s: string) => {
    const r = legacy(s);
    return r.ok ? `ok ${r.value}` : r.error;
  };
  const LEGACY_EXAMPLE = 'e.g. （2015）甬民二终字第123号';

  it('reads the year, court, case type and sequence, and keeps the text as written', () => {
    expect(legacy('（2015）甬民二终字第123号')).toEqual({
      ok: true,
      value: '（2015）甬民二终字第123号',
      year: 2015,
      court: '甬',
      type: '民二终',
      seq: 123,
      legacy: true,
    });
    // ASCII parentheses, inner spaces and full-width digits stay as written; only the ends are trimmed.
    expect(legacy(' (2013) 沪一中民四（商）终字第１２号\n')).toEqual({
      ok: true,
      value: '(2013) 沪一中民四（商）终字第１２号',
      year: 2013,
      court: '沪一中',
      type: '民四（商）终',
      seq: 12,
      legacy: true,
    });
    expect(legacy('（2014）民一终字第1号')).toMatchObject({ court: '', type: '民一终', seq: 1 });
    expect(legacy('（2015）最高法民申字第3021号')).toMatchObject({ court: '最高法', type: '民申' });
    expect(legacy('（2014）穗中法民五终字第3045号')).toMatchObject({ court: '穗中法', type: '民五终' });
    expect(legacy('（2015）甬鄞执字第7号')).toMatchObject({ court: '甬鄞', type: '执' });
    expect(legacy('（2012）浙商外终字第00123号')).toMatchObject({
      value: '（2012）浙商外终字第00123号',
      court: '浙',
      type: '商外终',
      seq: 123,
    });
    expect(legacy('（1949）京刑初字第1号')).toMatchObject({ ok: true, year: 1949 });
    expect(legacy('（2016）甬民初字第1号')).toMatchObject({ ok: true, year: 2016 });
  });

  it('still reads 2015-format numbers strictly, without the legacy flag', () => {
    expect(legacy('(2022)浙0212刑初123号')).toEqual(parseCaseNumber('(2022)浙0212刑初123号'));
    expect(legacy('(2022)浙0212刑初123号')).not.toHaveProperty('legacy');
    expect(legacyError('（2022）浙0212民x123号')).toBe(error('（2022）浙0212民x123号'));
    expect(legacyError('（2022）X0212民初123号')).toMatch(/court code must start with a province/);
  });

  it('without the option a pre-2016 number is refused as before', () => {
    expect(error('（2015）甬民二终字第123号')).toBe(
      'caseNumber: court code must start with a province abbreviation (e.g. 浙) or 最高法, got "*民二终字第123号"',
    );
    expect(parseCaseNumber('（2015）甬民二终字第123号', { legacy: false }).ok).toBe(false);
  });

  it('names the part that is wrong', () => {
    expect(legacyError('2015甬民二终字第123号')).toBe(`caseNumber: year must be in （）, ${LEGACY_EXAMPLE}`);
    expect(legacyError('〔2015〕甬民二终字第123号')).toBe(
      `caseNumber: year must be in （）, ${LEGACY_EXAMPLE}`,
    );
    expect(legacyError('（15）甬民二终字第123号')).toBe(
      `caseNumber: year must be 4 digits in （）, ${LEGACY_EXAMPLE}`,
    );
    expect(legacyError('（2017）甬民二终字第123号')).toBe(
      'caseNumber: year must be between 1949 and 2016 in a number with 字第 (the format before 2016), got 2017',
    );
    expect(legacyError('（1948）甬民二终字第123号')).toMatch(/between 1949 and 2016 .*got 1948$/);
    expect(legacyError('（2015）甬民二终字123号')).toBe(
      `caseNumber: a pre-2016 number has 字第 before the sequence number, ${LEGACY_EXAMPLE}`,
    );
    expect(legacyError('（2015）甬民二终第123号')).toMatch(/has 字第 before the sequence number/);
    expect(legacyError('（2015）字第123号')).toBe(
      `caseNumber: court and case type missing before 字第, ${LEGACY_EXAMPLE}`,
    );
    expect(legacyError('（2015）甬02民二终字第123号')).toBe(
      'caseNumber: court and case type before 字第 must be Chinese characters, got "*02民二终"',
    );
    expect(legacyError('（2015）甬字第123号')).toBe(
      'caseNumber: case type before 字第 must start with one of 民刑行执赔商知破立审监申委司认请协提, e.g. 民二终, got "*"',
    );
    expect(legacyError('（2015）甬民二终字第号')).toBe(
      'caseNumber: sequence number missing after 字第, e.g. 字第123号',
    );
    expect(legacyError('（2015）甬民二终字第000号')).toBe(
      'caseNumber: sequence must be 1 to 9 digits and not zero, got "000"',
    );
    expect(legacyError('（2015）甬民二终字第1234567890号')).toMatch(/1 to 9 digits/);
    expect(legacyError('（2015）甬民二终字第123')).toBe(
      'caseNumber: must end with 号 after the sequence number, e.g. 123号',
    );
    expect(legacyError('（2015）甬民二终字第123号之一')).toBe('caseNumber: unexpected text after 号: "之一"');
  });

  it('masks what a case number cannot hold', () => {
    expect(legacyError('（2015）甬民二终字第123号章某某')).toBe(
      'caseNumber: unexpected text after 号: "***"',
    );
    expect(legacyError('（2015）章某某字第1号')).toMatch(/got "\*\*\*"$/);
    expect(legacyError('（2015）Zhang民初字第1号')).toMatch(/got "\*\*\*\*\*民初"$/);
  });

  it('round-trips generated pre-2016 numbers', () => {
    // Courts hold none of the case-type starting characters; types start with one.
    const courts = [
      '',
      '甬',
      '浙',
      '京',
      '沪一中',
      '沪高',
      '杭西',
      '甬鄞',
      '粤高法',
      '穗中法',
      '最高法',
      '京二中',
    ];
    const types = ['民初', '民二终', '民一终', '民四（商）终', '刑初', '刑二终', '执', '执异', '执复'];
    const moreTypes = ['商外终', '行终', '立民终', '民申', '民提', '审监', '委赔', '知民初', '破'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1949, max: 2016 }),
        fc.constantFrom(...courts),
        fc.constantFrom(...types, ...moreTypes),
        fc.integer({ min: 1, max: 999_999_999 }),
        fc.constantFrom('（', '('),
        fc.constantFrom('）', ')'),
        fc.constantFrom('', ' ', '\t'),
        (year, court, type, seq, open, close, pad) => {
          const value = `${open}${year}${close}${court}${type}字第${seq}号`;
          expect(legacy(`${pad}${value}${pad}`)).toEqual({
            ok: true,
            value,
            year,
            court,
            type,
            seq,
            legacy: true,
          });
        },
      ),
    );
  });

  it('never throws, never quotes a name, and leaves numbers without 字 or 第 to the strict reading', () => {
    const chars = fc.constantFrom(...'（）()0123456789０１甬浙民二终执字第号之章某 X');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: chars, maxLength: 30 })), (s) => {
        const r = legacy(s);
        if (!r.ok) {
          expect(r.error).toMatch(/^caseNumber: /);
          expect(r.error).not.toMatch(/[章某X]/);
        } else if (r.legacy) {
          expect(r.value).toBe(s.trim());
          expect(r.value).toContain(`字第`);
          expect(r.year).toBeLessThanOrEqual(2016);
        }
        if (!/[字第]/.test(s)) expect(r).toEqual(parseCaseNumber(s));
      }),
      { numRuns: 3000 },
    );
  });
});
