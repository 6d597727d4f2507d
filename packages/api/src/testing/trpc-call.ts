import { appRouter } from '../routers/root.js';

/** A `fetch`, or anything shaped like one (Hono's `app.request`). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response> | Response;

/** A tRPC error as it travels over HTTP (the API's error formatter). */
export interface TrpcErrorBody {
  message: string;
  code: number;
  data: { code: string; httpStatus: number; path?: string };
}

/** What one HTTP call answered: the status and either the data or the error. */
export interface TrpcResult {
  status: number;
  data?: unknown;
  error?: TrpcErrorBody;
}

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;

/** Whether a procedure path is a query (GET) or a mutation (POST). */
export function procedureType(path: string): 'query' | 'mutation' {
  return procedures[path]?._def.type === 'query' ? 'query' : 'mutation';
}

/**
 * Calls a procedure named by a string over tRPC's HTTP format, for tests that go over every path (the
 * authorization matrix, the fuzzer). Sends `input` as it is — anything, valid or not — and answers with
 * the HTTP status and the parsed result; a body that is not JSON comes back as an `UNPARSEABLE` error.
 * Tests that name a procedure in their code use the typed client (`createTestClient`, `h.as(role)`).
 */
export async function callTrpc(
  fetchLike: FetchLike,
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
  let body: { result?: { data?: unknown }; error?: TrpcErrorBody };
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
