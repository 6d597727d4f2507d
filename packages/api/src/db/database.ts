import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import * as schema from './schema.js';

/** The drizzle database type shared by both drivers. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction (or the database itself) on which queries run. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** An open database: PGlite (embedded) or PostgreSQL, with the same drizzle API. */
export interface Db {
  kind: 'pglite' | 'postgres';
  db: Database;
  /** PostgreSQL only: the connection pool (for LISTEN/NOTIFY, COPY, raw SQL). */
  pool?: pg.Pool;
  /** PGlite only: the embedded instance. */
  pglite?: PGlite;
  /** PostgreSQL only: the connection string, e.g. to open a dedicated LISTEN client. */
  databaseUrl?: string;
  close(): Promise<void>;
}

/**
 * Opens PostgreSQL when `databaseUrl` is given, else a file-backed PGlite under `dataDir`
 * (`memory://` for an in-memory database).
 *
 * @example
 * const db = await openDatabase({ dataDir: './.fivecolor' });
 * await migrate(db);
 */
export async function openDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
}): Promise<Db> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    // An idle client that errors (e.g. server restart) must not crash the process.
    pool.on('error', () => {});
    const db = drizzlePg(pool, { schema }) as unknown as Database;
    let closed = false;
    return {
      kind: 'postgres',
      db,
      pool,
      databaseUrl: opts.databaseUrl,
      async close() {
        if (closed) return;
        closed = true;
        await pool.end();
      },
    };
  }
  const dataDir = opts.dataDir ?? './.fivecolor';
  let location = dataDir;
  if (!dataDir.startsWith('memory://')) {
    location = join(dataDir, 'pgdata');
    await mkdir(location, { recursive: true });
  }
  const pglite = await PGlite.create(location);
  const db = drizzlePglite(pglite, { schema }) as unknown as Database;
  return {
    kind: 'pglite',
    db,
    pglite,
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
