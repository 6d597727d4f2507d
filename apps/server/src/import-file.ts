import { createReadStream } from 'node:fs';
import { IMPORT_COLUMNS } from '@fivecolor/api';
import { parse } from 'csv-parse';

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
 * `bytes`: yield the checked UTF-8 bytes themselves (csv-parse reads bytes; no string round trip).
 */
async function* decode(
  file: string,
  encoding: ImportEncoding,
  onBytes: (n: number) => void,
  bytes = false,
): AsyncGenerator<string | Buffer> {
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
    yield bytes ? chunk : text;
  }
  const rest = decoder.decode();
  if (rest && !bytes) yield rest;
}

/**
 * The rows of a bulk-import file with their line numbers: CSV (header line first, `csv-parse`, a UTF-8
 * byte-order mark skipped) or NDJSON (one JSON object a line; blank lines skipped).
 */
export async function* readImportFile(
  file: string,
  opts: { format: ImportFormat; encoding: ImportEncoding; onBytes?: (n: number) => void },
): AsyncGenerator<FileRow> {
  const csvBytes = opts.format === 'csv' && opts.encoding === 'utf8';
  const text = decode(file, opts.encoding, opts.onBytes ?? (() => {}), csvBytes);
  if (opts.format === 'ndjson') {
    yield* ndjsonRows(text as AsyncIterable<string>);
    return;
  }
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  });
  const feed = (async () => {
    try {
      for await (const chunk of text) {
        if (parser.destroyed) return;
        if (!parser.write(chunk))
          await new Promise((r) => {
            parser.once('drain', r);
            parser.once('close', r);
          });
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  let header: string[] | undefined;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = item.info.lines;
      if (!header) {
        header = checkHeader(file, item.record);
        continue;
      }
      if (item.record.length !== header.length) {
        yield {
          line,
          problem: {
            column: 'line',
            rule: `has ${item.record.length} fields, the header ${header.length}`,
          },
        };
        continue;
      }
      const raw: Record<string, unknown> = {};
      header.forEach((h, i) => {
        raw[h] = item.record[i];
      });
      yield { line, raw };
    }
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    const e = err as { code?: string; lines?: number; message: string };
    if (e.code?.startsWith('CSV_'))
      throw new ImportFileError(`${file}: line ${e.lines ?? '?'}: not valid CSV (${e.code})`);
    throw err;
  } finally {
    parser.destroy();
    await feed;
  }
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

async function* ndjsonRows(text: AsyncIterable<string>): AsyncGenerator<FileRow> {
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
    for (const p of parts) {
      const r = row(p);
      if (r) yield r;
    }
  }
  const r = rest === '' ? null : row(rest);
  if (r) yield r;
}
