import { describe, expect, it } from 'vitest';
import { StringArena } from './string-arena.js';

describe('StringArena', () => {
  it('gives equal strings one code and gives every string back as it was (Latin-1, UTF-16, across growth)', () => {
    const arena = new StringArena();
    const strings = [
      '',
      'pty_AbC-_9',
      'é', // one byte in Latin-1
      '章**',
      '宁波某某有限公司',
      '𠮷*', // a surrogate pair
      '\u0000x\uffff',
      ...Array.from({ length: 3000 }, (_, i) =>
        i % 3 ? `pty_${i}` : `${'赵钱孙李'[i % 4]}${'*'.repeat(i % 5)}${i}`,
      ),
    ];
    const codes = strings.map((s) => arena.intern(s));
    expect(new Set(codes).size).toBe(strings.length);
    expect(codes).toEqual(strings.map((_, i) => i));
    strings.forEach((s, i) => {
      expect(arena.get(i)).toBe(s);
      expect(arena.find(s)).toBe(i);
      expect(arena.intern(s)).toBe(i);
    });
    expect(arena.size).toBe(strings.length);
    for (const s of ['pty_AbC-_8', '章*', '章***', 'e', 'pty_3000', '𠮷']) expect(arena.find(s)).toBe(-1);
  });
});
