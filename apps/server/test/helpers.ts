import { type ChildProcess, fork, type StdioOptions, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, dbKinds, pgliteDataDir } from '@fivecolor/api/testing';

export const cliPath = fileURLToPath(new URL('../bin/fivecolor-server.js', import.meta.url));

/** The databases to run against: PGlite always, PostgreSQL when DATABASE_URL is set. */
export const databases = dbKinds();

/**
 * Environment for a server on a fresh database of `kind`; `drop` removes a PostgreSQL test database. A
 * PGlite one is unpacked from the migrated template, so the commands skip initdb; the first start on an
 * empty directory (initdb included) is what the README's tests (newcomer, documented commands) run.
 */
export async function freshEnv(
  kind: 'pglite' | 'postgres',
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fivecolor-server-test-'));
  if (kind === 'pglite') {
    await pgliteDataDir(dataDir);
    return { env: { FIVECOLOR_DATA_DIR: dataDir, DATABASE_URL: '' }, drop: async () => {} };
  }
  const t = await createTestDatabase();
  return { env: { FIVECOLOR_DATA_DIR: dataDir, DATABASE_URL: t.url }, drop: t.drop };
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = fork(cliPath, args, {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningCli {
  child: ChildProcess;
  url: string;
  logs: () => string;
  /** Standard output alone, so far. */
  stdout: () => string;
  /** The output so far, once it contains `text` (or after 15 s, for the assertions to tell). */
  waitFor(text: string): Promise<string>;
  /** SIGTERM, and the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `fivecolor-server serve` (or another long-running command) on an OS-chosen port; with
 * `executable`, by running the bin itself (its `#!` line and the node flags there) instead of forking node.
 */
export function startCli(
  args: string[],
  env: Record<string, string>,
  opts: { executable?: boolean } = {},
): Promise<RunningCli> {
  return new Promise((resolve, reject) => {
    const options = {
      env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'] satisfies StdioOptions,
    };
    const child = opts.executable ? spawn(cliPath, args, options) : fork(cliPath, args, options);
    let out = '';
    let stdout = '';
    child.stdout?.on('data', (d) => {
      out += d;
      stdout += d;
    });
    child.stderr?.on('data', (d) => (out += d));
    child.once('message', (m) =>
      resolve({
        child,
        url: `http://127.0.0.1:${(m as { port: number }).port}`,
        logs: () => out,
        stdout: () => stdout,
        async waitFor(text) {
          const started = Date.now();
          while (!out.includes(text) && Date.now() - started < 15_000)
            await new Promise((r) => setTimeout(r, 50));
          return out;
        },
        async stop() {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/** The documented `pnpm exec fivecolor-server …` command lines of a markdown text: in code blocks (comment dropped) and in inline code. */
export function documentedCommands(markdown: string): string[] {
  const found: string[] = [];
  for (const m of markdown.matchAll(/`(pnpm exec fivecolor-server [^`]+)`/g)) found.push(m[1] as string);
  for (const line of markdown.split('\n')) {
    const m = /^(pnpm exec fivecolor-server .+?)(\s+#.*)?$/.exec(line.trim());
    if (m) found.push(m[1] as string);
  }
  // A placeholder (`…`) is prose about the commands, not a command line.
  return found.map((c) => c.trim()).filter((c) => !c.includes('…'));
}

/** Every documented server command line of README.md and docs/ under `root`, once each. */
export function documentedServerCommands(root: string): string[] {
  const docs = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  return [...new Set(docs.flatMap((f) => documentedCommands(readFileSync(join(root, f), 'utf8'))))];
}
