import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

export interface ApiCorsOptions {
  /**
   * Browser origins allowed to call the API cross-origin with `Authorization` (exact match, such as
   * `https://portal.court.example`; default none).
   */
  allowedOrigins?: readonly string[] | undefined;
}

/** What a listed origin may send: the methods tRPC uses (GET queries, POST mutations) and these headers. */
export const API_CORS_METHODS = ['GET', 'POST', 'OPTIONS'] as const;
export const API_CORS_HEADERS = ['Authorization', 'Content-Type'] as const;

/**
 * CORS for the authenticated API (`/trpc/*`, `/v1/parties/*`): a request or preflight from a listed
 * origin gets Hono's CORS headers (that origin echoed, `Authorization` and `Content-Type`, GET/POST,
 * never credentials: the bearer token is the credential, cookies are not used); any other origin gets
 * no CORS header at all, so its browser withholds the response. Every response says `Vary: Origin`.
 *
 * @example
 * app.use('/trpc/*', apiCors({ allowedOrigins: ['https://portal.court.example'] }));
 */
export const apiCors = (opts: ApiCorsOptions = {}): MiddlewareHandler => {
  const allowed = new Set(opts.allowedOrigins ?? []);
  const listed = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: [...API_CORS_METHODS],
    allowHeaders: [...API_CORS_HEADERS],
    exposeHeaders: ['Content-Disposition', 'Retry-After'],
    credentials: false,
    maxAge: 600,
  });
  return async function apiCors(c, next) {
    if (allowed.has(c.req.header('Origin') ?? '')) return listed(c, next);
    await next();
    c.header('Vary', 'Origin', { append: true });
  };
};
