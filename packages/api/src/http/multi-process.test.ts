import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classify, defaultPolicy } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit-log.js';
import { type Db, openDatabase } from '../db/database.js';
import { rowsOf } from '../db/rows.js';
import { PARTY_CHANNEL } from '../db/write-tx.js';
import { applyPolicy } from '../services/policy-service.js';
import { createTestClient } from '../testing/client.js';
import { residentId } from '../testing/ids.js';
import { spawnServer } from '../testing/spawn-server.js';
import { createTestDatabase, dbKinds, openTestDb } from '../testing/test-db.js';
import { BadgeCache } from './badge-cache.js';
import { createFivecolor } from './create-app.js';
import { createLogger } from './logger.js';
import { LISTENER_APPLICATION_NAME, listenForPartyChanges } from './party-listener.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

/** Polls `cond` every 20 ms for up to 5 s; its last answer. */
async function waitFor(cond: () => boolean): Promise<boolean> {
  const start = Date.now();
  while (!cond() && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

/** A badge cache entry of `partyId`, valid for a minute. */
const cachedBadge = (partyId: string) => ({
  partyId,
  body: new Uint8Array([123, 125]),
  etag: '"e"',
  expiresAt: Date.now() + 60_000,
});

async function location(kind: string): Promise<Record<string, string>> {
  // DATABASE_URL '' so a PGlite child never inherits the parent's PostgreSQL URL.
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'fivecolor-kill-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return { FIVECOLOR_DATA_DIR: dir, DATABASE_URL: '' };
  }
  const t = await createTestDatabase();
  cleanups.push(t.drop);
  return { DATABASE_URL: t.url };
}

describe.each(dbKinds())('server processes on %s', (kind) => {
  it('killed mid-write (SIGKILL) and restarted: no half-written record', async () => {
    const env: Record<string, string> = { ...(await location(kind)), CHILD_KEYS: '1' };
    const a = await spawnServer(env);
    cleanups.push(() => a.stop('SIGKILL'));
    const { partyId } = await createTestClient(a.base, a.keys.clerk).party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(1),
      name: '吴某',
    });
    const enforcement = createTestClient(a.base, a.keys.enforcement);
    let ok = 0;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; ; i++) {
        const written = await enforcement.record.create
          .mutate({
            partyId,
            category: i % 3 === 0 ? 'R04' : 'Y08',
            court: '浙0212',
            caseNumber: `（2026）浙0212民初${w * 1000 + i + 1}号`,
            effectiveFrom: '2026-01-01',
          })
          .then(
            () => true,
            () => false,
          );
        if (!written) return;
        ok++;
      }
    });
    while (ok < 10) await new Promise((r) => setTimeout(r, 20));
    await a.stop('SIGKILL');
    await Promise.all(writers);

    // Restarted server answers consistently.
    const b = await spawnServer(env);
    const detail = await createTestClient(b.base, b.keys.clerk)
      .party.get.query({ partyId })
      .finally(() => b.stop());
    const recs = detail.records;
    expect(recs.length).toBeGreaterThanOrEqual(ok);
    expect(detail.version).toBe(recs.length + 1);
    const expected = classify(
      recs.map((r) => ({
        id: r.recordId,
        category: r.category,
        effectiveFrom: r.effectiveFrom,
        effectiveUntil: r.effectiveUntil,
      })),
      { asOf: new Date() },
    );
    expect(detail.classification).toMatchObject({ color: expected.color, until: expected.until });

    const db = await openDatabase(
      kind === 'postgres' ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.FIVECOLOR_DATA_DIR },
    );
    try {
      const orphans = rowsOf(
        await db.db.execute(
          sql`select r.id from records r left join changes c on c.record_id = r.id and c.kind = 'record.created' where c.seq is null`,
        ),
      );
      expect(orphans).toEqual([]);
      const audited = rowsOf<{ n: string | number }>(
        await db.db.execute(sql`select count(*) as n from audit_log where action = 'record.create'`),
      );
      expect(Number(audited[0]?.n)).toBe(recs.length);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    } finally {
      await db.close();
    }
  });
});

