import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { Db } from './database.js';
import { MIGRATE_LOCK } from './locks.js';
import { rowsOf } from './rows.js';

/** The committed drizzle-kit migrations folder (works from `src/db/` and from the bundled `dist/`). */
export function migrationsFolder(): string {
  for (const rel of ['../drizzle', '../../drizzle']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}/meta/_journal.json`)) return dir;
  }
  throw new Error('drizzle migrations folder not found next to @fivecolor/api');
}

/**
 * Applies the generated SQL migrations (the same files on PGlite and PostgreSQL). On PostgreSQL
 * an advisory lock keeps several starting processes from migrating at once.
 *
 * @example
 * await migrate(await openDatabase({ dataDir: 'memory://' }));
 */
export async function migrate(db: Db): Promise<void> {
  const folder = migrationsFolder();
  if (db.kind === 'pglite' && db.pglite) {
    await migratePglite(drizzlePglite(db.pglite), { migrationsFolder: folder });
    return;
  }
  const client = new pg.Client({ connectionString: db.databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATE_LOCK]);
    await migratePg(drizzlePg(client), { migrationsFolder: folder });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATE_LOCK]).catch(() => {});
    await client.end();
  }
}

/**
 * The migrations of this version the database lacks, read only (what `migrate` would apply: drizzle
 * applies those newer than the last one recorded); `all` when the database was never migrated.
 *
 * @example
 * const { pending, all } = await pendingMigrations(db); // { pending: 0, all: 13 } once migrated
 */
export async function pendingMigrations(db: Db): Promise<{ pending: number; all: number }> {
  const journal = JSON.parse(readFileSync(`${migrationsFolder()}/meta/_journal.json`, 'utf8')) as {
    entries: { when: number }[];
  };
  const all = journal.entries.length;
  const [table] = rowsOf<{ t: string | null }>(
    await db.db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`),
  );
  if (!table?.t) return { pending: all, all };
  const [last] = rowsOf<{ at: string | null }>(
    await db.db.execute(sql`select max(created_at)::text as at from drizzle.__drizzle_migrations`),
  );
  const at = Number(last?.at ?? 0);
  return { pending: journal.entries.filter((e) => e.when > at).length, all };
}
