import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createLogger } from '../http/logger.js';
import { createTestApp, type TestApp, type TestAppOptions, testClients } from './test-app.js';

export interface TestServer extends TestApp {
  /** `http://127.0.0.1:<port>`; the typed clients (`as`, `client`) call it over the socket. */
  url: string;
}

/**
 * The API on a real socket (127.0.0.1, a port the OS picks) over a fresh database (PGlite unless
 * `kind` says otherwise), with one key per role (court 浙02 for court roles) and a silent logger.
 * `extra` answers requests first (pages and scripts for browser tests); undefined falls through to the API.
 */
export async function startTestServer(
  opts: TestAppOptions & {
    extra?: (req: Request) => Response | undefined | Promise<Response | undefined>;
  } = {},
): Promise<TestServer> {
  const { extra, ...appOpts } = opts;
  const t = await createTestApp({ ...appOpts, logger: createLogger({ level: 'silent' }) });
  const server = await new Promise<Server>((resolve) => {
    const s = serve(
      {
        fetch: extra ? async (req: Request) => (await extra(req)) ?? t.app.fetch(req) : t.app.fetch,
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(s as Server),
    );
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...t,
    ...testClients(url, t.keys),
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await t.close();
    },
  };
}