describe.each(dbKinds().filter((k) => k === 'postgres'))('two server processes on one %s', () => {
  it('a revocation in one is reflected by the other badge route within a second', async () => {
    const t = await createTestDatabase();
    cleanups.push(t.drop);
    const a = await spawnServer({ DATABASE_URL: t.url, CHILD_KEYS: '1' });
    cleanups.push(() => a.stop());
    const b = await spawnServer({ DATABASE_URL: t.url });
    cleanups.push(() => b.stop());
    const judge = createTestClient(a.base, a.keys.judge);
    const { partyId } = await createTestClient(a.base, a.keys.clerk).party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(2),
      name: '郑某',
    });
    const rec = await judge.record.create.mutate({
      partyId,
      category: 'R01',
      court: '浙0212',
      caseNumber: '（2026）浙0212刑初5号',
      effectiveFrom: '2026-01-01',
    });
    const { token } = await judge.party.issueBadgeToken.mutate({ partyId });
    const badge = async () => (await (await fetch(`${b.base}/v1/badge/${token}`)).json()).color;
    expect(await badge()).toBe('red');
    expect(await badge()).toBe('red'); // now cached in process b
    await judge.record.revoke.mutate({ recordId: rec.recordId, reason: 'entered in error' });
    const start = Date.now();
    let color = await badge();
    while (color !== 'green' && Date.now() - start < 1000) {
      await new Promise((r) => setTimeout(r, 25));
      color = await badge();
    }
    expect(color).toBe('green');
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('suspends the badge cache while its listener connection is down, and resumes after reconnecting', async () => {
    const t = await createTestDatabase();
    cleanups.push(t.drop);
    const db = await openDatabase({ databaseUrl: t.url, dataDir: 'memory://' });
    cleanups.push(() => db.close());
    const cache = new BadgeCache(100);
    const listener = listenForPartyChanges(t.url, cache, createLogger({ level: 'silent' }));
    cleanups.push(() => listener.close());
    await listener.ready;
    const entry = cachedBadge('p1');
    cache.set('tok', entry);
    expect(cache.get('tok', Date.now())?.etag).toBe(entry.etag);

    // The listener's connection dies: nothing is served from the cache, nothing is kept.
    await db.db.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`,
    );
    expect(await waitFor(() => cache.get('tok', Date.now()) === undefined)).toBe(true);
    cache.set('tok', entry);
    expect(cache.get('tok', Date.now())).toBeUndefined();

    // It reconnects (back-off from 100 ms) and serves again; invalidations arrive again.
    expect(
      await waitFor(() => {
        cache.set('tok', entry);
        return cache.get('tok', Date.now())?.etag === entry.etag;
      }),
    ).toBe(true);
    await db.db.execute(sql`select pg_notify(${PARTY_CHANNEL}, 'p1')`);
    expect(await waitFor(() => cache.get('tok', Date.now()) === undefined)).toBe(true);
  });

  it('notices a listener connection that went silent (heartbeat), drops the cache and listens again', async () => {
    const t = await createTestDatabase();
    cleanups.push(t.drop);
    // A TCP proxy in front of PostgreSQL whose existing connections can be frozen: no data, no FIN.
    const target = new URL(t.url);
    const pairs: { client: Socket; upstream: Socket }[] = [];
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      pairs.push({ client, upstream });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise((r) => proxy.close(r));
    });
    const viaProxy = new URL(t.url);
    viaProxy.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    const cache = new BadgeCache(100);
    const listener = listenForPartyChanges(viaProxy.toString(), cache, createLogger({ level: 'silent' }), {
      everyMs: 100,
      timeoutMs: 300,
    });
    cleanups.push(() => listener.close());
    await listener.ready;
    const entry = cachedBadge('p2');
    cache.set('tok', entry);
    const frozen = [...pairs];
    for (const p of frozen) {
      p.client.unpipe(p.upstream);
      p.upstream.unpipe(p.client);
      p.client.pause();
      p.upstream.pause();
    }
    // The silent connection is given up: the entry is dropped, and a new connection listens.
    expect(await waitFor(() => cache.get('tok', Date.now()) === undefined)).toBe(true);
    expect(await waitFor(() => pairs.length > frozen.length)).toBe(true);
    expect(
      await waitFor(() => {
        cache.set('tok', entry);
        return cache.get('tok', Date.now())?.etag === entry.etag;
      }),
    ).toBe(true);
    const db = await openDatabase({ databaseUrl: t.url, dataDir: 'memory://' });
    cleanups.push(() => db.close());
    await db.db.execute(sql`select pg_notify(${PARTY_CHANNEL}, 'p2')`);
    expect(await waitFor(() => cache.get('tok', Date.now()) === undefined)).toBe(true);
  });
});

describe.each(dbKinds().filter((k) => k === 'postgres'))('a server starting on %s', () => {
  /** Listener connections on the database `db` is connected to. */
  const listeners = async (db: Db) =>
    rowsOf<{ n: number }>(
      await db.db.execute(
        sql`select count(*)::int as n from pg_stat_activity where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`,
      ),
    )[0]?.n;
  const secret = 'starting-server-secret-0123456789';
  const silent = createLogger({ level: 'silent' });

  it('listens before it reads the policy: one applied while its listener connects is the one it runs', async () => {
    const db = await openTestDb('postgres');
    cleanups.push(() => db.close());
    // A proxy in front of PostgreSQL that holds the connections made through it until released: the
    // server's listener connection (its pool goes straight to the database).
    const target = new URL(db.databaseUrl as string);
    let release = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const held: Socket[] = [];
    const proxy = createServer((client) => {
      held.push(client);
      void released.then(() => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        cleanups.push(async () => {
          upstream.destroy();
        });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      for (const c of held) c.destroy();
      await new Promise((r) => proxy.close(r));
    });
    const viaProxy = new URL(target);
    viaProxy.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    const starting = createFivecolor({
      db: { ...db, databaseUrl: viaProxy.toString() },
      secret,
      logger: silent,
    });
    expect(await waitFor(() => held.length > 0)).toBe(true);
    // `policy apply` counts the servers after storing its policy: this one, not connected yet, is not
    // counted, so it must not have read the policy yet either.
    const applied = await applyPolicy(db, { ...defaultPolicy, id: 'applied-while-listening' });
    expect(applied.previousPolicyId).toBe(defaultPolicy.id);
    release();
    const server = await starting;
    cleanups.push(() => server.close());
    expect(server.deps.policy.id).toBe('applied-while-listening');
    expect(await listeners(db)).toBe(1);
  });

  it('does not start when its listener connection fails (policy apply could not count it)', async () => {
    const db = await openTestDb('postgres');
    cleanups.push(() => db.close());
    // A proxy that drops every connection: the listener's (the pool goes straight to the database).
    const proxy = createServer((client) => client.destroy());
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => proxy.close(() => r())));
    const viaProxy = new URL(db.databaseUrl as string);
    viaProxy.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    await expect(
      createFivecolor({ db: { ...db, databaseUrl: viaProxy.toString() }, secret, logger: silent }),
    ).rejects.toThrow(
      /^the party listener's connection to the database failed \(.+\); every server holds one \(LISTEN for other servers' writes; policy apply counts them\), so this one does not start$/,
    );
    expect(await listeners(db)).toBe(0);
  });

  it('closes its listener connection when it cannot start (a stored policy it cannot read)', async () => {
    const db = await openTestDb('postgres');
    cleanups.push(() => db.close());
    await db.db.execute(sql`insert into settings (key, value) values ('policy', '{"id": "broken"}')`);
    await expect(createFivecolor({ db, secret, logger: silent })).rejects.toThrow(/^policy\.precedence: /);
    // Left open, it would count as a running server: `policy apply` would refuse to run.
    let open = await listeners(db);
    for (const start = Date.now(); open !== 0 && Date.now() - start < 5000; open = await listeners(db))
      await new Promise((r) => setTimeout(r, 20));
    expect(open).toBe(0);
  });
});
