import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

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
