// pnpm bench (packages/api): the change feed's read rate (exchange.changes, items/s) for an exchange key
// — every item with the party's name and identity number decrypted, the record or color attached, the
// page audited as a read of its parties — against two baselines measured in this run: a bare
// `select … from changes where seq > $1 order by seq limit 1000` over the same pages (the database's
// floor), and the very pages the feed answered sent again by a bare Hono route that only returns them as
// JSON (the floor of JSON over HTTP: serialize, Response, read, parse). In process (app.request, JSON in
// and out), on PGlite in memory and, with DATABASE_URL, on PostgreSQL.
// BENCH_FEED_PARTIES parties (default 10,000), each with one record: 2 feed items each.
import { defaultPolicy } from '@fivecolor/core';
import { asc, gt } from 'drizzle-orm';
import { Hono } from 'hono';
// Run with tsx: it uses the test kit and the schema from the sources.
import { createPartyCrypto } from '../src/crypto/party-crypto.ts';
import { changes, parties, partyState, records } from '../src/db/schema.ts';
import { materializeParty } from '../src/state/materialize.ts';
import { createHarness } from '../src/testing/harness.ts';
import { residentIds } from '../src/testing/ids.ts';
import { dbKinds } from '../src/testing/test-db.ts';

const PARTIES = Number(process.env.BENCH_FEED_PARTIES ?? 10_000);
const PAGE = 1000;
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** Parties with one record each, their states and the change rows a record.create writes (created + color). */
async function seed(h) {
  const crypto = createPartyCrypto(h.secret);
  const at = new Date();
  const ids = residentIds(PARTIES, 100_000);
  for (let start = 0; start < PARTIES; start += 500) {
    const ps = [];
    const rs = [];
    const ss = [];
    const cs = [];
    for (let i = start; i < Math.min(PARTIES, start + 500); i++) {
      const id = `pty_feed_${String(i).padStart(13, '0')}`;
      const idNumber = ids[i];
      ps.push({
        id,
        kind: 'person',
        idType: 'RESIDENT_ID',
        identityHash: crypto.identityHash('RESIDENT_ID', idNumber),
        idNumberEnc: crypto.encrypt(idNumber),
        nameEnc: crypto.encrypt('章某某'),
        nameMasked: '章**',
        idNumberMasked: `${idNumber.slice(0, 4)}**********${idNumber.slice(-4)}`,
        createdAt: at,
      });
      const r = {
        id: `rec_feed_${String(i).padStart(13, '0')}`,
        partyId: id,
        category: 'Y14',
        court: '浙0212',
        caseNumber: `（2025）浙0212执${i + 1}号`,
        effectiveFrom: '2025-01-01',
        effectiveUntil: '2099-01-01',
        createdAt: at,
      };
      rs.push(r);
      const s = materializeParty(id, [r], { policy: defaultPolicy });
      ss.push({ ...s, version: 1 });
      cs.push({ partyId: id, kind: 'record.created', recordId: r.id, at, data: { category: 'Y14' } });
      cs.push({
        partyId: id,
        kind: 'color.changed',
        color: s.color,
        previousColor: 'green',
        at,
        data: {
          since: s.since,
          until: s.until,
          basis: s.basis,
          policyId: s.policyId,
          cause: 'record.create',
        },
      });
    }
    await h.db.db.transaction(async (tx) => {
      await tx.insert(parties).values(ps);
      await tx.insert(records).values(rs);
      await tx.insert(partyState).values(ss);
      await tx.insert(changes).values(cs);
    });
  }
}

/** Wall time and this process's CPU time (user + system: with PGlite, the database's too). */
async function timed(fn) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const n = await fn();
  const c = process.cpuUsage(c0);
  return { n, s: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/** The whole feed through exchange.changes, 1000 items a page (the pages answered kept in `pages`). */
async function feed(h, pages = []) {
  let cursor;
  let n = 0;
  for (;;) {
    const r = await h.call(
      'exchange.changes',
      { limit: PAGE, ...(cursor ? { cursor } : {}) },
      h.keys.exchange,
    );
    if (r.error) throw new Error(r.error.message);
    n += r.data.items.length;
    pages.push(r.data);
    cursor = r.data.nextCursor;
    if (!r.data.hasMore) return n;
  }
}

/** The baseline: the same pages as bare selects of the change rows. */
async function bare(h) {
  let after = 0;
  let n = 0;
  for (;;) {
    const rows = await h.db.db
      .select()
      .from(changes)
      .where(gt(changes.seq, after))
      .orderBy(asc(changes.seq))
      .limit(PAGE);
    n += rows.length;
    if (rows.length < PAGE) return n;
    after = rows.at(-1).seq;
  }
}

/** The second baseline: the same pages, as tRPC's HTTP format, from a route that does nothing else. */
async function bareJson(pages) {
  const app = new Hono().get('/page/:i', (c) =>
    c.json({ result: { data: pages[Number(c.req.param('i'))] } }),
  );
  let n = 0;
  for (let i = 0; i < pages.length; i++) {
    const res = await app.request(`http://local/page/${i}`, { headers: { authorization: 'Bearer x' } });
    n += JSON.parse(await res.text()).result.data.items.length;
  }
  return n;
}

const out = [];
for (const kind of dbKinds()) {
  const h = await createHarness(kind, { badgeCache: false });
  try {
    await seed(h);
    await bare(h); // warm-up
    const base = await timed(() => bare(h));
    await feed(h); // warm-up (and its audit rows: the timed run appends to a chain of the same length)
    const pages = [];
    const read = await timed(() => feed(h, pages));
    if (read.n !== PARTIES * 2) throw new Error(`feed returned ${read.n} items, expected ${PARTIES * 2}`);
    await bareJson(pages); // warm-up
    const json = await timed(() => bareJson(pages));
    out.push({
      kind,
      items: read.n,
      base: base.n / base.s,
      json: json.n / json.s,
      feed: read.n / read.s,
      feedCpu: (read.cpu / read.n) * 1e6,
    });
  } finally {
    await h.close();
  }
}
console.log('');
console.log(
  `exchange.changes: ${fmt(PARTIES * 2)} items (BENCH_FEED_PARTIES=${PARTIES}), pages of ${PAGE}, exchange key, goal ≥ 20,000 items/s`,
);
// CPU: this process's (on a shared machine less swayed by other load than the rates; with PostgreSQL
// the server's own CPU is not in it).
console.log(
  '| database | bare select of the pages | the same pages from a bare JSON route | exchange.changes | vs select | vs JSON route | exchange.changes CPU |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const m of out)
  console.log(
    `| ${m.kind} | ${fmt(m.base)} rows/s | ${fmt(m.json)} items/s | ${fmt(m.feed)} items/s | ${(m.feed / m.base).toFixed(2)}× | ${(m.feed / m.json).toFixed(2)}× | ${m.feedCpu.toFixed(1)} µs/item |`,
  );
