import { unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
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

/** The lock file of a PGlite data directory, beside `pgdata`. */
export const PGLITE_LOCK_FILE = 'pgdata.lock';

/** What a lock file holds: the process that has the data directory open. */
interface LockInfo {
  pid: number;
  hostname?: string;
  startedAt?: string;
}

/** Thrown when another process has the PGlite data directory open (`code` `FIVECOLOR_DATA_DIR_LOCKED`). */
export class DataDirLockedError extends Error {
  readonly code = 'FIVECOLOR_DATA_DIR_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super(
      `${dataDir}: the embedded database (PGlite) is in use by process ${pid}, and only one process may open it ` +
        `(two would silently lose writes). Stop that process (the server) before running this, or run every ` +
        `process on PostgreSQL (set DATABASE_URL=postgres://…). If process ${pid} is not a Five-Color Code ` +
        `process, delete ${lockFile}.`,
    );
    this.name = 'DataDirLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as LockInfo;
    return Number.isInteger(info.pid) && info.pid > 0 ? info : null;
  } catch {
    return null; // gone, or half-written by a process that died while writing it
  }
}

/**
 * Takes the data directory's lock for this process: `<dataDir>/pgdata.lock`, created exclusively (`wx`)
 * with this pid. A lock whose process is dead (or that is unreadable) is stale and taken over; a live one
 * refuses with `DataDirLockedError`, this process included (PGlite twice on one directory is as unsafe).
 * Resolves to the release function (also run at exit, should the process end without closing).
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, PGLITE_LOCK_FILE);
  const mine = JSON.stringify({
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(`${mine}\n`);
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
    }
    const held = await readLock(file);
    if (held && isAlive(held.pid)) throw new DataDirLockedError(resolve(dataDir), held.pid, resolve(file));
    // Stale: its process is gone. Remove it and try again (another process may win the race; then it is live).
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  let released = false;
  const ours = async () => (await readLock(file))?.pid === process.pid;
  const atExit = () => {
    if (released) return;
    released = true;
    try {
      unlinkSync(file);
    } catch {}
  };
  process.once('exit', atExit);
  return async () => {
    if (released) return;
    released = true;
    process.off('exit', atExit);
    if (await ours()) await unlink(file).catch(() => {});
  };
}

/**
 * Opens PostgreSQL when `databaseUrl` is given, else a file-backed PGlite under `dataDir`
 * (`memory://` for an in-memory database). A file-backed PGlite is locked for this process
 * (`<dataDir>/pgdata.lock`) until `close`: a second process opening it fails with `DataDirLockedError`.
 *
 * @example
 * const db = await openDatabase({ dataDir: './.fivecolor' });
 * await migrate(db);
 */
export async function openDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** PGlite only: start from this dump of a data directory (`dumpDataDir`) instead of running initdb. */
  loadDataDir?: Blob | undefined;
}): Promise<Db> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    // A connection that dies (a server restart, a failover, pg_terminate_backend) must not crash the
    // process: the pool's listener covers idle clients, each client's own one those in use — whose query
    // fails with the error, and which the pool then drops.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
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
  let unlock: (() => Promise<void>) | undefined;
  if (!dataDir.startsWith('memory://')) {
    location = join(dataDir, 'pgdata');
    await mkdir(location, { recursive: true });
    unlock = await lockDataDir(dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(location, opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
  } catch (err) {
    await unlock?.();
    throw err;
  }
  const db = drizzlePglite(pglite, { schema }) as unknown as Database;
  return {
    kind: 'pglite',
    db,
    pglite,
    async close() {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        await unlock?.();
      }
    },
  };
}

/** PostgreSQL's codes (and the network's) for a database that is down, restarting or full, for now. */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

type ErrorChain = { code?: unknown; message?: unknown; cause?: unknown };

/** An error and its causes, the driver's error under drizzle's query wrapper among them (a few deep). */
function* chain(err: unknown): Generator<ErrorChain> {
  let e = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    yield e as ErrorChain;
    e = (e as ErrorChain).cause;
  }
}

/** The first error of `err`'s chain that carries a code (PostgreSQL's `40P01`, the network's `ECONNREFUSED`). */
export function codedError(err: unknown): { code: string; message: string } | undefined {
  for (const e of chain(err))
    if (typeof e.code === 'string') return { code: e.code, message: String(e.message ?? e.code) };
  return undefined;
}

/**
 * Whether an error says the database cannot be reached for now (a restart, a failover, too many
 * connections) rather than that the request failed: such a request may be sent again (503).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of chain(err)) {
    if (typeof e.code === 'string' && UNAVAILABLE.has(e.code)) return true;
    // node-postgres' own errors for a connection that ended carry no code.
    if (typeof e.message === 'string' && /^Connection terminated/.test(e.message)) return true;
  }
  return false;
}
