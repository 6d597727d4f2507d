import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMPORT_COLUMNS } from '@fivecolor/api';
import { defaultPolicy } from '@fivecolor/core';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CSV_OPTIONS,
  checkedRows,
  checkReadable,
  ImportFileError,
  PlainQuotes,
  readImportFile,
  readImportRows,
} from './import-file.js';

const dir = mkdtempSync(join(tmpdir(), 'fivecolor-import-file-'));
const fileOf = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

/**
 * What csv-parse reads from the whole text at once: the expected rows, with the line each begins on (its
 * first byte that is not blank after the end of the record before), lines counted as an editor counts them
 * (csv-parse's own count takes a CRLF inside quotes for two lines).
 */
function expected(text: string) {
  const records = parse(text, { ...CSV_OPTIONS, info: true }) as unknown as {
    record: string[];
    info: { bytes: number };
  }[];
  const bytes = Buffer.from(text);
  let end = 0; // where the record before ended
  let start = 0;
  let line = 1;
  const begins = (r: { info: { bytes: number } }) => {
    let at = end;
    while (at < bytes.length && ' \t\r\n'.includes(String.fromCharCode(bytes[at] as number))) at++;
    line +=
      bytes
        .subarray(start, at)
        .toString('latin1')
        .match(/\r\n|\r|\n/g)?.length ?? 0;
    start = at;
    end = r.info.bytes;
    return line;
  };
  const [header, ...rest] = records.map((r) => ({ ...r, line: begins(r) }));
  return rest.map(({ record, line }) => ({
    line,
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

  const read = async (file: string, format: 'csv' | 'ndjson' = 'csv') => {
    const rows = [];
    for await (const r of readImportFile(file, { format, encoding: 'utf8' })) rows.push(r);
    return rows;
  };

  it('numbers each row by the line it begins on, lines counted as an editor counts them: \\n, \\r\\n or a lone \\r, inside quotes or not, whatever ends the header', async () => {
    // Row 1 on line 2, row 2 on lines 3–4, row 3 on 5–7 (a lone \r and a \n inside its note), a blank line 8,
    // row 4 on line 9.
    const rows = [row(1, 'ok'), row(2, '"two\r\nlines"'), row(3, '"a lone\rcr, and\nlf"'), '', row(4, 'ok')];
    const files = {
      lf: `${head}\n${rows.join('\n')}\n`,
      crlf: `${head}\r\n${rows.join('\r\n')}\r\n`,
      cr: `${head}\r${rows.join('\r')}\r`,
      'lf-over-crlf': `${head}\n${rows.join('\r\n')}\r\n`,
      'crlf-over-lf': `${head}\r\n${rows.join('\n')}\n`,
      mixed: `${head}\r\n${rows.slice(0, 2).join('\n')}\r${rows.slice(2).join('\r\n')}\n`,
      'no-last-break': `${head}\r\n${rows.join('\r\n')}`,
    };
    for (const [name, text] of Object.entries(files)) {
      const got = await read(fileOf(`${name}.csv`, text));
      expect(got.map((r) => r.line)).toEqual([2, 3, 5, 9]);
      expect(got).toEqual(expected(text));
    }
    // A quoting error is named by the line its record begins on, after quoted line breaks in it or before it.
    await expect(
      read(fileOf('after.csv', `${head}\r\n${row(1, '"a\r\nb"')}\r\n${row(2, '"two\r\nlines"x')}\r\n`)),
    ).rejects.toThrow(/after\.csv: line 4: a quoted field has text after its closing quote/);
    await expect(
      read(
        fileOf(
          'open-cr.csv',
          `${[head, row(1, '"a\r\nb"'), '', row(2, '"never'), row(3, 'ok')].join('\r')}\r`,
        ),
      ),
    ).rejects.toThrow(/open-cr\.csv: line 5: a quoted field is not closed by the end of the file/);
  });

  it('keeps a quote inside an unquoted field as written; names the line of a quote never closed or closed mid-field; refuses an empty file naming the columns', async () => {
    const stray = fileOf('stray.csv', `${head}\n${row(1, 'ok')}\n${row(2, '他说"还钱"了')}\n`);
    expect((await read(stray))[1]).toMatchObject({ line: 3, raw: { note: '他说"还钱"了' } });
    const open = fileOf(
      'open.csv',
      `${head}\n${row(1, 'ok')}\n${row(2, '"never closed')}\n${row(3, 'ok')}\n${row(4, 'ok')}\n`,
    );
    await expect(read(open)).rejects.toThrow(
      /^\S*open\.csv: line 3: a quoted field is not closed by the end of the file \(CSV_QUOTE_NOT_CLOSED\)$/,
    );
    const closed = fileOf(
      'closed.csv',
      `${head}\n${row(1, 'ok')}\n${row(2, 'ok')}\n${row(3, '"closed"early')}\n`,
    );
    await expect(read(closed)).rejects.toThrow(
      /^\S*closed\.csv: line 4: a quoted field has text after its closing quote \(inside quotes, write a quote twice: ""\) \(CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE\)$/,
    );
    const empty = fileOf('empty.csv', '');
    await expect(read(empty)).rejects.toThrow(ImportFileError);
    // NDJSON alike: nothing, or blank lines only.
    for (const [name, text] of [
      ['empty.ndjson', ''],
      ['blank.ndjson', '\n  \r\n\n'],
    ] as const)
      await expect(read(fileOf(name, text), 'ndjson')).rejects.toThrow(
        `${join(dir, name)}: empty; each line is a JSON object with the columns: ${IMPORT_COLUMNS.join(', ')}`,
      );
  });
});

describe('readImportRows: rows of empty cells', () => {
  it('passes over a row of empty cells (Excel writes one for each formatted empty row), whatever its length', async () => {
    const file = fileOf(
      'commas.csv',
      `${head}\n${row(1, 'ok')}\n,,,,,,,,,,,\n , ,\n${row(2, 'ok')}\n,,,,,,,,,,,\n`,
    );
    const rows = [];
    for await (const chunk of readImportRows(file, { format: 'csv', encoding: 'utf8' })) rows.push(...chunk);
    expect(rows.map((r) => ('raw' in r ? [r.line, r.raw.externalId] : [r.line, r.problem.rule]))).toEqual([
      [2, 'ext-1'],
      [5, 'ext-2'],
    ]);
    const only = fileOf('only-commas.csv', ',,,\n , \n,,,,,,,,,,,,\n');
    await expect(readImportRows(only, { format: 'csv', encoding: 'utf8' }).next()).rejects.toThrow(
      /only-commas\.csv: empty; the first line names the columns/,
    );
  });
});

describe('checkedRows (each row checked, a second line of an external id refused)', () => {
  const o = { format: 'csv' as const, encoding: 'utf8' as const, policy: defaultPolicy, today: '2026-12-01' };
  const check = async (file: string, format: 'csv' | 'ndjson' = 'csv') => {
    const rows: { line: number; externalId: string }[] = [];
    const bad: { line: number; column: string; rule: string }[] = [];
    for await (const chunk of checkedRows(file, { ...o, format })) {
      rows.push(...chunk.rows.map((r) => ({ line: r.line, externalId: r.externalId })));
      bad.push(...chunk.bad);
    }
    return { rows, bad };
  };
  const ID = '11010519491231002X';
  const ndjson = (fields: Record<string, unknown>) =>
    JSON.stringify({
      externalId: 'N-1',
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: ID,
      name: '张三',
      category: 'Y01',
      court: '浙0212',
      caseNumber: '（2025）浙0212民初1号',
      effectiveFrom: '2025-01-01',
      ...fields,
    });

  it('refuses the second line of an external id when the first was bad too (not taken in its place)', async () => {
    const file = fileOf(
      'dup.csv',
      `${head}\n${row(1, 'ok').replace('2025-01-02', '2025-1-2x')}\n${row(1, 'ok')}\n`,
    );
    expect(await check(file)).toEqual({
      rows: [],
      bad: [
        { line: 2, column: 'effectiveFrom', rule: expect.stringMatching(/^must be a date/) },
        { line: 3, column: 'externalId', rule: 'appears twice in the file (first on line 2)' },
      ],
    });
  });

  it('refuses the second line of an external id when the first had the wrong number of fields', async () => {
    const file = fileOf('dup-fields.csv', `${head}\n${row(1, 'ok')},extra\n${row(1, 'ok')}\n`);
    expect(await check(file)).toEqual({
      rows: [],
      bad: [
        { line: 2, column: 'line', rule: 'has 13 fields, the header 12' },
        { line: 3, column: 'externalId', rule: 'appears twice in the file (first on line 2)' },
      ],
    });
  });

  it('refuses U+FFFD written as a JSON escape (text garbled before it was exported) and a name longer than party.register takes', async () => {
    const lines = [
      ndjson({ externalId: 'F-1', name: '张\ufffd' }),
      ndjson({ externalId: 'F-2', note: '\ufffd\ufffd' }),
      ndjson({ externalId: 'F-3', category: 'B01', repairs: ['F-1\ufffd'] }),
      ndjson({ externalId: 'F-4', name: '张'.repeat(101) }),
      ndjson({ externalId: 'F-5', name: '张'.repeat(100) }),
      ndjson({ externalId: 'F-7', caseNumber: '（2025）浙0212民初8号', note: '锟斤拷锟斤拷' }), // U+FFFD's UTF-8 bytes read as GBK
      ndjson({
        externalId: 'F-6',
        category: 'B01',
        repairs: Array.from({ length: 101 }, (_, i) => `R-${i}`),
      }),
    ].map((l) => l.replaceAll('\uFFFD', '\\ufffd')); // JSON.stringify writes U+FFFD as it is
    expect(lines[0]).toContain('"张\\ufffd"');
    const { rows, bad } = await check(fileOf('garbled.ndjson', `${lines.join('\n')}\n`), 'ndjson');
    expect(rows).toEqual([{ line: 5, externalId: 'F-5' }]);
    const garbled = expect.stringMatching(/^holds U\+FFFD replacement characters .*export it again/);
    expect(bad).toEqual([
      { line: 1, column: 'name', rule: garbled },
      { line: 2, column: 'note', rule: garbled },
      { line: 3, column: 'repairs', rule: garbled },
      { line: 4, column: 'name', rule: 'must be at most 100 characters' },
      { line: 6, column: 'note', rule: garbled },
      { line: 7, column: 'repairs', rule: 'must list at most 100 external ids' },
    ]);
  });

  it('takes a pre-2016 case number written otherwise on a later line for the same record', async () => {
    const old = (i: number, caseNumber: string) =>
      row(i, 'ok')
        .replace('（2025）浙0212民初1号'.replace('1号', `${i}号`), caseNumber)
        .replace(/2025-01-0\d/, '2015-09-01');
    const file = fileOf(
      'legacy.csv',
      [
        head,
        old(1, '（2015）甬民二终字第123号'),
        old(2, '(2015)甬民二终字第 123 号'),
        old(3, '（２０１５）甬民二终字第１２３号'),
        old(4, '（2015）甬民二终字第124号'),
      ].join('\n'),
    );
    const { rows, bad } = await check(file);
    expect(rows).toEqual([
      { line: 2, externalId: 'ext-1' },
      { line: 5, externalId: 'ext-4' },
    ]);
    expect(bad).toEqual(
      [3, 4].map((line) => ({
        line,
        column: 'caseNumber',
        rule: 'names the same record (party, category, case number, effectiveFrom) as line 2',
      })),
    );
  });

  it('refuses text PostgreSQL cannot keep (an unpaired surrogate anywhere, a NUL in repairs) and repairs that are not text', async () => {
    // JSON.stringify writes a lone surrogate as the escape \ud800, as another system's export would.
    const lines = [
      ndjson({ externalId: 'N-1', note: 'bad \ud800 half' }),
      ndjson({ externalId: 'N-2\udc00' }),
      ndjson({ externalId: 'N-3', category: 'B01', repairs: ['N-1\u0000'] }),
      ndjson({ externalId: 'N-4', category: 'B01', repairs: ['N-1\ud800'] }),
      ndjson({ externalId: 'N-5', category: 'B01', repairs: [{ a: 1 }] }),
      ndjson({ externalId: 'N-6', note: 'a whole pair 𠀀 is text' }),
      ndjson({ externalId: 'N-7', caseNumber: '（2025）浙0212民初7号', effectiveUntil: '  ', note: ' ' }), // blank: as a CSV's empty cells
    ];
    const { rows, bad } = await check(fileOf('surrogates.ndjson', `${lines.join('\n')}\n`), 'ndjson');
    expect(rows).toEqual([
      { line: 6, externalId: 'N-6' },
      { line: 7, externalId: 'N-7' },
    ]);
    expect(bad).toEqual([
      { line: 1, column: 'note', rule: 'must be well-formed Unicode (no unpaired surrogate)' },
      { line: 2, column: 'externalId', rule: 'must be well-formed Unicode (no unpaired surrogate)' },
      { line: 3, column: 'repairs', rule: 'must not contain control characters' },
      { line: 4, column: 'repairs', rule: 'must be well-formed Unicode (no unpaired surrogate)' },
      { line: 5, column: 'repairs', rule: 'must be external ids separated by ; (or a JSON array of text)' },
    ]);
  });

  it('quotes back no value that may be personal data: a name in the category column, a file without a header line, unknown keys', async () => {
    const swapped = fileOf('swapped.csv', `${head}\n${row(1, 'ok').replace('张三,Y01', 'Y01,张三')}\n`);
    const { bad } = await check(swapped);
    expect(bad).toContainEqual({
      line: 2,
      column: 'category',
      rule: 'unknown category; use a catalog code (R01…G01)',
    });
    expect(JSON.stringify(bad)).not.toContain('张三');
    expect(
      (await check(fileOf('z99.csv', `${head}\n${row(1, 'ok').replace(',Y01,', ',Z99,')}\n`))).bad,
    ).toContainEqual({
      line: 2,
      column: 'category',
      rule: 'unknown category Z99; use a catalog code (R01…G01)',
    });
    const headerless = fileOf('headerless.csv', `${row(1, 'ok')}\n${row(2, 'ok')}\n`);
    const refused = (await check(headerless).catch((e: Error) => e)) as Error;
    expect(refused.message).toMatch(/line 1: unknown column \(column 1\); the first line names the columns/);
    expect(refused.message).not.toContain(ID);
    // A passport or a permit number has a name's shape but for its digits: not quoted either.
    const keys = await check(
      fileOf('keys.ndjson', `${ndjson({ [ID]: 1, E12345678: 2, H1234567801: 3, extra: 4, note2024: 5 })}\n`),
      'ndjson',
    );
    expect(keys.bad).toEqual([
      { line: 1, column: 'line', rule: 'unknown column' },
      { line: 1, column: 'line', rule: 'unknown column' },
      { line: 1, column: 'line', rule: 'unknown column' },
      { line: 1, column: 'line', rule: 'unknown column "extra"' },
      { line: 1, column: 'line', rule: 'unknown column "note2024"' },
    ]);
    const passportFirst = fileOf('passport.csv', `E12345678,${head}\n`);
    const told = (await check(passportFirst).catch((e: Error) => e)) as Error;
    expect(told.message).toMatch(/line 1: unknown column \(column 1\)/);
    expect(told.message).not.toContain('12345678');
  });

  it('refuses a header naming a column twice (which of the two would be read?)', async () => {
    const twice = fileOf('twice.csv', `${head},idNumber\n${row(1, 'ok')},${ID}\n`);
    await expect(check(twice)).rejects.toThrow(
      /line 1: column idNumber appears twice; name each column once/,
    );
  });
});

describe('checkReadable (the whole file, before a real run writes anything)', () => {
  // Several of the reader's chunks, the problem in a later one, on a line that is known.
  const lines = (n: number, at: number, bad: string) => {
    const out = [head];
    for (let i = 1; i < n; i++) out.push(row(i, i + 1 === at ? bad : `n${i}`));
    return `${out.join('\n')}\n`;
  };
  const check = (file: string, encoding: 'utf8' | 'gb18030' = 'utf8') =>
    checkReadable(file, { format: 'csv', encoding });

  it('names the line and byte of bytes that are not UTF-8, and the line of U+FFFD, in any chunk', async () => {
    const text = lines(6000, 5000, 'BAD');
    const at = Buffer.byteLength(text.slice(0, text.indexOf('BAD')));
    expect(at).toBeGreaterThan(1 << 19); // past the reader's second chunk
    const bytes = Buffer.from(text);
    bytes[at] = 0xff;
    const file = fileOf('bytes.csv', '');
    writeFileSync(file, bytes);
    await expect(check(file)).rejects.toThrow(
      `${file}: line 5,000 (byte ${at.toLocaleString('en-US')}): not valid UTF-8; a file saved by Excel in China is usually GB18030: add --encoding gb18030`,
    );
    await expect(check(fileOf('garbled.csv', lines(6000, 4321, '锟斤拷\uFFFD')))).rejects.toThrow(
      /garbled\.csv: line 4,321: the text holds U\+FFFD/,
    );
    await expect(check(fileOf('fine.csv', lines(6000, 10, 'a "quote" inside')))).resolves.toBeUndefined();
    // Lines ended by a lone \r are lines.
    const cr = Buffer.from(lines(6000, 5000, 'BAD').replaceAll('\n', '\r'));
    cr[at] = 0xff;
    writeFileSync(file, cr);
    await expect(check(file)).rejects.toThrow(
      `${file}: line 5,000 (byte ${at.toLocaleString('en-US')}): not valid UTF-8;`,
    );
  });

  it('refuses a file of nothing but blank lines, CSV or NDJSON, before anything is opened', async () => {
    for (const [name, text] of [
      ['empty.csv', ''],
      ['blank.csv', '\ufeff\r\n  \n'],
      ['empty.ndjson', ''],
      ['blank.ndjson', '\n\n'],
    ] as const) {
      const format = name.endsWith('.csv') ? 'csv' : 'ndjson';
      await expect(checkReadable(fileOf(name, text), { format, encoding: 'utf8' })).rejects.toThrow(
        new RegExp(
          `${name.replace('.', '\\.')}: empty; (the first line names|each line is a JSON object with) the columns`,
        ),
      );
    }
  });

  it('skips a UTF-8 byte-order mark before GB18030 text; read as UTF-8, the file gets the hint to add --encoding gb18030', async () => {
    const example = readFileSync(
      fileURLToPath(new URL('../../../docs/examples/import-gb18030.csv', import.meta.url)),
    );
    const file = fileOf('bom-gb.csv', '');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), example]));
    await expect(check(file)).rejects.toThrow(
      /: line 2 \(byte [\d,]+\): not valid UTF-8; .*add --encoding gb18030$/,
    );
    await expect(check(file, 'gb18030')).resolves.toBeUndefined();
    const rows = [];
    for await (const r of readImportFile(file, { format: 'csv', encoding: 'gb18030' })) rows.push(r);
    expect(rows).toHaveLength(7);
    expect(rows[0]).toMatchObject({ line: 2, raw: { externalId: 'CMS-0001', court: '浙0203' } });
  });

  it('parses a file holding quotes through, so a quote never closed is found before anything is written', async () => {
    await expect(check(fileOf('late.csv', lines(6000, 5999, '"never closed')))).rejects.toThrow(
      /late\.csv: line 5,999: a quoted field is not closed/,
    );
    // Blank lines before it are skipped, and counted.
    const blank = `${head}\n${row(1, 'ok')}\n\n   \n\n${row(2, '"never closed')}\n${row(3, 'ok')}\n`;
    await expect(check(fileOf('blank.csv', blank))).rejects.toThrow(
      /blank\.csv: line 6: a quoted field is not closed/,
    );
  });

  /** Where `bytes` (a file) splits into the reader's chunks. */
  const CHUNK = 1 << 18;
  const lineOf = (bytes: Buffer, at: number) => bytes.subarray(0, at).toString('latin1').split('\n').length;
  const where = (bytes: Buffer, at: number) =>
    `line ${lineOf(bytes, at).toLocaleString('en-US')} (byte ${at.toLocaleString('en-US')})`;

  it('names the bad byte even when a chunk begins inside a character (GB18030: every other Chinese byte)', async () => {
    // The example's rows, GB18030 bytes, repeated, with ASCII padding moved until a chunk begins on a
    // character's second byte: decoding from there is out of step with the characters.
    const example = readFileSync(
      fileURLToPath(new URL('../../../docs/examples/import-gb18030.csv', import.meta.url)),
    );
    const [header, ...body] = example.toString('latin1').split('\n').filter(Boolean);
    for (let pad = 0; pad < 40; pad++) {
      const text = `${(header as string).replace('\r', ' '.repeat(pad))}\r\n${Array.from({ length: 3000 }, (_, i) => body[i % body.length]).join('\n')}\n`;
      const bytes = Buffer.from(text, 'latin1');
      let misaligned = false;
      try {
        new TextDecoder('gb18030', { fatal: true }).decode(bytes.subarray(CHUNK, CHUNK + 4000), {
          stream: true,
        });
      } catch {
        misaligned = true;
      }
      if (!misaligned) continue;
      const bad = bytes.indexOf(10, CHUNK + 2000) + 5; // a few bytes into a later line of that chunk
      bytes[bad] = 0xff;
      const file = fileOf('gb.csv', '');
      writeFileSync(file, bytes);
      await expect(check(file, 'gb18030')).rejects.toThrow(
        `${file}: ${where(bytes, bad)}: not valid GB18030 text`,
      );
      return;
    }
    throw new Error('no padding made a chunk begin inside a character');
  });

  it('names a stray byte at the first byte of a chunk, and a file that ends inside a character', async () => {
    let pad = 0; // the header padded until an ASCII byte sits at a chunk's start
    while (
      (Buffer.from(lines(3000, 2999, 'x').replace('\n', `${' '.repeat(pad)}\n`))[CHUNK] as number) >= 0x80
    )
      pad++;
    const bytes = Buffer.from(lines(3000, 2999, 'x').replace('\n', `${' '.repeat(pad)}\n`));
    bytes[CHUNK] = 0x80; // a continuation byte with nothing to continue
    const file = fileOf('stray.csv', '');
    writeFileSync(file, bytes);
    await expect(check(file)).rejects.toThrow(`${file}: ${where(bytes, CHUNK)}: not valid UTF-8;`);
    const cut = Buffer.from(`${head}\n${row(1, '还钱')}`);
    writeFileSync(file, cut.subarray(0, cut.length - 2)); // the last character's first byte only
    await expect(check(file)).rejects.toThrow(
      `${file}: line 2 (byte ${(cut.length - 2).toLocaleString('en-US')}): the file ends inside a character: not valid UTF-8`,
    );
  });
});

