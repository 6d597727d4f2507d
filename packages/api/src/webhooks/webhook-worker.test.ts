import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../auth/api-keys.js';
import { type Db, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { webhookOutbox } from '../db/schema.js';
import { createFivecolor } from '../http/create-app.js';
import { createLogger } from '../http/logger.js';
import { createTestClient } from '../testing/client.js';
import { residentId } from '../testing/ids.js';
import { createTestDatabase, dbKinds } from '../testing/test-db.js';
import { type Received, startTestReceiver } from './test-receiver.js';
import type { WebhookPayload } from './webhook-payload.js';
import { WebhookWorker } from './webhook-worker.js';

const SECRET = 'webhook-process-test-secret-0123456789';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

/** A fresh database for processes to share: a PGlite data directory, or a PostgreSQL database. */
async function location(kind: string): Promise<{ env: Record<string, string>; open(): Promise<Db> }> {
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'fivecolor-webhooks-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return { env: { FIVECOLOR_DATA_DIR: dir, DATABASE_URL: '' }, open: () => openDatabase({ dataDir: dir }) };
  }
  const t = await createTestDatabase();
  cleanups.push(t.drop);
  return { env: { DATABASE_URL: t.url }, open: () => openDatabase({ databaseUrl: t.url }) };
}

/** The API over `db` without a worker, keys for the roles the tests use, and typed clients. */
async function seedApp(db: Db) {
  const app = await createFivecolor({
    db,
    secret: SECRET,
    logger: createLogger({ level: 'silent' }),
    sweepStates: false,
    webhooks: { deliver: false, allowPrivate: true },
  });
  const key = async (role: 'exchange' | 'judge' | 'clerk') =>
    (await createApiKey(db, SECRET, { role, name: role, ...(role === 'exchange' ? {} : { court: '浙02' }) }))
      .key;
  const [exchange, judge, clerk] = [await key('exchange'), await key('judge'), await key('clerk')];
  const as = (k: string) => createTestClient(app.app, k);
  let n = 0;
  return {
    app,
    exchange: as(exchange),
    async person() {
      return (
        await as(clerk).party.register.mutate({
          kind: 'person',
          idType: 'RESIDENT_ID',
          idNumber: residentId(500 + n++),
          name: '吴某',
        })
      ).partyId;
    },
    async record(partyId: string, i: number) {
      await as(judge).record.create.mutate({
        partyId,
        category: i % 2 === 0 ? 'Y14' : 'R04',
        court: '浙0212',
        caseNumber: `（2026）浙0212民初${i + 1}号`,
        effectiveFrom: '2026-01-01',
      });
    },
  };
}

const payload = (r: Received) => JSON.parse(r.body) as WebhookPayload;

/** Each party's seqs in the order they arrived, which must be ascending. */
function expectInOrderPerParty(got: Received[]) {
  const byParty = new Map<string, number[]>();
  for (const p of got.map(payload))
    byParty.set(p.data.partyId, [...(byParty.get(p.data.partyId) ?? []), p.data.seq]);
  for (const seqs of byParty.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  return byParty;
}

function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./worker-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, ...env, FIVECOLOR_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      if (String(d).includes('"ready"')) resolve(child);
    });
    child.once('exit', (code) =>
      reject(new Error(`worker child exited with ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

describe.each(dbKinds())('webhook delivery across processes on %s', (kind) => {
  it('two workers share one queue: every event delivered once, in order per party', async () => {
    const loc = kind === 'pglite' ? null : await location(kind);
    const db = loc ? await loc.open() : await openDatabase({ dataDir: 'memory://' });
    await migrate(db);
    const seeded = await seedApp(db);
    const rx = await startTestReceiver();
    cleanups.push(() => rx.close());
    await seeded.exchange.webhook.create.mutate({ url: rx.url });
    // A second worker: on PostgreSQL over its own connection pool, as another process would be.
    const db2 = loc ? await loc.open() : db;
    const opts = { allowPrivate: true, pollMs: 10, concurrency: 4 };
    const a = new WebhookWorker(seeded.app.deps, opts).start();
    const b = new WebhookWorker({ ...seeded.app.deps, db: db2 }, opts).start();
    const parties = await Promise.all(Array.from({ length: 4 }, () => seeded.person()));
    for (let i = 0; i < 2; i++) await Promise.all(parties.map((p, j) => seeded.record(p, i * 10 + j)));
    const [row] = await db.db.select({ n: count() }).from(webhookOutbox);
    const n = row?.n ?? 0;
    expect(n).toBeGreaterThanOrEqual(8);
    const got = await rx.waitFor(n, 30_000);
    await Promise.all([a.stop(), b.stop()]);
    const ids = got.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(n);
    expect(expectInOrderPerParty(got).size).toBe(4);
    await seeded.app.close();
    if (db2 !== db) await db2.close();
    await db.close();
  });

  it('a server killed (SIGKILL) mid-delivery: the next one delivers what was not acknowledged', async () => {
    const loc = await location(kind);
    const db = await loc.open();
    await migrate(db);
    const seeded = await seedApp(db);
    const rx = await startTestReceiver();
    cleanups.push(() => rx.close());
    await seeded.exchange.webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const party = await seeded.person();
    for (let i = 0; i < 2; i++) await seeded.record(party, i);
    await seeded.app.close();
    await db.close();

    // The receiver takes the first event and never answers: the worker is killed while it waits.
    rx.hold = true;
    const options = JSON.stringify({ allowPrivate: true, pollMs: 20, timeoutMs: 2_000, leaseMs: 3_000 });
    const first = await spawnWorker({ ...loc.env, WEBHOOK_OPTIONS: options });
    for (let i = 0; i < 500 && rx.held.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(rx.held.length).toBe(1);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const lost = rx.held[0]?.headers['webhook-id'];

    rx.hold = false;
    const second = await spawnWorker({ ...loc.env, WEBHOOK_OPTIONS: options });
    const got = await rx.waitFor(2, 30_000);
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
    expect(got[0]?.headers['webhook-id']).toBe(lost);
    expect(got.map((r) => payload(r).type)).toEqual(['record.created', 'record.created']);
    expectInOrderPerParty(got);
  });
});
