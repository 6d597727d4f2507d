import type { Context } from 'hono';
import { roleTable } from '../auth/roles.js';

/**
 * The metrics/log label of a request: Hono's route pattern, and for tRPC the procedure's name (only
 * known ones, so a label never carries caller input). A batch of several procedures is `/trpc/(batch)`:
 * labels per combination would let any caller grow the metrics without bound.
 */
export function routeLabel(c: Context): string {
  const pattern = c.req.routePath;
  if (!c.req.path.startsWith('/trpc/')) return pattern === '/*' || pattern === '*' ? 'unmatched' : pattern;
  const names = new Set(c.req.path.slice('/trpc/'.length).split(','));
  if (names.size > 1) return '/trpc/(batch)';
  const [name = ''] = names;
  return `/trpc/${Object.hasOwn(roleTable, name) ? name : 'unknown'}`;
}
