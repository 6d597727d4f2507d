import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMPORT_COLUMNS } from '@fivecolor/api';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ImportFileError, readImportFile, readImportRows } from './import-file.js';

const dir = mkdtempSync(join(tmpdir(), 'fivecolor-import-file-'));
const fileOf = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

/** What csv-parse reads from the whole text at once: the expected rows, line numbers included. */
function expected(text: string) {
  const records = parse(text, {
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [header, ...rest] = records;
  return rest.map(({ record, info }) => ({
    line: info.lines,
    raw: Object.fromEntries((header as { record: string[] }).record.map((h, i) => [h, record[i]])),
  }));
}

const head = IMPORT_COLUMNS.join(',');
const row = (i: number, note: string) =>
  `ext-${i},person,RESIDENT_ID,11010519491231002X,张三,Y01,浙0212,（2025）浙0212民初${i}号,2025-01-0${(i % 9) + 1},,${note},`;

describe('readImportRows (csv-parse, a chunk of the file at a time)', () => {
  it('reads a file of several chunks row for row as csv-parse reads the whole text: quoted line breaks, CRLF, a BOM, blank lines', async () => {
    const lines = [head];
    for (let i = 0; i < 40_000; i++) {
      const note = i % 7 === 0 ? `"two\r\nlines, and a ""quote"""` : i % 11 === 0 ? '  spaced  ' : `n${i}`;
      lines.push(row(i, note));
      if (i % 997 === 0) lines.push('   ');
    }
    const text = `\ufeff${lines.join('\r\n')}\r\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * 1024 * 1024); // several chunks of the reader
    const file = fileOf('many.csv', text);
    let chunks = 0;
    const got = [];
    for await (const rows of readImportRows(file, { format: 'csv', encoding: 'utf8' })) {
      chunks++;
      got.push(...rows);
    }
    expect(chunks).toBeGreaterThan(1);
    expect(got).toEqual(expected(text));
  });

  it('names the line of text that is not CSV, and refuses an empty file naming the columns', async () => {
    const bad = fileOf('bad.csv', `${head}\n${row(1, 'ok')}\n${row(2, 'a "quote" inside')}\n`);
    await expect(async () => {
      for await (const _ of readImportFile(bad, { format: 'csv', encoding: 'utf8' })) void _;
    }).rejects.toThrow(/^\S*bad\.csv: line 3: not valid CSV \(INVALID_OPENING_QUOTE\)$/);
    const empty = fileOf('empty.csv', '');
    await expect(async () => {
      for await (const _ of readImportFile(empty, { format: 'csv', encoding: 'utf8' })) void _;
    }).rejects.toThrow(ImportFileError);
  });
});
