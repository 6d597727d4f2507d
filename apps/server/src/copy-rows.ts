import { bulkTransaction, type Db, type Tx } from '@fivecolor/api';
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';

/**
 * Bulk-loads rows into several tables with COPY in one transaction (`bulkTransaction`: pg-copy-streams
 * on PostgreSQL, `/dev/blob` on PGlite), then runs `andThen` in the same transaction — the audit entry
 * that vouches for the rows commits with them or not at all. Columns a row leaves out get their defaults.
 */
export async function copyRows(
  db: Db,
  batches: [Table, Record<string, unknown>[]][],
  andThen?: (tx: Tx) => Promise<void>,
): Promise<void> {
  await bulkTransaction(db, async ({ tx, copy }) => {
    for (const [table, rows] of batches) {
      if (rows.length === 0) continue;
      const columns = Object.entries(getTableColumns(table)).filter(([key]) =>
        rows.some((r) => r[key] !== undefined),
      );
      await copy(
        getTableName(table),
        columns.map(([, c]) => c.name),
        rows.map((r) => columns.map(([key]) => r[key])),
      );
    }
    await andThen?.(tx);
  });
}
