import type { Logger } from 'pino';
import { createApiKey } from '../auth/api-keys.js';
import { ROLES, type Role } from '../auth/roles.js';
import type { Db } from '../db/database.js';
import { createFivecolor } from '../http/create-app.js';
import type { ReportOptions } from '../reports/report-kit.js';
import type { WebhookOptions } from '../webhooks/webhook-worker.js';
import { type AppLike, createTestClient, type TestClient } from './client.js';
import { residentId } from './ids.js';
import { type DbKind, openTestDb } from './test-db.js';

/** The roles that have API keys (a party has a session token instead). */
export type KeyRole = Exclude<Role, 'party'>;

export const KEY_ROLES: readonly KeyRole[] = ROLES.filter((r): r is KeyRole => r !== 'party');

/** Typed clients of one API: by role, or by token. */
export interface TestClients {
  /** A typed client with the key of `role`. */
  as(role: KeyRole): TestClient;
  /** A typed client sending `token` (a key or a party session), or none. */
  client(token?: string): TestClient;
  /**
   * Registers a person with the fictional resident id `residentId(n)` (as the clerk) and returns its
   * party id; the same `n` is the same party.
   */
  registerPerson(n: number, name?: string): Promise<string>;
}

/** What both the in-process harness and the socket server are made of. */
export interface TestApp extends TestClients {
  kind: DbKind;
  db: Db & { url?: string };
  secret: string;
  app: Awaited<ReturnType<typeof createFivecolor>>['app'];
  deps: Awaited<ReturnType<typeof createFivecolor>>['deps'];
  /** One key per role: court 浙02 for clerk, judge and enforcement; the bank's organization is `Test Bank`. */
  keys: Record<KeyRole, string>;
  /** A judge key of another court (浙03). */
  otherCourtJudge: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** The database (default PGlite in memory). */
  kind?: DbKind;
  reports?: ReportOptions;
  badgeCache?: boolean;
  /** The app's clock (default the real one). */
  now?: () => Date;
  /** Webhook delivery (default `{ deliver: false }`: no worker runs unless a test asks for one). */
  webhooks?: WebhookOptions;
  /** Origins allowed to call the API cross-origin (default none). */
  allowedOrigins?: readonly string[];
}

/** Clients of the API at `target` (a URL, or an app called in process), one per token, made on first use. */
export function testClients(target: string | AppLike, keys: Record<KeyRole, string>): TestClients {
  const clients = new Map<string, TestClient>();
  const client = (token?: string) => {
    let c = clients.get(token ?? '');
    if (!c) {
      c = createTestClient(target, token);
      clients.set(token ?? '', c);
    }
    return c;
  };
  const registerPerson = async (n: number, name = '章某某') =>
    (
      await client(keys.clerk).party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: residentId(n),
        name,
      })
    ).partyId;
  return { as: (role) => client(keys[role]), client, registerPerson };
}

/** The app over a fresh migrated database, with one key per role; its clients call it in process. */
export async function createTestApp(opts: TestAppOptions & { logger: Logger }): Promise<TestApp> {
  const kind = opts.kind ?? 'pglite';
  const db = await openTestDb(kind);
  const secret = `test-secret-${kind}-0123456789abcdef`;
  const fivecolor = await createFivecolor({
    db,
    secret,
    logger: opts.logger,
    publicUrl: 'https://court.example',
    ...(opts.badgeCache === undefined ? {} : { badgeCache: opts.badgeCache }),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.reports ? { reports: opts.reports } : {}),
    webhooks: opts.webhooks ?? { deliver: false },
    ...(opts.allowedOrigins ? { allowedOrigins: opts.allowedOrigins } : {}),
  });
  const keys = {} as Record<KeyRole, string>;
  for (const role of KEY_ROLES) {
    const court = ['clerk', 'judge', 'enforcement'].includes(role) ? '浙02' : undefined;
    keys[role] = (
      await createApiKey(db, secret, {
        role,
        name: `${role} test`,
        ...(court ? { court } : {}),
        ...(role === 'bank' ? { org: 'Test Bank' } : {}),
      })
    ).key;
  }
  const otherCourtJudge = (
    await createApiKey(db, secret, { role: 'judge', name: 'other court', court: '浙03' })
  ).key;
  return {
    kind,
    db,
    secret,
    app: fivecolor.app,
    deps: fivecolor.deps,
    keys,
    otherCourtJudge,
    ...testClients(fivecolor.app, keys),
    async close() {
      await fivecolor.close();
      await db.close();
    },
  };
}
