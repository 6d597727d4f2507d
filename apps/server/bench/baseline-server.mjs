// The ceilings the badge route is compared with, run as their own process like the real server:
// a bare Hono JSON route; bare Hono sending a badge response it is given as a constant (headers and body,
// BENCH_BADGE_RESPONSE); and (with DATABASE_URL) the bare route plus one prepared PostgreSQL primary-key
// lookup.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';

const app = new Hono();
app.get('/bare/:token', (c) =>
  c.json({ color: 'green', label: '绿码', name: '章**', asOf: '2026-11-27', until: null }),
);
if (process.env.BENCH_BADGE_RESPONSE) {
  const { headers, body } = JSON.parse(process.env.BENCH_BADGE_RESPONSE);
  const bytes = new TextEncoder().encode(body);
  app.get('/same/:token', () => new Response(bytes, { status: 200, headers }));
}
if (process.env.DATABASE_URL) {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  app.get('/pg/:token', async (c) => {
    const { rows } = await pool.query({
      name: 'badge-lookup',
      text: 'select party_id from badge_tokens where token_hash = $1',
      values: [c.req.param('token')],
    });
    return c.json({ found: rows.length > 0 });
  });
}
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.send?.({ port: info.port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
