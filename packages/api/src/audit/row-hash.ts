import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** The tables whose rows an audit entry vouches for by hash (`detail.rows`). */
export const HASHED_TABLES = ['records', 'api_keys', 'reports'] as const;
export type HashedTable = (typeof HASHED_TABLES)[number];

/** What an audit entry's `detail.rows` holds: per table, the hash of each row the write left, by id. */
export type RowHashes = Partial<Record<HashedTable, Record<string, string>>>;

/**
 * The hash of a stored row as drizzle reads it: sha256 over the table's name and the row's canonical
 * JSON, dates as ISO strings and null columns left out (so a nullable column added later does not
 * change the hash of the rows before it).
 *
 * @example
 * const [row] = await tx.insert(records).values(values).returning();
 * await w.audit({ target: row.id, detail: { rows: { records: { [row.id]: rowHash('records', row) } } } });
 */
export function rowHash(table: HashedTable, row: object): string {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null || v === undefined) continue;
    body[k] = v instanceof Date ? v.toISOString() : v;
  }
  return createHash('sha256').update(table).update('\n').update(canonicalJson(body)).digest('hex');
}

/** `{ rows: { [table]: { [id]: hash } } }` for an audit entry's detail: the rows one write left. */
export function rowsDetail<R extends object>(
  table: HashedTable,
  rows: readonly R[],
  idOf: (row: R) => string = (r) => (r as { id: string }).id,
): { rows: RowHashes } {
  const hashes: Record<string, string> = {};
  for (const row of rows) hashes[idOf(row)] = rowHash(table, row);
  return { rows: { [table]: hashes } };
}
