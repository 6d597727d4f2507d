import { createReadStream } from 'node:fs';
import type { TransformCallback } from 'node:stream';
import { caseKey, checkImportRow, columnNamed, IMPORT_COLUMNS, type ImportRow } from '@fivecolor/api';
import type { Policy } from '@fivecolor/core';
import { CsvError, Parser } from 'csv-parse';
import { count } from './progress.js';

export type ImportFormat = 'csv' | 'ndjson';
export type ImportEncoding = 'utf8' | 'gb18030';

/** A line of the file: its fields by column, or why it could not be read as a row. */
export type FileRow =
  | { line: number; raw: Record<string, unknown> }
  | { line: number; problem: { column: 'line'; rule: string }; externalId?: string };

/** The file cannot be read at all (wrong encoding, missing column): nothing is imported. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

/** What is wrong with a line: where, which column, which rule (never the value). */
export interface BadLine {
  line: number;
  column: string;
  rule: string;
}

/** Rows of a chunk of the file, checked: the good ones, the bad lines, how many rows and bytes were read. */
export interface CheckedChunk {
  rows: ImportRow[];
  bad: BadLine[];
  read: number;
  bytes: number;
}

export interface CheckOptions {
  format: ImportFormat;
  encoding: ImportEncoding;
  policy: Policy;
  today: string;
}

/**
 * The file's rows checked with `checkImportRow`, a second row with an external id already seen (`seen`:
 * external id → line, filled in) or naming a record an earlier row named reported bad, a chunk of the
 * file at a time. Every 128 rows it lets other work run, so that a batch being written reads its replies
 * while the next rows are checked.
 * (Checking in a worker thread was tried: on a loaded 2-core host it cost 10 % more CPU and was slower.)
 */
export async function* checkedRows(
  file: string,
  o: CheckOptions,
  seen: Map<string, number> = new Map(),
): AsyncGenerator<CheckedChunk> {
  let bytes = 0;
  let n = 0;
  const ctx = { policy: o.policy, today: o.today };
  const records = new Map<string, number>(); // party, category, case, first day → line
  for await (const items of readImportRows(file, {
    format: o.format,
    encoding: o.encoding,
    onBytes: (b) => {
      bytes += b;
    },
  })) {
    const out: CheckedChunk = { rows: [], bad: [], read: items.length, bytes };
    bytes = 0;
    for (const item of items) {
      if ((++n & 127) === 0) await new Promise((r) => setImmediate(r));
      // An external id counts as given from its first line on, good or bad: a second line with it is not
      // taken in the first one's place.
      if ('problem' in item) {
        out.bad.push({ line: item.line, ...item.problem });
        const ext = item.externalId?.trim();
        if (ext && !seen.has(ext)) seen.set(ext, item.line);
        continue;
      }
      const ext = typeof item.raw.externalId === 'string' ? item.raw.externalId.trim() : '';
      const first = seen.get(ext);
      if (first !== undefined) {
        out.bad.push({
          line: item.line,
          column: 'externalId',
          rule: `appears twice in the file (first on line ${first})`,
        });
        continue;
      }
      if (ext !== '') seen.set(ext, item.line);
      const checked = checkImportRow(item.raw, item.line, ctx);
      if (!checked.ok) {
        for (const p of checked.problems) out.bad.push({ line: item.line, ...p });
        continue;
      }
      // A record is stored once: a later line naming the same one under another id is refused, wherever
      // the batches fall and whether or not the import was interrupted between the two.
      const r = checked.row;
      const key = `${r.idType}\u0000${r.idNumber}\u0000${r.category}\u0000${caseKey(r.caseNumber)}\u0000${r.effectiveFrom}`;
      const same = records.get(key);
      if (same !== undefined) {
        out.bad.push({
          line: item.line,
          column: 'caseNumber',
          rule: `names the same record (party, category, case number, effectiveFrom) as line ${same}`,
        });
        continue;
      }
      records.set(key, item.line);
      out.rows.push(r);
    }
    yield out;
  }
  if (bytes > 0) yield { rows: [], bad: [], read: 0, bytes };
}

/** Columns a file must have; the others may be left out (empty). */
export const REQUIRED_COLUMNS = IMPORT_COLUMNS.filter(
  (c) => c !== 'effectiveUntil' && c !== 'note' && c !== 'repairs',
);

/** `csv` unless the name ends in `.ndjson` or `.jsonl`. */
export function formatOf(file: string): ImportFormat {
  return /\.(ndjson|jsonl)$/i.test(file) ? 'ndjson' : 'csv';
}

