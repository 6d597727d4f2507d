import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/test-db.js';
import { type Db, openDatabase } from './database.js';
import { rowsOf } from './rows.js';

// PostgreSQL only: PGlite runs in the process and has no connections to lose.
describe.runIf(process.env.DATABASE_URL)('a PostgreSQL connection lost in a transaction', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let url: string;
  beforeAll(async () => {
    ({ url, drop } = await createTestDatabase());
    db = await openDatabase({ databaseUrl: url });
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('fails that transaction, crashes nothing, and the next query runs on a new connection', async () => {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      const held = db.db.transaction(async (tx) => {
        const [row] = rowsOf<{ pid: number }>(await tx.execute(sql`select pg_backend_pid() as pid`));
        // The server ends this connection while the transaction holds it (a restart, a failover).
        await admin.query('select pg_terminate_backend($1)', [row?.pid]);
        await new Promise((r) => setTimeout(r, 200));
        await tx.execute(sql`select 1`);
      });
      await expect(held).rejects.toThrow();
      const [after] = rowsOf<{ one: number }>(await db.db.execute(sql`select 1 as one`));
      expect(after?.one).toBe(1);
    } finally {
      await admin.end();
    }
  });
});
