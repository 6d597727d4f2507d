import { Writable } from 'node:stream';
import { createApiKey } from '../auth/api-keys.js';
import type { Role } from '../auth/roles.js';
import type { Db } from '../db/database.js';
import { createFivecolor } from '../http/create-app.js';
import { createLogger } from '../http/logger.js';
import type { ReportOptions } from '../reports/report-kit.js';
import { appRouter } from '../routers/root.js';
import { type DbKind, openTestDb } from './test-db.js';

export type TrpcResult = {
  status: number;
  data?: any;
  error?: { message: string; code: number; data: { code: string; httpStatus: number } };
};

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;

/** Whether a procedure path is a query (GET) or a mutation (POST). */
export function procedureType(path: string): 'query' | 'mutation' {
  return procedures[path]?._def.type === 'query' ? 'query' : 'mutation';
}

/** Calls a procedure over tRPC's HTTP format through any fetch-like function. */
export async function callTrpc(
  fetchLike: (url: string, init: RequestInit) => Promise<Response> | Response,
  base: string,
  path: string,
  input: unknown,
  token?: string,
): Promise<TrpcResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const isQuery = procedureType(path) === 'query';
  const url = isQuery
    ? `${base}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
    : `${base}/trpc/${path}`;
  const res = await fetchLike(
    url,
    isQuery
      ? { method: 'GET', headers }
      : { method: 'POST', headers, body: input === undefined ? '' : JSON.stringify(input) },
  );
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      status: res.status,
      error: { message: text, code: -1, data: { code: 'UNPARSEABLE', httpStatus: res.status } },
    };
  }
  return body.error
    ? { status: res.status, error: body.error }
    : { status: res.status, data: body.result?.data };
}

export interface Harness {
  kind: DbKind;
  db: Db & { url?: string };
  secret: string;
  app: Awaited<ReturnType<typeof createFivecolor>>['app'];
  deps: Awaited<ReturnType<typeof createFivecolor>>['deps'];
  logs: string[];
  keys: Record<Exclude<Role, 'party'>, string>;
  /** A judge key of another court (浙03). */
  otherCourtJudge: string;
  call(path: string, input: unknown, token?: string): Promise<TrpcResult>;
  /** Calls and throws on error, returning the data. */
  ok(path: string, input: unknown, token?: string): Promise<any>;
  clock: { now: Date };
  close(): Promise<void>;
}

/** An app over a fresh database, with one key per role (court 浙02 for court roles) and captured logs. */
export async function createHarness(
  kind: DbKind,
  opts: { badgeCache?: boolean; reports?: ReportOptions } = {},
): Promise<Harness> {
  const db = await openTestDb(kind);
  const secret = `test-secret-${kind}-0123456789abcdef`;
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
  const { app, deps, close } = await createFivecolor({
    db,
    secret,
    logger,
    badgeCache: opts.badgeCache,
    now: () => clock.now,
    publicUrl: 'https://court.example',
    reports: opts.reports,
  });
  const keys = {} as Harness['keys'];
  for (const role of ['admin', 'clerk', 'judge', 'enforcement', 'bank', 'exchange'] as const) {
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
  const call = (path: string, input: unknown, token?: string) =>
    callTrpc((u, i) => app.request(u, i), 'http://local', path, input, token);
  return {
    kind,
    db,
    secret,
    app,
    deps,
    logs,
    keys,
    otherCourtJudge,
    clock,
    call,
    async ok(path, input, token) {
      const r = await call(path, input, token);
      if (r.error) throw new Error(`${path}: ${r.error.data.code} ${r.error.message}`);
      return r.data;
    },
    async close() {
      await close();
      await db.close();
    },
  };
}
