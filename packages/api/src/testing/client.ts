import { createTRPCClient, httpLink, type TRPCClient, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../routers/root.js';

/** The tRPC client of the API, typed by its router: `await client.record.create.mutate({...})`. */
export type TestClient = TRPCClient<AppRouter>;

/** The error a test client's call rejects with: `.message`, `.data?.code`, `.data?.httpStatus`. */
export type TestClientError = TRPCClientError<AppRouter>;

/** A Hono app (or anything with its `request`), called in process. */
export interface AppLike {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

type LinkFetch = NonNullable<Parameters<typeof httpLink>[0]['fetch']>;

/**
 * A typed tRPC client of the API at `target`: a base URL (called with the global `fetch`, over a real
 * socket) or an app (called in process through `app.request`). Sends `token` as the bearer token when
 * given. One HTTP request per call (`httpLink`, no batching), so each call gets its own status.
 */
export function createTestClient(target: string | AppLike, token?: string): TestClient {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  if (typeof target === 'string')
    return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${target}/trpc`, headers })] });
  const fetch = ((url: string, init?: RequestInit) => target.request(String(url), init)) as LinkFetch;
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: 'http://local/trpc', headers, fetch })] });
}

/**
 * The tRPC error `call` rejects with, to assert on: `expect((await trpcError(p)).data?.code).toBe('FORBIDDEN')`.
 * Throws when the call succeeds or fails with anything else.
 */
export async function trpcError(call: Promise<unknown>): Promise<TestClientError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof TRPCClientError) return err as TestClientError;
    throw err;
  }
  throw new Error('expected the call to fail with a tRPC error, but it succeeded');
}
