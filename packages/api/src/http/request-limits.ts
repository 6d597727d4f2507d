import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** Default most bytes of a tRPC request body (1 MiB; the largest legitimate input is far below). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default most procedure calls in one tRPC batch request. */
export const DEFAULT_MAX_BATCH = 25;

/** A tRPC-shaped error (what `@trpc/client` shows as the call's error), with `Connection: close` when asked. */
function refusal(
  c: Context,
  status: 400 | 413,
  code: 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE',
  message: string,
  close = false,
): Response {
  const body = {
    error: { message, code: code === 'BAD_REQUEST' ? -32600 : -32013, data: { code, httpStatus: status } },
  };
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  // The rest of an oversized body is not read: the connection cannot carry another request.
  if (close) headers.Connection = 'close';
  return c.json(body, status, headers);
}

/** How many procedure calls `/trpc/a,b,c` names (a comma may be sent as `%2C`). */
export function countCalls(path: string): number {
  let n = 1;
  for (let i = path.indexOf(','); i !== -1; i = path.indexOf(',', i + 1)) n++;
  const encoded = path.match(/%2c/gi);
  return encoded ? n + encoded.length : n;
}

/**
 * The limits in front of tRPC: a batch naming more than `maxBatch` procedures is refused with 400
 * before its body is read or any procedure runs; a body over `maxBodyBytes` with 413, from its
 * Content-Length before reading it, or (chunked, without one) as soon as what arrived passes the limit;
 * at most `maxBodyBytes` is ever held.
 */
export function requestLimits(opts: { maxBodyBytes: number; maxBatch: number }): MiddlewareHandler[] {
  const { maxBodyBytes, maxBatch } = opts;
  const batch: MiddlewareHandler = async function batchLimit(c, next) {
    const calls = countCalls(c.req.path);
    if (calls > maxBatch)
      return refusal(
        c,
        400,
        'BAD_REQUEST',
        `batch of ${calls} calls: at most ${maxBatch} calls in one request; send the rest in further requests`,
      );
    await next();
  };
  const body = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) =>
      refusal(
        c,
        413,
        'PAYLOAD_TOO_LARGE',
        `request body over ${maxBodyBytes} bytes: this server accepts at most ${maxBodyBytes} bytes in one request`,
        true,
      ),
  });
  return [batch, body];
}
