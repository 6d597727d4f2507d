// Every `pnpm exec fivecolor-server …` command line that README.md and docs/ show is run here as written,
// from the repository root, against a fresh data directory: a newcomer copies them, so they must work.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { documentedCommands, documentedServerCommands } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const commands = documentedServerCommands(ROOT);
const dataDir = mkdtempSync(join(tmpdir(), 'fivecolor-docs-'));
const env = {
  ...process.env,
  FIVECOLOR_DATA_DIR: dataDir,
  DATABASE_URL: '',
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
};
const LONG_RUNNING = /fivecolor-server (serve|start)\b/;
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('the documented command lines', () => {
  it('are found (README.md and docs/ show the server commands)', () => {
    expect(commands).toEqual(
      expect.arrayContaining([
        'pnpm exec fivecolor-server migrate',
        'pnpm exec fivecolor-server serve',
        'pnpm exec fivecolor-server keys rotate-signing',
      ]),
    );
    expect(commands.some((c) => c.startsWith('pnpm exec fivecolor-server keys create '))).toBe(true);
    expect(documentedCommands('```sh\npnpm exec fivecolor-server seed --parties 5   # comment\n```')).toEqual(
      ['pnpm exec fivecolor-server seed --parties 5'],
    );
  });

  // One-shot commands first (in the order the docs give), the server last, all on one data directory.
  const ordered = [
    ...commands.filter((c) => !LONG_RUNNING.test(c)),
    ...commands.filter((c) => LONG_RUNNING.test(c)),
  ];
  it.each(ordered)('%s', async (command) => {
    if (LONG_RUNNING.test(command)) {
      const child = spawn('sh', ['-c', `exec ${command}`], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout?.on('data', (d) => (out += d));
      child.stderr?.on('data', (d) => (out += d));
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening" within 60 s:\n${out}`)), 60_000);
        child.stdout?.on('data', () => {
          const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
      });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      return;
    }
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) =>
        execFile('sh', ['-c', command], { cwd: ROOT, env }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
    );
    expect(`${code}\n${stderr}`, command).toBe('0\n');
    if (/keys create/.test(command)) expect(stdout.trim().split('\n').at(-1)).toMatch(/^fck_\S+$/);
  });
});