/**
 * The file's text in chunks, decoded strictly: bytes that are not UTF-8 (a GB18030 file read as UTF-8)
 * or UTF-8 read as GB18030 (valid UTF-8 holding Chinese text) refuse the file with a hint, as does
 * text that was already garbled by a wrong conversion (U+FFFD). `onBytes` counts what was read.
 */
async function* decode(
  file: string,
  encoding: ImportEncoding,
  onBytes: (n: number) => void,
): AsyncGenerator<string> {
  const decoder = new TextDecoder(labelOf(encoding), { fatal: true });
  const probe = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  let line = 1; // the line the chunk starts on
  let cr = false; // the byte before the chunk is \r
  // The bytes of the chunk before after its last line break: decoding from a line's start stays in step
  // with the characters (\n and \r are never part of one, in UTF-8 or GB18030) to find a bad byte.
  let lineStart: Buffer = Buffer.alloc(0);
  const refuse = (chunk: Buffer, atEnd = false): never => {
    const bytes = Buffer.concat([lineStart, chunk]);
    const at = (atEnd ? bytes.length : firstInvalidByte(bytes, encoding)) - lineStart.length;
    const where = `line ${count(line + lineBreaks(chunk.subarray(0, Math.max(at, 0)), cr))} (byte ${count(offset + at)})`;
    throw new ImportFileError(
      `${file}: ${where}: ${atEnd ? 'the file ends inside a character: ' : ''}` +
        (encoding === 'gb18030'
          ? 'not valid GB18030 text'
          : 'not valid UTF-8; a file saved by Excel in China is usually GB18030: add --encoding gb18030'),
    );
  };
  let probing = encoding === 'gb18030';
  // A quarter of a megabyte (about 2,000 rows) a read: the first batch can go to the database early.
  for await (const read of createReadStream(file, { highWaterMark: 1 << 18 }) as AsyncIterable<Buffer>) {
    // A UTF-8 byte-order mark before GB18030 text (as some tools write any file) is skipped, as one
    // before UTF-8 text is: read as GB18030, it would garble the header.
    const chunk =
      offset === 0 && encoding === 'gb18030' && read.subarray(0, 3).equals(UTF8_BOM)
        ? read.subarray(3)
        : read;
    offset += read.length - chunk.length;
    if (probing) {
      try {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is the same in both encodings
        if (/[^\u0000-\u007f]/.test(probe.decode(chunk, { stream: true })))
          throw new ImportFileError(
            `${file}: the file is UTF-8, not GB18030 (its Chinese text would come out garbled); run without --encoding gb18030`,
          );
      } catch (err) {
        if (err instanceof ImportFileError) throw err;
        probing = false; // not UTF-8: GB18030 it is
      }
    }
    let text = '';
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      refuse(chunk);
    }
    const garbled = text.indexOf('\uFFFD');
    if (garbled >= 0)
      throw new ImportFileError(
        `${file}: line ${count(line + lineBreaks(Buffer.from(text.slice(0, garbled)), cr))}: the text holds U+FFFD replacement characters (锟斤拷 …): it was converted with a wrong encoding before; export it again from the source system`,
      );
    offset += chunk.length;
    line += lineBreaks(chunk, cr);
    cr = chunk[chunk.length - 1] === CR;
    const lastBreak = Math.max(chunk.lastIndexOf(LF), chunk.lastIndexOf(CR));
    lineStart = lastBreak >= 0 ? chunk.subarray(lastBreak + 1) : Buffer.concat([lineStart, chunk]);
    onBytes(read.length);
    yield text;
  }
  let rest = '';
  try {
    rest = decoder.decode();
  } catch {
    refuse(Buffer.alloc(0), true);
  }
  if (rest) yield rest;
}

const labelOf = (encoding: ImportEncoding) => (encoding === 'gb18030' ? 'gb18030' : 'utf-8');

const LF = 10;
const CR = 13;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Line breaks in `bytes` as an editor counts them: `\n`, `\r\n` and a lone `\r` end a line each (`cr`:
 * the byte before `bytes` is `\r`, so a `\n` they begin with ends no line of its own).
 */
function lineBreaks(bytes: Buffer, cr = false): number {
  let n = 0;
  for (let i = bytes.indexOf(CR); i >= 0; i = bytes.indexOf(CR, i + 1)) n++;
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1))
    if (i === 0 ? !cr : bytes[i - 1] !== CR) n++;
  return n;
}

/**
 * Where decoding `bytes` (from a line's start) fails: the shortest start of them a fresh strict decoder
 * refuses, less one (a sequence cut at the end is not an error in stream mode, so longer starts fail too).
 */
