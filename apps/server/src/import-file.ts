import { createReadStream } from 'node:fs';
import { checkImportRow, IMPORT_COLUMNS, type ImportRow } from '@fivecolor/api';
import type { Policy } from '@fivecolor/core';
import { CsvError, Parser } from 'csv-parse';

export type ImportFormat = 'csv' | 'ndjson';
export type ImportEncoding = 'utf8' | 'gb18030';

/** A line of the file: its fields by column, or why it could not be read as a row. */
export type FileRow =
  | { line: number; raw: Record<string, unknown> }
  | { line: number; problem: { column: 'line'; rule: string } };

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
 * The file's rows checked with `checkImportRow`, a second row with an external id already seen reported
 * bad (`seen`: external id → line, filled in), a chunk of the file at a time. Every 128 rows it lets
 * other work run, so that a batch being written reads its replies while the next rows are checked.
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
      if ('problem' in item) {
        out.bad.push({ line: item.line, ...item.problem });
        continue;
      }
      const checked = checkImportRow(item.raw, item.line, ctx);
      if (!checked.ok) {
        for (const p of checked.problems) out.bad.push({ line: item.line, ...p });
        continue;
      }
      const row = checked.row;
      const first = seen.get(row.externalId);
      if (first !== undefined) {
        out.bad.push({
          line: row.line,
          column: 'externalId',
          rule: `appears twice in the file (first on line ${first})`,
        });
        continue;
      }
      seen.set(row.externalId, row.line);
      out.rows.push(row);
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
  const decoder = new TextDecoder(encoding === 'gb18030' ? 'gb18030' : 'utf-8', { fatal: true });
  const probe = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  let probing = encoding === 'gb18030';
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
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
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new ImportFileError(
        encoding === 'gb18030'
          ? `${file}: not valid GB18030 text (near byte ${offset.toLocaleString('en-US')})`
          : `${file}: not valid UTF-8 (near byte ${offset.toLocaleString('en-US')}); a file saved by Excel in China is usually GB18030: add --encoding gb18030`,
      );
    }
    if (text.includes('\uFFFD'))
      throw new ImportFileError(
        `${file}: the text holds U+FFFD replacement characters (锟斤拷 …): it was converted with a wrong encoding before; export it again from the source system`,
      );
    offset += chunk.length;
    onBytes(chunk.length);
    yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

interface NumberedRecord {
  record: string[];
  /** The line the record ends on (1 for the header). */
  line: number;
}

/**
 * csv-parse's parser handing over each record with the line it ends on: the line count of the parser's
 * `info` when it pushes the record, which is what its `info: true` option reports — without the two
 * copies of the whole `info` object a record that option makes (a tenth of reading a large file).
 */
class NumberedParser extends Parser {
  override push(record: unknown, encoding?: BufferEncoding): boolean {
    return super.push(record === null ? null : { record, line: this.info.lines }, encoding);
  }
}

/**
 * The rows of a bulk-import file with their line numbers: CSV (header line first, a UTF-8 byte-order
 * mark skipped, `csv-parse`) or NDJSON (one JSON object a line; blank lines skipped).
 */
export async function* readImportFile(
  file: string,
  opts: { format: ImportFormat; encoding: ImportEncoding; onBytes?: (n: number) => void },
): AsyncGenerator<FileRow> {
  for await (const rows of readImportRows(file, opts)) yield* rows;
}

/** `readImportFile`'s rows as they come, a chunk of the file (up to a megabyte) at a time. */
export async function* readImportRows(
  file: string,
  opts: { format: ImportFormat; encoding: ImportEncoding; onBytes?: (n: number) => void },
): AsyncGenerator<FileRow[]> {
  const text = decode(file, opts.encoding, opts.onBytes ?? (() => {}));
  if (opts.format === 'ndjson') {
    yield* ndjsonRows(text);
    return;
  }
  const parser = new NumberedParser({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  });
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
      if (!header) {
        header = checkHeader(file, record);
        continue;
      }
      if (record.length !== header.length) {
        rows.push({
          line,
          problem: { column: 'line', rule: `has ${record.length} fields, the header ${header.length}` },
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
    // csv-parse's own message may quote the field: only its code and line are told.
    if (failure instanceof CsvError)
      throw new ImportFileError(`${file}: line ${failure.lines ?? '?'}: not valid CSV (${failure.code})`);
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
  if (!header)
    throw new ImportFileError(
      `${file}: empty; the first line names the columns: ${IMPORT_COLUMNS.join(', ')}`,
    );
}

function checkHeader(file: string, header: string[]): string[] {
  const known = IMPORT_COLUMNS as readonly string[];
  const unknown = header.filter((h) => !known.includes(h));
  if (unknown.length > 0)
    throw new ImportFileError(
      `${file}: line 1: unknown column ${JSON.stringify(unknown[0]?.slice(0, 40))}; the columns are ${IMPORT_COLUMNS.join(', ')}`,
    );
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0)
    throw new ImportFileError(
      `${file}: line 1: missing column ${missing.join(', ')}; the columns are ${IMPORT_COLUMNS.join(', ')} (effectiveUntil, note and repairs may be left out)`,
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
