import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Db, Tx } from '../db/database.js';
import * as schema from '../db/schema.js';

/** What a bulk transaction offers: drizzle on its connection, and COPY of CSV text on the same one. */
export interface BulkScope {
  /** Queries inside the transaction (drizzle over the transaction's own connection). */
  tx: Tx;
  /**
   * `COPY table (columns) FROM STDIN (FORMAT csv)` of `rows`, each a list of values in `columns`' order:
   * `null`/`undefined` is SQL NULL, a Date its ISO text, an object its JSON.
   */
  copy(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /**
   * The same COPY of CSV already built (each line ends in `\n`; fields quoted as `csvField` does): text,
   * or the bytes of `CsvLines`.
   */
  copyCsv(table: string, columns: readonly string[], csv: string | CsvLines): Promise<void>;
}

/**
 * CSV lines gathered as UTF-8 bytes for `copyCsv`. A batch's COPY text built with `+=` is a rope of
 * tens of thousands of pieces that lives on the JS heap until it is sent, then is flattened and encoded
 * in one go; written line by line into a buffer it costs about a third as much and leaves the garbage
 * collector nothing to copy.
 *
 * @example
 * const lines = new CsvLines();
 * lines.add(`${id},${csvText(name)}\n`);
 * await copyCsv('parties', ['id', 'name'], lines);
 */
export class CsvLines {
  #bytes: Buffer<ArrayBuffer> = Buffer.allocUnsafe(1 << 16);
  #used = 0;

  /** Appends `line` (ending in `\n`). */
  add(line: string): void {
    const most = this.#used + 3 * line.length; // UTF-8 takes at most 3 bytes a UTF-16 unit
    if (most > this.#bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(most, 2 * this.#bytes.length));
      this.#bytes.copy(grown, 0, 0, this.#used);
      this.#bytes = grown;
    }
    this.#used += this.#bytes.write(line, this.#used);
  }

  /** The lines added so far (a view, not a copy). */
  bytes(): Buffer<ArrayBuffer> {
    return this.#bytes.subarray(0, this.#used);
  }
}

// Quoted only when needed: empty text (unquoted it would be NULL), a quote, separator, line break or
// backslash (so no line can read as the `\.` end marker).
const NEEDS_QUOTES = /[",\r\n\\]/;

/** Text as one CSV field: quoted only when it must be (see `NEEDS_QUOTES`); never SQL NULL. */
export function csvText(s: string): string {
  return s === '' || NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV field: text, JSON for objects, and an empty unquoted field for SQL NULL. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s === '' || NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function toCsv(rows: readonly (readonly unknown[])[]): CsvLines {
  const out = new CsvLines();
  for (const r of rows) {
    let line = '';
    for (let i = 0; i < r.length; i++) line += i === 0 ? csvField(r[i]) : `,${csvField(r[i])}`;
    out.add(`${line}\n`);
  }
  return out;
}

const bytesOf = (csv: string | CsvLines) => (typeof csv === 'string' ? csv : csv.bytes());

const copyStatement = (table: string, columns: readonly string[], source: string) =>
  `COPY "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) FROM ${source} WITH (FORMAT csv)`;

/**
 * Runs `fn` in one transaction on one connection, with COPY available beside ordinary queries: on
 * PostgreSQL through pg-copy-streams on a pooled client, on PGlite through its `/dev/blob` device. Rows
 * copied, rows inserted and audit entries appended in `fn` commit together or not at all.
 *
 * @example
 * await bulkTransaction(db, async ({ tx, copy }) => {
 *   await copy('parties', ['id', 'kind', …], rows);
 *   await appendAudit(tx, { actorId: 'cli', actorRole: 'operator', actorOrg: null, action: 'seed' });
 * });
 */
export async function bulkTransaction<T>(db: Db, fn: (s: BulkScope) => Promise<T>): Promise<T> {
  if (db.kind === 'pglite' && db.pglite) {
    return db.pglite.transaction(async (ptx) => {
      const tx = drizzlePglite({ client: ptx as unknown as PGlite, schema }) as unknown as Database;
      const copyCsv = async (table: string, columns: readonly string[], csv: string | CsvLines) => {
        const data = bytesOf(csv);
        if (data.length === 0) return;
        await ptx.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([data]) });
      };
      return fn({
        tx: tx as unknown as Tx,
        copy: (table, columns, rows) => copyCsv(table, columns, toCsv(rows)),
        copyCsv,
      });
    });
  }
  const client: pg.PoolClient = await (db.pool as pg.Pool).connect();
  try {
    await client.query('BEGIN');
    const tx = drizzlePg({ client, schema }) as unknown as Database;
    const copyCsv = async (table: string, columns: readonly string[], csv: string | CsvLines) => {
      const data = bytesOf(csv);
      if (data.length === 0) return;
      await pipeline(Readable.from([data]), client.query(copyFrom(copyStatement(table, columns, 'STDIN'))));
    };
    const out = await fn({
      tx: tx as unknown as Tx,
      copy: (table, columns, rows) => copyCsv(table, columns, toCsv(rows)),
      copyCsv,
    });
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