function firstInvalidByte(bytes: Buffer, encoding: ImportEncoding): number {
  const fails = (k: number) => {
    try {
      new TextDecoder(labelOf(encoding), { fatal: true }).decode(bytes.subarray(0, k), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  let ok = 0;
  let hi = bytes.length;
  while (hi - ok > 1) {
    const mid = (ok + hi) >>> 1;
    if (fails(mid)) hi = mid;
    else ok = mid;
  }
  return hi - 1;
}

/**
 * Reads the whole file once before anything is written, so that a file that cannot be read is refused
 * whole rather than after its first batches were written: its encoding (about a hundredth of an import's
 * time), that it holds more than blank lines, and its quoting. Quoting as RFC 4180 writes it
 * (`PlainQuotes`) needs no parsing; anything else — a quote inside a field, a quote never closed — is
 * parsed through with csv-parse, which decides.
 */
export async function checkReadable(
  file: string,
  opts: { format: ImportFormat; encoding: ImportEncoding },
  onParse: () => void = () => {},
): Promise<void> {
  const quotes = new PlainQuotes();
  let blank = true;
  for await (const text of decode(file, opts.encoding, () => {})) {
    quotes.add(text);
    blank &&= !/\S/.test(text);
  }
  if (blank) throw emptyFile(file, opts.format);
  if (quotes.end() || opts.format !== 'csv') return;
  onParse(); // seconds for a large file: say what is going on
  for await (const _ of readImportRows(file, opts));
}

/**
 * Whether CSV text, fed a chunk at a time, quotes only as RFC 4180 does: its first line holds no quote
 * and ends in `\n` or `\r\n` (csv-parse takes the first line break for every line), and a quote opens a
 * field right after a comma or that line break, is doubled inside it, and closes it right before a
 * comma, that line break or the end. Such text csv-parse reads without a quoting error; for any other
 * use of quotes (`end()` is false) only the parser can tell.
 */
export class PlainQuotes {
  #plain = true;
  #quoted = false;
  /** The line break of the first line, once read. */
  #eol: '\n' | '\r\n' | undefined;
  /** A quote inside a quoted field (and a `\r` after it) that ended the last chunk: what follows decides. */
  #carry = '';
  /** The two characters before the text not yet scanned. */
  #before = '\r\n';

  add(chunk: string): void {
    if (!this.#plain || chunk === '') return;
    const text = this.#carry + chunk;
    this.#carry = '';
    if (this.#eol === undefined) {
      const first = this.#firstLine(text);
      if (first === 'wait') this.#carry = text; // a \r at the chunk's end: is it \r\n?
      if (first !== true) return;
    }
    for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) {
      if (!this.#quoted) {
        const before = i >= 2 ? text.slice(i - 2, i) : (this.#before + text.slice(0, i)).slice(-2);
        if (!before.endsWith(',') && !before.endsWith(this.#eol as string)) {
          this.#plain = false;
          return;
        }
        this.#quoted = true;
        continue;
      }
      const next = text[i + 1];
      if (next === undefined || (next === '\r' && i + 2 === text.length)) {
        this.#carry = text.slice(i);
        return;
      }
      if (next === '"') i++;
      else if (next === ',' || (next === '\n' && this.#eol === '\n')) this.#quoted = false;
      else if (next === '\r' && text[i + 2] === '\n' && this.#eol === '\r\n') this.#quoted = false;
      else {
        this.#plain = false;
        return;
      }
    }
    this.#before = (this.#before + text).slice(-2);
  }

  /** The text is over: whether all of it quoted plainly. */
  end(): boolean {
    if (this.#carry === '"' && this.#quoted) this.#quoted = false; // a closing quote at the very end
    return this.#plain && !this.#quoted;
  }

  /**
   * Reads the first line's break from `text` if it is there; false once that makes the text unplain,
   * 'wait' when `text` ends in the \r that may begin it.
   */
  #firstLine(text: string): boolean | 'wait' {
    const quote = text.indexOf('"');
    const cr = text.indexOf('\r');
    const nl = text.indexOf('\n');
    const end = cr < 0 ? nl : nl < 0 ? cr : Math.min(cr, nl);
    if (end < 0) return quote < 0 || this.#unplain();
    if (quote >= 0 && quote < end) return this.#unplain();
    if (text[end] === '\n') this.#eol = '\n';
    else if (text[end + 1] === '\n') this.#eol = '\r\n';
    else if (end + 1 === text.length) return 'wait';
    else return this.#unplain(); // a lone \r: the parser decides
    return true;
  }

  #unplain(): false {
    this.#plain = false;
    return false;
  }
}

interface NumberedRecord {
  record: string[];
  /** The line the record begins on (1 for the header). */
  line: number;
}

/**
 * The lines of bytes written a chunk at a time, counted as `lineBreaks` counts them and asked for in
 * order of the file: `begins(offset)` is the line of the first byte from `offset` on that is not blank
 * (a space, a tab, a line break), where a record read from `offset` begins. The bytes before are let go.
 */
class Lines {
  #chunks: Buffer[] = [];
  /** The offset of the first chunk in the file, and how much of it is counted. */
  #offset = 0;
  #at = 0;
  /** The line of the byte at `#at`; whether the byte before it is \r. */
  #line = 1;
  #cr = false;

  add(chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  begins(offset: number): number {
    for (let chunk = this.#chunks[0]; chunk; chunk = this.#chunks[0]) {
      this.#count(chunk, Math.min(chunk.length, Math.max(this.#at, offset - this.#offset)));
      for (let b = chunk[this.#at]; b !== undefined; b = chunk[this.#at]) {
        if (b !== 0x20 && b !== 0x09 && b !== LF && b !== CR) return this.#line;
        this.#count(chunk, this.#at + 1);
      }
      this.#offset += chunk.length;
      this.#at = 0;
      this.#chunks.shift();
    }
    return this.#line;
  }

  #count(chunk: Buffer, to: number): void {
    if (to <= this.#at) return;
    const bytes = chunk.subarray(this.#at, to);
    this.#line += lineBreaks(bytes, this.#cr);
    this.#cr = bytes[bytes.length - 1] === CR;
    this.#at = to;
  }
}

/**
 * csv-parse's parser handing over each record with the line it begins on, counted from the bytes it is
 * given (csv-parse's own count takes a \r\n inside quotes, or ending a line of a file whose first line
 * ends in \n, for two lines) and the byte its last record ended on, which it keeps as it parses — without
 * the two copies of the whole `info` object a record that its `info: true` option makes (a tenth of
 * reading a large file).
 */
class NumberedParser extends Parser {
  #lines = new Lines();
  /** The byte after the last record (after its line break). */
  #end = 0;

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    this.#lines.add(chunk);
    super._transform(chunk, encoding, callback);
  }

  override push(record: unknown, encoding?: BufferEncoding): boolean {
    if (record === null) return super.push(null, encoding);
    const line = this.recordStart();
    this.#end = this.info.bytes;
    return super.push({ record, line }, encoding);
  }

  /**
   * The line the record being read begins on: the first after the last record that is not blank (a quote
   * never closed: its record runs to the end of the file).
   */
  recordStart(): number {
    return this.#lines.begins(this.#end);
  }
}

/** How an import file's CSV is read (the parse of the whole-file check and of the rows alike). */
export const CSV_OPTIONS = {
  bom: true,
  relax_column_count: true,
  relax_quotes: true, // a quote inside an unquoted field is kept as written (王"某), not a broken file
  skip_empty_lines: true,
  trim: true,
  // Each of them ends a row, as in an editor: csv-parse would otherwise take the first it meets for the whole
  // file, and a header ended by \r\n above rows ended by \n made the rows one.
  record_delimiter: ['\r\n', '\n', '\r'] as string[],
} as const;

/**
 * The rows of a bulk-import file with the line each begins on: CSV (header line first, a UTF-8 byte-order
 * mark skipped, `csv-parse`) or NDJSON (one JSON object a line; blank lines skipped). A file of nothing
 * but blank lines is refused.
 */
export async function* readImportFile(
  file: string,
  opts: { format: ImportFormat; encoding: ImportEncoding; onBytes?: (n: number) => void },
): AsyncGenerator<FileRow> {
  for await (const rows of readImportRows(file, opts)) yield* rows;
}

/** `readImportFile`'s rows as they come, a chunk of the file (up to 256 KB) at a time. */
export async function* readImportRows(
  file: string,
  opts: { format: ImportFormat; encoding: ImportEncoding; onBytes?: (n: number) => void },
): AsyncGenerator<FileRow[]> {
  const text = decode(file, opts.encoding, opts.onBytes ?? (() => {}));
  if (opts.format === 'ndjson') {
    let rows = 0;
    for await (const chunk of ndjsonRows(text)) {
      rows += chunk.length;
      yield chunk;
    }
    if (rows === 0) throw emptyFile(file, 'ndjson');
    return;
  }
  const parser = new NumberedParser(CSV_OPTIONS);
  // Fed a chunk at a time; the records each chunk completes are collected as they are parsed and handed
  // over together (a row at a time through the stream's async iterator cost more than the parsing).
  const records: NumberedRecord[] = [];
  let failure: unknown;
  parser.on('data', (r: NumberedRecord) => records.push(r));
  parser.on('error', (err) => {
    failure ??= err;
  });
  let header: string[] | undefined;
  const rowsOf = (): FileRow[] => {
    const rows: FileRow[] = [];
    for (const { record, line } of records) {
      // A row of empty cells is no row: Excel saves one for every empty row that was ever formatted.
      if (record.every((f) => f === '')) continue;
      if (!header) {
        header = checkHeader(file, record, line);
        continue;
      }
      if (record.length !== header.length) {
        const ext = record[header.indexOf('externalId')];
        rows.push({
          line,
          problem: { column: 'line', rule: `has ${record.length} fields, the header ${header.length}` },
          ...(ext ? { externalId: ext } : {}),
        });
        continue;
      }
      const raw: Record<string, unknown> = {};
      for (let i = 0; i < record.length; i++) raw[header[i] as string] = record[i];
      rows.push({ line, raw });
    }
    records.length = 0;
    return rows;
  };
  const settled = () => {
    if (failure === undefined) return;
    // csv-parse's own message may quote the field: only its code and the line of the record are told.
    if (failure instanceof CsvError)
      throw new ImportFileError(
        `${file}: line ${count(parser.recordStart())}: ` +
          (failure.code === 'CSV_QUOTE_NOT_CLOSED' // found at the end of the file: the record being read opened it
            ? 'a quoted field is not closed by the end of the file'
            : failure.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE'
              ? 'a quoted field has text after its closing quote (inside quotes, write a quote twice: "")'
              : 'not valid CSV') +
          ` (${failure.code})`,
      );
    throw failure;
  };
  try {
    for await (const chunk of text) {
      await new Promise<void>((resolve) => parser.write(chunk, () => resolve()));
      settled();
      const rows = rowsOf();
      if (rows.length > 0) yield rows;
    }
    await new Promise<void>((resolve) => {
      parser.once('end', resolve);
      parser.once('error', () => resolve());
      parser.end();
    });
    settled();
  } finally {
    parser.destroy();
  }
  const rows = rowsOf();
  if (rows.length > 0) yield rows;
  if (!header) throw emptyFile(file, 'csv');
}

/** A file with nothing but blank lines, or nothing at all. */
function emptyFile(file: string, format: ImportFormat): ImportFileError {
  return new ImportFileError(
    `${file}: empty; ${format === 'csv' ? 'the first line names the columns' : 'each line is a JSON object with the columns'}: ${IMPORT_COLUMNS.join(', ')}`,
  );
}

function checkHeader(file: string, header: string[], line: number): string[] {
  const known = IMPORT_COLUMNS as readonly string[];
  const unknown = header.filter((h) => !known.includes(h));
  if (unknown.length > 0)
    throw new ImportFileError(
      `${file}: line ${line}: unknown column${columnNamed(unknown[0] as string)} (column ${header.indexOf(unknown[0] as string) + 1}); the first line names the columns: ${IMPORT_COLUMNS.join(', ')}`,
    );
  const twice = header.find((h, i) => header.indexOf(h) !== i);
  if (twice !== undefined)
    throw new ImportFileError(`${file}: line ${line}: column ${twice} appears twice; name each column once`);
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0)
    throw new ImportFileError(
      `${file}: line ${line}: missing column ${missing.join(', ')}; the columns are ${IMPORT_COLUMNS.join(', ')} (effectiveUntil, note and repairs may be left out)`,
    );
  return header;
}

async function* ndjsonRows(text: AsyncIterable<string>): AsyncGenerator<FileRow[]> {
  let line = 0;
  let rest = '';
  const row = (s: string): FileRow | null => {
    line++;
    const t = line === 1 ? s.replace(/^\uFEFF/, '').trim() : s.trim();
    if (t === '') return null;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      return { line, problem: { column: 'line', rule: 'is not valid JSON' } };
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      return { line, problem: { column: 'line', rule: 'must be a JSON object with the import columns' } };
    return { line, raw: v as Record<string, unknown> };
  };
  for await (const chunk of text) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() as string;
    const rows: FileRow[] = [];
    for (const p of parts) {
      const r = row(p);
      if (r) rows.push(r);
    }
    if (rows.length > 0) yield rows;
  }
  const r = rest === '' ? null : row(rest);
  if (r) yield [r];
}
