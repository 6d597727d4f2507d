import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

describe('an empty variable is an unset one', () => {
  it('PORT= is 8787, not port 0 (a random one)', () => {
    expect(readConfig({ PORT: '' }).port).toBe(8787);
    expect(readConfig({ PORT: '0' }).port).toBe(0);
    expect(readConfig({ FIVECOLOR_TRUST_PROXY: '', FIVECOLOR_BADGE_CACHE: '' })).toMatchObject({
      trustProxy: false,
      badgeCache: true,
    });
    expect(readConfig({ FIVECOLOR_TRUST_PROXY: 'true', FIVECOLOR_BADGE_CACHE: 'off' })).toMatchObject({
      trustProxy: true,
      badgeCache: false,
    });
  });
});

describe('FIVECOLOR_COURT', () => {
  it('takes a court code and refuses anything else, naming the variable', () => {
    expect(readConfig({ FIVECOLOR_COURT: '浙02' }).court).toBe('浙02');
    expect(readConfig({}).court).toBeUndefined();
    for (const bad of ['Ningbo', '浙021', ' 浙02'])
      expect(() => readConfig({ FIVECOLOR_COURT: bad }), bad).toThrow(
        /^FIVECOLOR_COURT: must be a court code/,
      );
  });
});
