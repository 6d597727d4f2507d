import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, openDatabase, PGLITE_LOCK_FILE } from './database.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'fivecolor-lock-'));
  dirs.push(d);
  return d;
}

const databaseModule = pathToFileURL(fileURLToPath(new URL('./database.ts', import.meta.url))).href;

/**
 * Another process (node + tsx) that opens `dir`: with `hold`, prints `ready` and keeps it open until
 * killed; else closes it again and exits 0, or prints the error and exits 3.
 */
function child(
  dir: string,
  hold = false,
): ChildProcess & { output: () => string; exited: Promise<number | null> } {
  const code = `
    const { openDatabase } = await import(${JSON.stringify(databaseModule)});
    try {
      const db = await openDatabase({ dataDir: process.env.LOCK_DIR });
      if (process.env.HOLD === '1') { console.log('ready'); setInterval(() => {}, 1000); }
      else { await db.close(); console.log('opened and closed'); }
    } catch (err) { console.error(err.message); process.exit(3); }
  `;
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, LOCK_DIR: dir, HOLD: hold ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout?.on('data', (d) => {
    out += String(d);
  });
  p.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  return Object.assign(p, { output: () => out, exited });
}

async function lockPid(dir: string): Promise<number> {
  return JSON.parse(await readFile(join(dir, PGLITE_LOCK_FILE), 'utf8')).pid;
}

describe('one process per PGlite data directory', () => {
  it('a second process refuses, naming the pid and DATABASE_URL; after close it opens', async () => {
    const dir = await dataDir();
    const db = await openDatabase({ dataDir: dir });
    expect(await lockPid(dir)).toBe(process.pid);
    const second = child(dir);
    expect(await second.exited).toBe(3);
    expect(second.output()).toContain(`in use by process ${process.pid}`);
    expect(second.output()).toContain('DATABASE_URL');
    // This process cannot open it twice either.
    await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
    await db.close();
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false);
    const third = child(dir);
    expect(await third.exited, third.output()).toBe(0);
  });

  it('refuses while another process holds it, and takes over its lock once it is killed', async () => {
    const dir = await dataDir();
    const holder = child(dir, true);
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on('data', (d) => String(d).includes('ready') && resolve());
      holder.once('exit', () => reject(new Error(`holder exited: ${holder.output()}`)));
    });
    const err = await openDatabase({ dataDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as DataDirLockedError).pid).toBe(holder.pid);
    expect((err as Error).message).toMatch(/Stop that process \(the server\).*DATABASE_URL/s);
    holder.kill('SIGKILL'); // no chance to remove its lock: it stays, stale
    await holder.exited;
    expect(await lockPid(dir)).toBe(holder.pid);
    const db = await openDatabase({ dataDir: dir });
    expect(await lockPid(dir)).toBe(process.pid);
    await db.close();
  });

  it('takes over a stale lock (dead pid, or unreadable)', async () => {
    const dir = await dataDir();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    await writeFile(join(dir, PGLITE_LOCK_FILE), JSON.stringify({ pid: gone.pid }));
    const db = await openDatabase({ dataDir: dir });
    expect(await lockPid(dir)).toBe(process.pid);
    await db.close();
    await writeFile(join(dir, PGLITE_LOCK_FILE), '{"pid":');
    const again = await openDatabase({ dataDir: dir });
    expect(await lockPid(dir)).toBe(process.pid);
    await again.close();
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false);
  });

  it('locks nothing in memory', async () => {
    const a = await openDatabase({ dataDir: 'memory://' });
    const b = await openDatabase({ dataDir: 'memory://' });
    await a.close();
    await b.close();
  });
});
