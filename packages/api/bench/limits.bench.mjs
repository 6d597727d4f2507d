// pnpm bench (packages/api): how fast the API refuses what it must not serve, against a bare Hono
// route answering the same request (the baseline, measured in this run): bodies over the limit (413,
// declared and chunked), batches over the limit (400), and the badge route's misses for bad tokens
// (malformed, remembered, looked up, rate-limited). In process (app.fetch), no sockets: the figures
// are the server's own cost per refusal.
import { Hono } from 'hono';
// Run with tsx: it measures internals that are not exported.
import { createApiKey } from '../src/auth/api-keys.ts';
import { createFivecolor } from '../src/http/create-app.ts';
import { createLogger } from '../src/http/logger.ts';
import { openTestDb } from '../src/testing/test-db.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const quiet = createLogger({ level: 'silent' });

/** Runs `fn` back to back (16 in flight) for SECONDS; checks each status; returns operations per second. */
async function rate(name, status, fn) {
  const check = async (i) => {
    const res = await fn(i);
    if (res.status !== status) throw new Error(`${name}: expected ${status}, got ${res.status}`);
    await res.body?.cancel();
  };
  for (let i = 0; i < 200; i++) await check(i); // warm-up
  const end = performance.now() + SECONDS * 1000;
  let ops = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await Promise.all(Array.from({ length: 16 }, (_, k) => check(ops + k)));
    ops += 16;
  }
  return ops / ((performance.now() - start) / 1000);
}

const db = await openTestDb('pglite');
const secret = 'bench-secret-0123456789abcdef';
// The miss handling is measured without the per-client limit (one client here), then with it.
const { app, close } = await createFivecolor({ db, secret, logger: quiet, badgeMissLimit: false });
const limited = await createFivecolor({
  db,
  secret,
  logger: quiet,
  badgeMissLimit: { burst: 1, perSecond: 0.001 },
});
const clerk = (await createApiKey(db, secret, { role: 'clerk', name: 'bench', court: '浙02' })).key;
const auth = { authorization: `Bearer ${clerk}`, 'content-type': 'application/json' };

const bare = new Hono();
bare.post('/trpc/*', (c) => c.json({ error: 'refused' }, 413));
bare.get('/v1/badge/:token', (c) => c.json({ error: 'not found' }, 404));
bare.get('/v1/badge/*', (c) => c.json({ error: 'not found' }, 404));

const url = (path) => `http://local${path}`;
const twoMiB = new Uint8Array(2 * 1024 * 1024).fill(120);
const declared = () =>
  new Request(url('/trpc/party.register'), {
    method: 'POST',
    headers: { ...auth, 'content-length': String(twoMiB.length) },
    body: twoMiB,
  });
const chunk = new Uint8Array(64 * 1024).fill(120);
const chunked = () => {
  let sent = 0;
  return new Request(url('/trpc/party.register'), {
    method: 'POST',
    headers: { ...auth, 'transfer-encoding': 'chunked' },
    duplex: 'half',
    body: new ReadableStream({
      pull(ctl) {
        if (sent >= twoMiB.length) return ctl.close();
        sent += chunk.length;
        ctl.enqueue(chunk);
      },
    }),
  });
};
const batchPath = `/trpc/${Array.from({ length: 26 }, () => 'party.register').join(',')}?batch=1`;
const batch = () => new Request(url(batchPath), { method: 'POST', headers: auth, body: '{}' });
const random = (i) => `bdg_${String(i).padStart(32, 'A').slice(-32)}`;
const remembered = random(-1);
await app.fetch(new Request(url(`/v1/badge/${remembered}`)));
await limited.app.fetch(new Request(url('/v1/badge/bdg_spends_the_burst')));

const badge = (token) => new Request(url(`/v1/badge/${token}`));
// Each refusal, and the same request answered at once by a bare Hono route (its baseline).
const rows = [
  ['body over the limit, Content-Length 2 MiB → 413', 413, declared],
  ['body over the limit, chunked 2 MiB → 413', 413, chunked],
  ['batch of 26 calls → 400', 400, batch],
  ['badge miss, malformed token → 404 (no query)', 404, (i) => badge(`bdg_${i}`)],
  ['badge miss, remembered token → 404 (no query)', 404, () => badge(remembered)],
  ['badge miss, new well-formed token → 404 (one PGlite query per batch)', 404, (i) => badge(random(i))],
  ['badge miss over the per-client limit → 429', 429, (i) => badge(random(i)), limited.app],
];
const results = [];
for (const [what, status, req, target = app] of rows) {
  const bareStatus = status === 400 ? 413 : status === 429 ? 404 : status;
  let [n, base] = [0, 0];
  // Two rounds, interleaved, the best of each: the machine may be shared.
  for (let round = 0; round < 2; round++) {
    base = Math.max(base, await rate(`${what} (bare)`, bareStatus, (i) => bare.fetch(req(i))));
    n = Math.max(n, await rate(what, status, (i) => target.fetch(req(i))));
  }
  results.push([what, n, base]);
}
await limited.close();
await close();
await db.close();

console.log('');
console.log('| refusal | per second | bare Hono route, same request (baseline) | ratio |');
console.log('|---|---:|---:|---:|');
for (const [what, n, base] of results)
  console.log(`| ${what} | ${fmt(n)} | ${fmt(base)} | ${(n / base).toFixed(2)}× |`);
