import { describe, expect, it } from 'vitest';
import { addMonths, cstDateTime, parsePartyRows, toCsv } from './format.js';

describe('parsePartyRows', () => {
  it('reads typed lines with spaces, tabs or commas, and names', () => {
    expect(parsePartyRows('RESIDENT_ID 330203199001011234 章某某\nUSCC\t91330200MA2AXXXX1X\n')).toEqual([
      { idType: 'RESIDENT_ID', idNumber: '330203199001011234', name: '章某某' },
      { idType: 'USCC', idNumber: '91330200MA2AXXXX1X' },
    ]);
  });
  it('reads a CSV export with a header in any column order, quotes and a BOM', () => {
    const csv = '\uFEFF姓名,证件号码,证件类型\r\n"李某, 代理",11010519491231002X,居民身份证\r\n';
    expect(parsePartyRows(csv)).toEqual([
      { idType: 'RESIDENT_ID', idNumber: '11010519491231002X', name: '李某, 代理' },
    ]);
  });
  it('guesses the type where a header names no type column, or its cell is empty', () => {
    expect(parsePartyRows('姓名,证件号码\n李某,330203195001030551\n某公司,9133020000990003XA')).toEqual([
      { idType: 'RESIDENT_ID', idNumber: '330203195001030551', name: '李某' },
      { idType: 'USCC', idNumber: '9133020000990003XA', name: '某公司' },
    ]);
    expect(parsePartyRows('name,idNumber,idType\n李某,330203195001030551,')).toEqual([
      { idType: 'RESIDENT_ID', idNumber: '330203195001030551', name: '李某' },
    ]);
  });
  it('guesses the type of a bare number', () => {
    expect(parsePartyRows('11010519491231002X\n91330200MA2AXXXX1X 某公司').map((r) => r.idType)).toEqual([
      'RESIDENT_ID',
      'USCC',
    ]);
  });
});

describe('formats', () => {
  it('shows instants in China Standard Time', () => {
    expect(cstDateTime('2026-01-31T16:30:00Z')).toBe('2026-02-01 00:30');
  });
  it('shifts months and writes CSV that round-trips quotes', () => {
    expect(addMonths('2026-01-31', -2)).toBe('2025-11-01');
    expect(
      toCsv([
        ['a', 'b,"c"'],
        [1, null],
      ]),
    ).toBe('\uFEFFa,"b,""c"""\r\n1,\r\n');
  });
});
