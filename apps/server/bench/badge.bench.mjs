// pnpm bench (apps/server): the public badge route under a Zipf-distributed token mix, cached and
// uncached, against a bare Hono route measured in the same run; PGlite and (with DATABASE_URL) PostgreSQL;
// and record.create writes/s. BENCH_PARTIES sets the data set size (default 1,000,000); the server's own
// settings pass through (e.g. FIVECOLOR_BADGE_CACHE_SIZE).
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiKey, migrate, openDatabase, resolveSecret } from '@fivecolor/api';
import autocannon from 'autocannon';
import pg from 'pg';
import { seedSynthetic } from '../dist/index.js';

const PARTIES = Number(process.env.BENCH_PARTIES ?? 1_000_000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 64;
const cli = fileURLToPath(new URL('../bin/fivecolor-server.js', import.meta.url));
const baselineScript = fileURLToPath(new URL('./baseline-server.mjs', import.meta.url));
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** Zipf(s≈1) ranks: a log-uniform draw, so a few parties are asked for very often and most rarely. */
function zipfPaths(prefix, tokens, count = 200_000) {
  const paths = new Array(count);
  for (let i = 0; i < count; i++)
    paths[i] = `${prefix}${tokens[Math.floor(tokens.length ** Math.random()) - 1]}`;
  return paths;
}

function spawnProcess(script, args, env) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function load(url, paths, opts = {}) {
  let i = 0;
  const result = await autocannon({
    url,
    connections: opts.connections ?? CONNECTIONS,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? DURATION }),
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [
      { setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length], ...(opts.request?.() ?? {}) }) },
    ],
  });
  const errors = result.errors + result.non2xx;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

async function cacheCounters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    hits: read('fivecolor_badge_cache_hits_total'),
    misses: read('fivecolor_badge_cache_misses_total'),
  };
}

const line = (name, r, base) =>
  `  ${name.padEnd(58)} ${fmt(r.rps).padStart(8)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms` +
  (base ? `  ${((100 * r.rps) / base.rps).toFixed(0).padStart(3)} % of ${base.name}` : '') +
  (r.errors ? `  (${r.errors} errors)` : '');

