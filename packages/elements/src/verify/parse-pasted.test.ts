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

  it("reads the API's report numbers (court code in Chinese) and its verification link", () => {
    expect(parsePasted('报告编号：浙02-2026-000123 验证码：K7Q2M9XD')).toEqual({
      reportNo: '浙02-2026-000123',
      code: 'K7Q2M9XD',
    });
    expect(parsePasted('https://court.example/v1/reports/%E6%B5%9902-2026-000123?code=K7Q2M9XD')).toEqual({
      reportNo: '浙02-2026-000123',
      code: 'K7Q2M9XD',
    });
    expect(parsePasted('浙02-2026-000123 K7Q2M9XD')).toEqual({
      reportNo: '浙02-2026-000123',
      code: 'K7Q2M9XD',
    });
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
