// pnpm bench (packages/api): webhook delivery from one server process to a local receiver, against a
// baseline measured in this run — bare HTTP POSTs of a delivered body with its headers to the same
// receiver over the same keep-alive agent, as many in flight as the worker (no queue, no signing, no
// database):
// 1. deliveries/s: BENCH_WEBHOOK_EVENTS color changes (default 5,000) of BENCH_WEBHOOK_PARTIES parties
//    (default 100) queued at once and drained by the worker (BENCH_WEBHOOK_CONCURRENCY in flight,
//    default 32 as in production, one per party at a time; BENCH_WEBHOOK_BATCH events of a party per
//    claim, default the worker's); the receiver checks that each party's events arrive in seq order
//    (goal ≥ 1,000/s). The receiver parses each body and answers 204, nothing more.
// 2. end-to-end latency: from a `record.create` call's answer (its commit) to the receiver getting the
//    event, one write every 50 ms, worker on its default settings (goal p99 ≤ 1 s); baseline: one bare POST.
// On PGlite in memory and, with DATABASE_URL, on PostgreSQL. The receiver runs in this process.
import { createServer } from 'node:http';
import { sql } from 'drizzle-orm';
// Run with tsx: it uses the test kit and the worker from the sources.
import { createHarness } from '../src/testing/harness.ts';
import { dbKinds } from '../src/testing/test-db.ts';
import { postWebhook } from '../src/webhooks/post.ts';
import { WebhookWorker } from '../src/webhooks/webhook-worker.ts';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 5_000);
const PARTIES = Number(process.env.BENCH_WEBHOOK_PARTIES ?? 100);
const WRITES = Number(process.env.BENCH_WEBHOOK_WRITES ?? 100);
// Deliveries in flight at once (the worker's default is 32).
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 32);
const BATCH = process.env.BENCH_WEBHOOK_BATCH ? Number(process.env.BENCH_WEBHOOK_BATCH) : undefined;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** The receiver: answers 204, counts, checks seq order per party, and notes each record's arrival time. */
function startReceiver() {
  const state = { count: 0, outOfOrder: 0, last: new Map(), arrivals: new Map(), waiters: [], sample: null };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(204).end();
      state.count++;
      state.sample ??= { body, headers: req.headers };
      const e = JSON.parse(body);
      if (e.data?.partyId) {
        const prev = state.last.get(e.data.partyId) ?? 0;
        if (e.data.seq <= prev) state.outOfOrder++;
        state.last.set(e.data.partyId, e.data.seq);
        if (e.data.record?.recordId) state.arrivals.set(e.data.record.recordId, at);
      }
      for (const w of state.waiters.splice(0)) w();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/hook`,
        state,
        reset() {
          state.count = 0;
          state.outOfOrder = 0;
          state.last.clear();
          state.arrivals.clear();
        },
        async until(cond) {
          while (!cond()) await new Promise((r) => state.waiters.push(r));
        },
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

/** `n` bare POSTs of one body with its headers to the receiver, `concurrency` in flight: POSTs per second. */
async function barePosts(url, { body, headers }, n, concurrency) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) {
        const out = await postWebhook(url, body, headers, { timeoutMs: 10_000, allowPrivate: true });
        if (out.status !== 204) throw new Error(`bare POST: ${out.status ?? out.error}`);
      }
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

for (const kind of dbKinds()) {
  const rx = await startReceiver();
  const h = await createHarness(kind, { webhooks: { deliver: false, allowPrivate: true } });
  await h.as('exchange').webhook.create.mutate({ url: rx.url });
  const parties = [];
  for (let i = 0; i < PARTIES; i++) parties.push(await h.registerPerson(200_000 + i, '章某某'));
  console.error(`webhooks (${kind}): ${PARTIES} parties registered; queueing ${EVENTS} events…`);

  // 1. Throughput: color changes queued at once (through the same trigger a write fires), then drained.
  const at = h.clock.now.toISOString();
  await h.db.db.execute(sql`
    insert into changes (party_id, kind, color, previous_color, data, at)
    select (${sql.raw(`array['${parties.join("','")}']`)})[1 + (i % ${PARTIES})], 'color.changed',
      case when i % 2 = 0 then 'yellow' else 'green' end, case when i % 2 = 0 then 'green' else 'yellow' end,
      '{"since":"2026-01-01","until":null,"basis":[],"policyId":"default-2022","cause":"bench"}'::jsonb, ${at}
    from generate_series(0, ${EVENTS - 1}) as i`);
  rx.reset();
  const worker = new WebhookWorker(h.deps, {
    allowPrivate: true,
    pollMs: 5,
    concurrency: CONCURRENCY,
    ...(BATCH ? { batch: BATCH } : {}),
  }).start();
  const t0 = performance.now();
  const progress = setInterval(() => console.error(`  … ${rx.state.count} delivered`), 5000);
  await rx.until(() => rx.state.count >= EVENTS);
  clearInterval(progress);
  const delivered = EVENTS / ((performance.now() - t0) / 1000);
  await worker.stop();
  const outOfOrder = rx.state.outOfOrder;
  const sample = {
    body: rx.state.sample.body,
    headers: Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'user-agent'].map((k) => [
        k,
        rx.state.sample.headers[k],
      ]),
    ),
  };
  const bare = await barePosts(rx.url, sample, EVENTS, CONCURRENCY);
  console.log(
    `webhooks (${kind}): ${fmt(delivered)} deliveries/s (${EVENTS} events, ${PARTIES} parties, ` +
      `${worker.options.concurrency} in flight, batch ${worker.options.batch}, in order per party: ` +
      `${outOfOrder === 0 ? 'yes' : `NO, ${outOfOrder} out of order`}); bare POSTs ${fmt(bare)}/s; ` +
      `ratio ${(delivered / bare).toFixed(2)} (goal ≥ 1,000/s)`,
  );

  // 2. Latency from record.create's commit to the receiver, the worker on its defaults.
  rx.reset();
  const live = new WebhookWorker(h.deps, { allowPrivate: true }).start();
  const committed = new Map();
  for (let i = 0; i < WRITES; i++) {
    const { recordId } = await h.as('judge').record.create.mutate({
      partyId: parties[i % PARTIES],
      category: 'Y08',
      court: '浙0212',
      caseNumber: `（2026）浙0212民初${i + 1}号`,
      effectiveFrom: '2026-01-01',
    });
    committed.set(recordId, performance.now());
    await new Promise((r) => setTimeout(r, 50));
  }
  await rx.until(() => [...committed.keys()].every((id) => rx.state.arrivals.has(id)));
  await live.stop();
  const lags = [...committed].map(([id, t]) => rx.state.arrivals.get(id) - t);
  const one = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    await postWebhook(rx.url, sample.body, sample.headers, { timeoutMs: 10_000, allowPrivate: true });
    one.push(performance.now() - s);
  }
  console.log(
    `webhooks (${kind}): record.create commit → receiver p50 ${pct(lags, 50).toFixed(0)} ms, p99 ${pct(lags, 99).toFixed(0)} ms ` +
      `(${WRITES} writes, default 200 ms poll; goal p99 ≤ 1,000 ms); bare POST p50 ${pct(one, 50).toFixed(1)} ms, ` +
      `p99 ${pct(one, 99).toFixed(1)} ms`,
  );
  await h.close();
  await rx.close();
}
