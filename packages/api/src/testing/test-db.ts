import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type Db, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';

export type DbKind = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too when DATABASE_URL is set. */
export function dbKinds(): DbKind[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh PostgreSQL database (own name, so parallel test files never collide); its URL and a drop function. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set');
  const name = `fivecolor_api_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * The migrated empty PGlite data directory, dumped once per test process: a database loaded from it skips
 * initdb and the migrations, a few seconds each time on 2 shared cores.
 */
let pgliteTemplate: Promise<Blob> | undefined;

/** A migrated, empty database of `kind`; `close` also drops a PostgreSQL test database. */
export async function openTestDb(kind: DbKind): Promise<Db & { url?: string }> {
  if (kind === 'pglite') {
    pgliteTemplate ??= (async () => {
      const db = await openDatabase({ dataDir: 'memory://' });
      await migrate(db);
      const dump = await (db.pglite as PGlite).dumpDataDir('none');
      await db.close();
      return dump;
    })();
    const db = await openDatabase({ dataDir: 'memory://', loadDataDir: await pgliteTemplate });
    await migrate(db); // nothing to apply: checks that the template is current
    return db;
  }
  const t = await createTestDatabase();
  const db = await openDatabase({ databaseUrl: t.url });
  await migrate(db);
  return {
    ...db,
    url: t.url,
    async close() {
      await db.close();
      await t.drop();
    },
  };
}
