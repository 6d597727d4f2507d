import { describe, expect, it } from 'vitest';
import { parsePasted } from './parse-pasted.js';

describe('parsePasted', () => {
  it('reads labelled Chinese text, with full-width colons and spaces', () => {
    expect(parsePasted('报告编号：R2026000123\n验证码：AB12CD34')).toEqual({
      reportNo: 'R2026000123',
      code: 'AB12CD34',
    });
    expect(parsePasted('报告编号：Ｒ２０２６０００１２３　验证码：ＡＢ１２ＣＤ３４')).toEqual({
      reportNo: 'R2026000123',
      code: 'AB12CD34',
    });
  });

  it('reads labelled English text', () => {
    expect(parsePasted('Report No. R-77 / Verification code: x9y8z7w6')).toEqual({
      reportNo: 'R-77',
      code: 'x9y8z7w6',
    });
  });

  it('reads a verification link', () => {
    expect(parsePasted('https://court.example/verify?reportNo=R1%2F2&code=AB12CD34')).toEqual({
      reportNo: 'R1/2',
      code: 'AB12CD34',
    });
    expect(parsePasted('https://court.example/verify?reportNo=R1')).toBeUndefined();
  });

  it('reads two values separated by a space or comma', () => {
    expect(parsePasted('R2026000123 AB12CD34')).toEqual({ reportNo: 'R2026000123', code: 'AB12CD34' });
    expect(parsePasted('R2026000123，AB12CD34')).toEqual({ reportNo: 'R2026000123', code: 'AB12CD34' });
  });

  it('leaves a single value to the normal paste', () => {
    expect(parsePasted('R2026000123')).toBeUndefined();
    expect(parsePasted('AB12CD34')).toBeUndefined();
    expect(parsePasted('R2026000123 ABC')).toBeUndefined();
  });
});
