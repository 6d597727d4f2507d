import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type CsvRecord, CsvSyntaxError, createCsvReader } from './import-file.js';

/** Records of `text` fed in pieces cut at `cuts`. */
function read(text: string, cuts: number[] = []): CsvRecord[] {
  const push = createCsvReader();
  const out: CsvRecord[] = [];
  let at = 0;
  for (const c of cuts) {
    push(text.slice(at, c), false, out);
    at = c;
  }
  push(text.slice(at), true, out);
  return out;
}

const csvParse = (text: string) =>
  (
    parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[]
  ).map((r) => ({ record: r.record, line: r.info.lines }));

describe('createCsvReader', () => {
  const samples = [
    'a,b,c\n1,2,3\n',
    '\uFEFFexternalId,name\nA-1, 王某 \n\nA-2,"李, ""某"""\n',
    'a,"multi\nline",c\n  \nx,,\n"",z',
    'a , "q" ,\t"r"\t\ny',
    'a,b\r\nc,d\r\n\r\n"e\nf",g\r\n',
    ',,\n,\n"x""y"\n',
  ];
  it.each(samples)('reads %j as csv-parse does, fed whole or a character at a time', (text) => {
    const expected = csvParse(text);
    expect(read(text)).toEqual(expected);
    expect(read(text, Array.from(text, (_, i) => i).slice(1))).toEqual(expected);
  });

  it('names the line a record ends on and refuses what is not CSV with csv-parse codes', () => {
    expect(read('h\n"a\nb"\nc').map((r) => r.line)).toEqual([1, 3, 4]);
    // A quoted CRLF is one line break (csv-parse counts two).
    expect(read('h\r\n"a\r\nb"\r\nc', [3, 4, 7])).toEqual([
      { record: ['h'], line: 1 },
      { record: ['a\r\nb'], line: 3 },
      { record: ['c'], line: 4 },
    ]);
    const error = (text: string) => {
      try {
        read(text);
        return null;
      } catch (err) {
        return err instanceof CsvSyntaxError ? [err.code, err.line] : err;
      }
    };
    expect(error('h\nab"c\n')).toEqual(['INVALID_OPENING_QUOTE', 2]);
    expect(error('h\n"a"b\n')).toEqual(['CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE', 2]);
    expect(error('h\n"a\nb\n')).toEqual(['CSV_QUOTE_NOT_CLOSED', 4]);
  });
});
