import type { AddressInfo } from 'node:net';
import { createApiKey, createFivecolor, type FivecolorOptions } from '@fivecolor/api';
import { openTestDb } from '@fivecolor/api/testing';
import { serve } from '@hono/node-server';

const silent = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  trace() {},
  fatal() {},
  child() {
    return silent;
  },
} as unknown as NonNullable<FivecolorOptions['logger']>;

export interface TestServer {
  url: string;
  keys: { admin: string; clerk: string; judge: string; enforcement: string; bank: string };
  close(): Promise<void>;
}

/**
 * The reference API over a fresh PGlite database on a real socket, with one key per role (court 浙02).
 * `extra` answers requests first (a page and a script for the browser test); undefined falls through.
 */
export async function startServer(
  extra?: (req: Request) => Response | undefined | Promise<Response | undefined>,
): Promise<TestServer> {
  const db = await openTestDb('pglite');
  const secret = 'client-test-secret-0123456789abcdef';
  const fivecolor = await createFivecolor({ db, secret, logger: silent, publicUrl: 'https://court.example' });
  const keys = {} as TestServer['keys'];
  for (const role of ['admin', 'clerk', 'judge', 'enforcement', 'bank'] as const) {
    const court = role === 'admin' || role === 'bank' ? {} : { court: '浙02' };
    keys[role] = (await createApiKey(db, secret, { role, name: `${role} (client tests)`, ...court })).key;
  }
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      {
        fetch: async (req: Request) => (await extra?.(req)) ?? fivecolor.app.fetch(req),
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(s),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fivecolor.close();
      await db.close();
    },
  };
}

/** A valid 18-digit resident identity number (GB 11643 check digit) for a sequence number. */
export function residentId(seq: number): string {
  const body = `11010519491231${String(seq % 1000).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * (weights[i] ?? 0), 0);
  return body + '10X98765432'[sum % 11];
}
