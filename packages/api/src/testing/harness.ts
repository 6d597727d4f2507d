import { Writable } from 'node:stream';
import { createLogger } from '../http/logger.js';
import type { ReportOptions } from '../reports/report-kit.js';
import type { WebhookOptions } from '../webhooks/webhook-worker.js';
import { createTestApp, type TestApp } from './test-app.js';
import type { DbKind } from './test-db.js';
import { callTrpc, type TrpcResult } from './trpc-call.js';

export interface Harness extends TestApp {
  /** Every log line the app wrote (JSON). */
  logs: string[];
  /** The app's clock: set `now` to move time. */
  clock: { now: Date };
  /** Calls a procedure named by a string with any input (see {@link callTrpc}); typed calls use `as`/`client`. */
  call(path: string, input: unknown, token?: string): Promise<TrpcResult>;
}

/**
 * The app in process over a fresh database, with one key per role (court 浙02 for court roles), a
 * settable clock and captured logs. `h.as('judge').record.create.mutate({...})` calls it through
 * `app.request`, typed by the router.
 */
export async function createHarness(
  kind: DbKind,
  opts: { badgeCache?: boolean; reports?: ReportOptions; webhooks?: WebhookOptions } = {},
): Promise<Harness> {
  const logs: string[] = [];
  const logger = createLogger(
    {},
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  const clock = { now: new Date() };
  const t = await createTestApp({ ...opts, kind, logger, now: () => clock.now });
  return {
    ...t,
    logs,
    clock,
    call: (path, input, token) => callTrpc((u, i) => t.app.request(u, i), 'http://local', path, input, token),
  };
}
