import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { Db } from './database.js';

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
    await client.query('select pg_advisory_lock(727001)');
    await migratePg(drizzlePg(client), { migrationsFolder: folder });
  } finally {
    await client.query('select pg_advisory_unlock(727001)').catch(() => {});
    await client.end();
  }
}
