import type { Context } from 'hono';
import { roleTable } from '../auth/roles.js';

/**
 * The metrics/log label of a request: Hono's route pattern, and for tRPC the procedure names (only
 * known ones, so a label never carries caller input).
 */
export function routeLabel(c: Context): string {
  const pattern = c.req.routePath;
  if (!c.req.path.startsWith('/trpc/')) return pattern === '/*' || pattern === '*' ? 'unmatched' : pattern;
  const names = c.req.path.slice('/trpc/'.length).split(',');
  const known = names.map((n) => (Object.hasOwn(roleTable, n) ? n : 'unknown'));
  return `/trpc/${[...new Set(known)].join(',')}`;
}
