import { describe, expect, it } from 'vitest';
import { catalog } from './catalog.js';
import catalogJson from './catalog.json' with { type: 'json' };
import { colorLabel, colorMeaning } from './labels.js';
import { defaultPolicy, validatePolicy } from './policy.js';

describe('catalog and default policy', () => {
  it('ships the 29 categories of the spec with the same fields', () => {
    expect(catalog).toHaveLength(29);
    expect(catalog).toEqual(catalogJson.categories);
    const count = (color: string) => catalog.filter((c) => c.color === color).length;
    expect([count('red'), count('yellow'), count('green'), count('blue'), count('gold')]).toEqual([
      4, 22, 1, 1, 1,
    ]);
    expect(defaultPolicy.id).toBe('default-2022');
    expect(defaultPolicy.precedence).toEqual(['red', 'yellow', 'blue', 'gold', 'green']);
    expect(() => validatePolicy(defaultPolicy)).not.toThrow();
  });

  it('rejects a malformed policy naming the field', () => {
    const bad = (patch: object) => () => validatePolicy({ ...defaultPolicy, ...patch });
    expect(bad({ id: ' ' })).toThrow('policy.id: must be a non-empty string');
    expect(bad({ precedence: ['red', 'yellow', 'blue', 'gold'] })).toThrow(
      /policy.precedence: must list the five colors/,
    );
    expect(bad({ precedence: ['red', 'red', 'blue', 'gold', 'green'] })).toThrow(
      'policy.precedence[1]: "red" is listed twice',
    );
    expect(bad({ precedence: ['red', 'pink', 'blue', 'gold', 'green'] })).toThrow(
      /policy.precedence\[1\]: "pink" is not a color/,
    );
    const cats = (i: number, patch: object) => ({
      categories: catalog.map((c, j) => (j === i ? { ...c, ...patch } : c)),
    });
    expect(bad(cats(3, { duration: 'P2X' }))).toThrow(
      /policy.categories\[3\].duration: "P2X" must be an ISO 8601/,
    );
    expect(bad(cats(0, { color: 'black' }))).toThrow(/policy.categories\[0\].color/);
    expect(bad(cats(5, { code: 'R01' }))).toThrow('policy.categories[5].code: "R01" appears twice');
    expect(bad(cats(2, { repairable: 'yes' }))).toThrow(
      'policy.categories[2].repairable: must be true or false',
    );
    expect(() => validatePolicy(null)).toThrow('policy: must be an object');
  });
});

describe('labels', () => {
  it('names every color in zh-CN and English', () => {
    expect(['green', 'red', 'yellow', 'blue', 'gold'].map((c) => colorLabel(c as never))).toEqual([
      '绿码',
      '红码',
      '黄码',
      '蓝码',
      '金码',
    ]);
    expect(colorLabel('blue', 'en')).toBe('Blue code');
    expect(colorMeaning('gold', 'zh-CN')).toContain('自动履行');
    expect(() => colorLabel('pink' as never)).toThrow(/color: "pink"/);
    expect(() => colorLabel('red', 'de' as never)).toThrow(/lang/);
  });
});