describe('PlainQuotes (whether the whole-file check may skip parsing)', () => {
  const plain = (chunks: string[]) => {
    const q = new PlainQuotes();
    for (const c of chunks) q.add(c);
    return q.end();
  };
  /** `text` cut into chunks at the given places. */
  const cut = (text: string, at: number[]) => {
    const points = [...new Set(at.map((n) => n % (text.length + 1)))].sort((a, b) => a - b);
    return [0, ...points].map((p, i) => text.slice(p, points[i] ?? text.length));
  };

  it('says plain only of text csv-parse reads without an error, however it is cut', () => {
    let quotedPlain = 0;
    fc.assert(
      fc.property(
        fc
          .tuple(
            fc.constantFrom('', 'h\n', 'h\r\n'), // mostly a first line without quotes, as a header is
            fc.array(fc.constantFrom('a', '字', ',', '"', '\n', '\r', ' '), { maxLength: 40 }),
          )
          .map(([first, c]) => first + c.join('')),
        fc.array(fc.nat(), { maxLength: 4 }),
        (text, at) => {
          if (text.includes('"')) quotedPlain += plain([text]) ? 1 : 0;
          const whole = plain([text]);
          expect(plain(cut(text, at))).toBe(whole);
          if (whole) expect(() => parse(text, CSV_OPTIONS)).not.toThrow();
        },
      ),
      { numRuns: 20_000 },
    );
    expect(quotedPlain).toBeGreaterThan(200); // the property was tried on plain text with quotes, not only refused
  });

  it('says plain of any file quoted as RFC 4180 writes it (Excel: only the fields that need it), below a header without quotes', () => {
    const field = fc
      .array(fc.constantFrom('a', '字', ',', '"', '\n', ' ', '-'), { maxLength: 8 })
      .map((c) => c.join(''))
      .map((f) => (/[",\n]/.test(f) || f.trim() !== f ? `"${f.replaceAll('"', '""')}"` : f));
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 4 }),
        (records, eol, at) => {
          const text = `externalId,note${eol}${records.map((r) => r.join(',')).join(eol)}${eol}`;
          expect(plain(cut(text, at))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
    expect(plain(['h\na,"b', '"', '"c",d\n'])).toBe(true); // a doubled quote cut between chunks
    expect(plain(['h\r', '\na,"b"\r', '\n'])).toBe(true); // line breaks cut between chunks
    expect(plain(['h\na,"b"'])).toBe(true);
    expect(plain(['h\na, "b"\n'])).toBe(false); // a space before the quote: csv-parse trims it; the parser decides
    expect(plain(['h\na,b"c\n'])).toBe(false);
    expect(plain(['h\na,"b\n'])).toBe(false);
    expect(plain(['"h"\na\n'])).toBe(false); // a quote on the first line
    expect(plain(['h\r\na,"b"\nc\n'])).toBe(false); // a line break other than the first line's
  });
});
