import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type Db, openDatabase } from '../db/database.js';
import { migrate, migrationsFolder } from '../db/migrate.js';

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
 * The migrated empty PGlite data directory: a database loaded from it skips initdb and the migrations
 * (8 s on 2 shared cores, against under 2 s to load it). Every test file runs in a process of its own, so
 * the dump is kept on disk for the next ones, named by what it was made from: the migrations and the
 * PGlite version. A dump that does not load is made again.
 */
let pgliteTemplate: Promise<{ dump: Blob; fromDisk: boolean }> | undefined;
let templatePath: string | undefined;

export function pgliteTemplatePath(): string {
  if (templatePath) return templatePath;
  const hash = createHash('sha256');
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  hash.update(JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')).version);
  const folder = migrationsFolder();
  for (const dir of [folder, join(folder, 'meta')])
    for (const f of readdirSync(dir).sort())
      if (/\.(sql|json)$/.test(f)) hash.update(f).update(readFileSync(join(dir, f)));
  // Kept across test runs, which give each their own TMPDIR (vitest.tmpdir.ts).
  templatePath = join(
    process.env.FIVECOLOR_TEST_CACHE_DIR ?? tmpdir(),
    `fivecolor-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`,
  );
  return templatePath;
}

async function makeTemplate(path: string): Promise<{ dump: Blob; fromDisk: boolean }> {
  const db = await openDatabase({ dataDir: 'memory://' });
  await migrate(db);
  const dump = await (db.pglite as PGlite).dumpDataDir('none');
  await db.close();
  // Written under a name of its own, then renamed: a file of that name is always whole.
  const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, path);
  return { dump, fromDisk: false };
}

async function openFromTemplate(): Promise<Db> {
  const path = pgliteTemplatePath();
  pgliteTemplate ??= readFile(path).then(
    (bytes) => ({ dump: new Blob([bytes]), fromDisk: true }),
    () => makeTemplate(path),
  );
  const template = pgliteTemplate;
  const open = async (dump: Blob) => {
    const db = await openDatabase({ dataDir: 'memory://', loadDataDir: dump });
    await migrate(db); // nothing to apply: checks that the template is current
    return db;
  };
  const { dump, fromDisk } = await template;
  try {
    return await open(dump);
  } catch (err) {
    // A dump from disk that does not load (damaged, or written by a build this key did not tell apart) is
    // made again, once for all the callers that read it.
    if (!fromDisk) throw err;
    if (pgliteTemplate === template)
      pgliteTemplate = rm(path, { force: true }).then(() => makeTemplate(path));
    return open((await pgliteTemplate).dump);
  }
}

/**
 * Puts the migrated empty PGlite database into `dataDir` (as `dataDir/pgdata`, where `openDatabase` keeps
 * it), for tests of commands that each open a data directory in a process of their own: they then skip
 * initdb, about 5 s a process. The dump is an uncompressed tar, unpacked with the system's `tar`.
 */
export async function pgliteDataDir(dataDir: string): Promise<void> {
  const path = pgliteTemplatePath();
  const target = join(dataDir, 'pgdata');
  await mkdir(target, { recursive: true });
  const unpack = () => promisify(execFile)('tar', ['-xf', path, '-C', target]);
  if (!existsSync(path)) {
    pgliteTemplate ??= makeTemplate(path);
    await pgliteTemplate;
  }
  try {
    await unpack();
  } catch (err) {
    // Spawning failed: no tar here. Else tar failed: the dump was removed meanwhile (another process
    // remaking it) or is damaged; it is made again, once.
    if ((err as { code?: unknown }).code === 'ENOENT')
      throw new Error('pgliteDataDir: needs the `tar` command (e.g. apt-get install tar)');
    pgliteTemplate = rm(path, { force: true }).then(() => makeTemplate(path));
    await pgliteTemplate;
    await unpack();
  }
}

/** A migrated, empty database of `kind`; `close` also drops a PostgreSQL test database. */
export async function openTestDb(kind: DbKind): Promise<Db & { url?: string }> {
  if (kind === 'pglite') return openFromTemplate();
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