async function benchDatabase(kind) {
  const dataDir = mkdtempSync(join(tmpdir(), 'fivecolor-bench-'));
  let databaseUrl;
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query('drop database if exists fivecolor_bench with (force)');
    await admin.query('create database fivecolor_bench');
    await admin.end();
    const u = new URL(process.env.DATABASE_URL);
    u.pathname = '/fivecolor_bench';
    databaseUrl = u.toString();
  }
  const env = {
    FIVECOLOR_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? '',
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
  };
  console.log(`\n[${kind}] seeding ${fmt(PARTIES)} parties with badge tokens…`);
  const db = await openDatabase({ databaseUrl, dataDir });
  await migrate(db);
  const secret = await resolveSecret({ dataDir });
  const t0 = performance.now();
  const seeded = await seedSynthetic(db, secret, { parties: PARTIES, badgeTokens: true, batch: 5000 });
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(
    `[${kind}] seeded ${fmt(seeded.parties)} parties, ${fmt(seeded.records)} records in ${seedSeconds.toFixed(0)} s (${fmt(seeded.parties / seedSeconds)} parties/s)`,
  );
  const judge = await createApiKey(db, secret, { role: 'judge', name: 'bench', court: '浙02' });
  const partyRows =
    kind === 'postgres'
      ? (await db.pool.query('select id from parties limit 2000')).rows
      : (await db.pglite.query('select id from parties limit 2000')).rows;
  await db.close();
  const tokens = seeded.tokens;
  const rows = [];

  const baseline = await spawnProcess(baselineScript, [], { DATABASE_URL: databaseUrl ?? '' });
  const bare = {
    name: 'bare Hono',
    ...(await load(`http://127.0.0.1:${baseline.port}`, zipfPaths('/bare/', tokens))),
  };
  rows.push(line('bare Hono JSON route (ceiling)', bare));
  // Latency below saturation: the same routes at a fixed half of the ceiling's rate.
  const halfRate = Math.round(bare.rps / 2 / 100) * 100;
  const bareAtRate = await load(`http://127.0.0.1:${baseline.port}`, zipfPaths('/bare/', tokens), {
    overallRate: halfRate,
  });
  rows.push(line(`bare Hono at ${fmt(halfRate)} req/s (half the ceiling)`, bareAtRate));
  let pgBase;
  if (kind === 'postgres') {
    const hashes = tokens.slice(0, 200_000).map((t) => createHash('sha256').update(t).digest('hex'));
    pgBase = {
      name: 'Hono + pg lookup',
      ...(await load(`http://127.0.0.1:${baseline.port}`, zipfPaths('/pg/', hashes))),
    };
    rows.push(line('bare Hono + one pg lookup', pgBase, bare));
  }
  baseline.child.kill('SIGTERM');

  for (const cache of ['on', 'off']) {
    const server = await spawnProcess(cli, ['serve'], { ...env, FIVECOLOR_BADGE_CACHE: cache });
    const url = `http://127.0.0.1:${server.port}`;
    const measure = async (name, paths, base) => {
      const before = await cacheCounters(url);
      const r = await load(url, paths);
      const after = await cacheCounters(url);
      const hits = after.hits - before.hits;
      const lookups = hits + after.misses - before.misses;
      const hitNote = cache === 'on' ? ` (hit ${((100 * hits) / Math.max(1, lookups)).toFixed(0)} %)` : '';
      rows.push(line(`${name}${hitNote}`, r, base));
    };
    if (cache === 'on') {
      // A court's server runs for days. History: as many requests as there are parties, drawn from the
      // same mix. Then: a replay of the latest 100,000 of them (their tokens are cached: the hit path),
      // the same at half the ceiling's rate, and a fresh sample, whose first sightings of rarely asked
      // tokens are misses (the steady state).
      const history = zipfPaths('/v1/badge/', tokens, tokens.length);
      await load(url, history, { amount: history.length });
      const recent = history.slice(-100_000).reverse();
      await measure('GET /v1/badge/:token, cache on, recent tokens', recent, bare);
      rows.push(
        line(
          `GET /v1/badge/:token, recent tokens, at ${fmt(halfRate)} req/s`,
          await load(url, recent, { overallRate: halfRate }),
        ),
      );
      await measure('GET /v1/badge/:token, cache on, fresh sample', zipfPaths('/v1/badge/', tokens), bare);
    } else {
      await measure('GET /v1/badge/:token, cache off', zipfPaths('/v1/badge/', tokens), pgBase ?? bare);
    }
    if (cache === 'on') {
      let n = 0;
      const body = () =>
        JSON.stringify({
          partyId: partyRows[n++ % partyRows.length].id,
          category: 'Y02',
          court: '浙0212',
          caseNumber: `（2026）浙0212民初${(n % 90000) + 1}号`,
          effectiveFrom: '2026-01-01',
        });
      const w = await load(url, ['/trpc/record.create'], {
        connections: 8,
        duration: Math.min(DURATION, 10),
        request: () => ({
          method: 'POST',
          body: body(),
          headers: { authorization: `Bearer ${judge.key}`, 'content-type': 'application/json' },
        }),
      });
      rows.push(
        `  ${'record.create (8 connections)'.padEnd(40)} ${fmt(w.rps).padStart(8)} writes/s  p99 ${w.p99} ms${w.errors ? `  (${w.errors} errors)` : ''}`,
      );
    }
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `\n[${kind}] ${fmt(PARTIES)} parties, ${CONNECTIONS} connections, ${DURATION} s each, Zipf token mix`,
  );
  for (const r of rows) console.log(r);
}

// BENCH_DATABASES=postgres measures one of them only.
const wanted = (process.env.BENCH_DATABASES ?? 'pglite,postgres').split(',');
if (wanted.includes('pglite')) await benchDatabase('pglite');
if (!wanted.includes('postgres')) {
  // nothing more to do
} else if (process.env.DATABASE_URL) await benchDatabase('postgres');
else console.log('\n(DATABASE_URL unset: PostgreSQL figures left out)');
