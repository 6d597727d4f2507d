import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The client address for rate limits: the socket's, or behind a trusted proxy the last X-Forwarded-For
 * hop; `unknown` when there is no socket (a request made in process). The same rule as the report
 * routes' limiter.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const hop = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (hop) return hop;
  }
  if (!c.env) return 'unknown'; // in process (app.request): no socket, and no exception to pay for
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
