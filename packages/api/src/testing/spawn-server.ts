import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  child: ChildProcess;
  base: string;
  keys: Record<string, string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `server-child.ts` (via tsx) with `env` and waits for its port. */
export async function spawnServer(env: Record<string, string>): Promise<ChildServer> {
  const script = fileURLToPath(new URL('./server-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const info = await new Promise<{ port: number; keys: Record<string, string> }>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) =>
      reject(new Error(`server child exited with ${code}: ${stderr.slice(-2000)}`)),
    );
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    base: `http://127.0.0.1:${info.port}`,
    keys: info.keys,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
