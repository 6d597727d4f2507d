import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskName } from './mask.js';
import { ID_TYPES } from './party-id.js';
import { arbResidentId, arbUscc, toFullWidth } from './testing/ids.js';

describe('maskName', () => {
  it('keeps the first character of a person and stars the rest', () => {
    expect(maskName('章某某', 'person')).toBe('章**');
    expect(maskName('欧阳娜娜', 'person')).toBe('欧***');
    expect(maskName('李', 'person')).toBe('李');
    expect(maskName(' 王五 ', 'person')).toBe('王*');
    expect(maskName('', 'person')).toBe('');
  });

  it('counts code points, not UTF-16 units, and masks spaces too', () => {
    expect(maskName('𠮷田', 'person')).toBe('𠮷*');
    expect(maskName('张𠮷𠮷', 'person')).toBe('张**');
    expect(maskName('Li Lei', 'person')).toBe('L*****');
  });

  it('shows an organization in full, trimmed', () => {
    expect(maskName(' 宁波某某有限公司 ', 'org')).toBe('宁波某某有限公司');
  });

  it('treats an unexpected kind as a person', () => {
    expect(maskName('章某某', 'bank' as 'person')).toBe('章**');
  });

  it('reveals nothing but the first code point', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.oneof(fc.constant('a'), fc.constant('章'), fc.constant('𠮷'), fc.constant(' ')),
        }),
        (name) => {
          const [first = '', ...rest] = name.trim();
          expect(maskName(name, 'person')).toBe(first + '*'.repeat(rest.length));
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (name) => {
        const masked = [...maskName(name, 'person')];
        expect(masked.length).toBe([...name.trim()].length);
        expect(masked.slice(1).every((c) => c === '*')).toBe(true);
      }),
    );
  });
});

describe('maskIdNumber', () => {
  it('shows the first 4 and last 4 characters of a resident ID', () => {
    expect(maskIdNumber('RESIDENT_ID', '330201199001011234')).toBe('3302**********1234');
    expect(maskIdNumber('RESIDENT_ID', '11010519491231002x')).toBe('1101**********002X');
    expect(maskIdNumber('RESIDENT_ID', toFullWidth('330201199001011234'))).toBe('3302**********1234');
    fc.assert(
      fc.property(arbResidentId, (id) => {
        const masked = maskIdNumber('RESIDENT_ID', id);
        expect(masked).toBe(`${id.slice(0, 4)}${'*'.repeat(10)}${id.slice(14)}`);
        expect(masked).not.toContain(id.slice(6, 14)); // the birth date never shows
      }),
    );
  });

  it('shows a USCC in full', () => {
    expect(maskIdNumber('USCC', '914403001922038216')).toBe('914403001922038216');
    expect(maskIdNumber('uscc', ' ９１４４０３００１９２２０３８２１６ ')).toBe('914403001922038216');
    fc.assert(
      fc.property(arbUscc, (id) => {
        expect(maskIdNumber('USCC', id)).toBe(id);
      }),
    );
  });

  it('masks all but the last 2 characters of short numbers', () => {
    expect(maskIdNumber('PASSPORT', 'E12345678')).toBe('E123*5678');
    expect(maskIdNumber('TAIWAN_PERMIT', '12345678')).toBe('******78');
    expect(maskIdNumber('PASSPORT', 'E1234')).toBe('***34');
    expect(maskIdNumber('PASSPORT', 'E12')).toBe('*12');
    expect(maskIdNumber('PASSPORT', 'E1')).toBe('**');
    expect(maskIdNumber('PASSPORT', '')).toBe('');
  });

  it('masks other and unknown types, counting code points', () => {
    expect(maskIdNumber('FOREIGN_PR_ID', 'USA330112345678')).toBe('USA3*******5678');
    expect(maskIdNumber('HK_MACAO_PERMIT', 'H12345678')).toBe('H123*5678');
    expect(maskIdNumber('SOMETHING', '914403001922038216')).toBe('9144**********8216');
    expect(maskIdNumber('PASSPORT', 'AB𠮷𠮷𠮷CDEF1')).toBe('AB𠮷𠮷**DEF1');
  });

  it('keeps the length and hides the middle for every type but USCC', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ID_TYPES.filter((t) => t !== 'USCC')),
        fc.string({ unit: fc.constantFrom(...'0123456789ABX') }),
        (type, id) => {
          const masked = maskIdNumber(type, id);
          expect(masked.length).toBe(id.length);
          const hidden =
            id.length > 8 ? masked.slice(4, -4) : masked.slice(0, Math.max(0, id.length - 2) || id.length);
          expect(hidden).toMatch(/^\**$/);
          expect(hidden.length).toBe(
            id.length > 8 ? id.length - 8 : id.length > 2 ? id.length - 2 : id.length,
          );
        },
      ),
    );
  });
});
