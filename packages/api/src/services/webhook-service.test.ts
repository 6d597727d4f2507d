import { toCstDate } from '@fivecolor/core';
import { and, eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { newId } from '../db/ids.js';
import { AUDIT_LOCK } from '../db/locks.js';
import { auditLog, consents, webhookOutbox, webhooks } from '../db/schema.js';
import { trpcError } from '../testing/client.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';
import { startTestReceiver, type TestReceiver } from '../webhooks/test-receiver.js';
import type { WebhookPayload } from '../webhooks/webhook-payload.js';
import {
  claimDeliveries,
  disableWebhook,
  leaseParties,
  lockDueParties,
  WebhookWorker,
} from '../webhooks/webhook-worker.js';

const HOUR = 3_600_000;
const CASE = '（2025）浙0212执88号';
/** Short back-off for tests: 1 s doubling up to 1 min (the clock is moved past it). */
const FAST = { allowPrivate: true, backoff: { baseMs: 1_000, maxMs: 60_000 }, timeoutMs: 2_000 };

describe.each(dbKinds())('webhooks on %s', (kind) => {
  let h: Harness;
  let rx: TestReceiver;
  let n = 0;
  const worker = () => new WebhookWorker(h.deps, FAST);
  const payloads = (from = 0) => rx.received.slice(from).map((r) => JSON.parse(r.body) as WebhookPayload);
  const newRecord = async (partyId: string, category = 'Y14') =>
    (
      await h.as('judge').record.create.mutate({
        partyId,
        category,
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: toCstDate(h.clock.now),
      })
    ).recordId;
  const person = () => h.registerPerson(900 + n++, '章某某');
  /** Moves the app's clock (the worker schedules retries by it). */
  const later = (ms: number) => {
    h.clock.now = new Date(h.clock.now.getTime() + ms);
  };

  beforeAll(async () => {
    h = await createHarness(kind, { webhooks: { deliver: false, allowPrivate: true } });
    rx = await startTestReceiver();
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
  });
  afterEach(async () => {
    // Each test's webhooks go: later tests see only their own deliveries.
    for (const w of await h.as('admin').webhook.list.query())
      await h.as('admin').webhook.delete.mutate({ id: w.id });
    rx.received.length = 0;
    rx.requests.length = 0;
    rx.status = 200;
    rx.answer = null;
  });

  it('creates a webhook with a whsec_ secret shown once; lists, scopes and deletes it (the row is kept)', async () => {
    const created = await h
      .as('exchange')
      .webhook.create.mutate({ url: rx.url, description: 'city platform' });
    expect(created.id).toMatch(/^whk_/);
    expect('secret' in created && created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const [row] = await h.db.db.select().from(webhooks).where(eq(webhooks.id, created.id));
    expect(row?.secretEnc).not.toContain(('secret' in created && created.secret) || 'x');
    const listed = await h.as('exchange').webhook.list.query();
    expect(listed).toEqual([
      expect.objectContaining({
        id: created.id,
        url: rx.url,
        types: [],
        disabledAt: null,
        lastDelivery: null,
      }),
    ]);
    expect(JSON.stringify(listed)).not.toContain('whsec_');
    // Another organization's key sees nothing and cannot delete it.
    expect(await h.as('bank').webhook.list.query()).toEqual([]);
    expect((await trpcError(h.as('bank').webhook.delete.mutate({ id: created.id }))).data?.code).toBe(
      'NOT_FOUND',
    );
    await h.as('exchange').webhook.delete.mutate({ id: created.id });
    expect(await h.as('exchange').webhook.list.query()).toEqual([]);
    const [kept] = await h.db.db.select().from(webhooks).where(eq(webhooks.id, created.id));
    expect(kept?.deletedAt).toBeInstanceOf(Date);
  });

  it('refuses bad URLs and types naming the field and the rule, and writes nothing', async () => {
    const count = async () => (await h.db.db.select().from(webhooks)).length;
    const before = await count();
    const refused = async (
      input: { url: string; types?: never[] | string[] },
      role: 'exchange' | 'bank' = 'exchange',
    ) => (await trpcError(h.as(role).webhook.create.mutate(input as { url: string }))).message;
    expect(await refused({ url: 'ftp://example.com/hook' })).toMatch(/^url: must use http or https/);
    expect(await refused({ url: 'not a url' })).toMatch(/^url: must be an absolute http\(s\) URL/);
    expect(await refused({ url: rx.url, types: ['record.created'] }, 'bank')).toMatch(
      /^types: a bank's webhook receives only color.changed/,
    );
    expect(await refused({ url: rx.url, types: ['party.deleted'] })).toMatch(/types.*must be one of/);
    // The SSRF guard, as in production (no FIVECOLOR_WEBHOOK_ALLOW_PRIVATE).
    const runtime = h.deps.webhooks as { allowPrivate: boolean };
    runtime.allowPrivate = false;
    try {
      for (const url of [
        rx.url,
        'http://localhost:8080/x',
        'http://10.1.2.3/x',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]/x',
        'http://[::ffff:192.168.0.1]/x',
        'https://user:pw@8.8.8.8/x',
      ])
        expect(await refused({ url }), url).toMatch(/^url: (host .* resolves to a private|must not carry)/);
      await expect(
        h.as('exchange').webhook.create.mutate({ url: 'https://8.8.8.8/hook' }),
      ).resolves.toBeDefined();
    } finally {
      runtime.allowPrivate = true;
    }
    expect(await count()).toBe(before + 1);
  });

  it('delivers each event signed per Standard Webhooks; the payload is the change-feed item; disclosures are audited', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url });
    const secret = (created as { secret: string }).secret;
    const partyId = await person();
    await newRecord(partyId);
    const depth = async () =>
      Number(
        (await (await h.app.request('/metrics')).text()).match(/^fivecolor_webhook_queue_depth (\d+)$/m)?.[1],
      );
    expect(await depth()).toBe(2);
    expect(await worker().drain()).toBeGreaterThanOrEqual(2);
    expect(await depth()).toBe(0);
    const got = await rx.waitFor(2);
    const verifier = new Webhook(secret);
    for (const r of got) {
      const verified = verifier.verify(r.body, r.headers as Record<string, string>) as WebhookPayload;
      expect(verified.data.partyId).toBe(partyId);
      expect(r.headers['webhook-id']).toBe(`${created.id}_${verified.data.seq}`);
    }
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(
        got[0]?.body ?? '',
        got[0]?.headers as Record<string, string>,
      ),
    ).toThrow();
    const [first, second] = payloads();
    expect(first).toMatchObject({ type: 'record.created', data: { type: 'record.created', partyId } });
    expect(first?.data.party).toEqual({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(900 + n - 1),
      name: '章某某',
    });
    expect(first?.timestamp).toBe(first?.data.at);
    expect(second).toMatchObject({ type: 'color.changed', data: { color: { from: 'green', to: 'yellow' } } });
    const audited = await h.db.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'webhook.deliver'), eq(auditLog.partyId, partyId)));
    // One audit row per party and claimed batch, naming the events disclosed.
    expect(audited.flatMap((a) => (a.detail as { seqs: number[] }).seqs).sort()).toEqual(
      got.map((r) => (JSON.parse(r.body) as WebhookPayload).data.seq).sort(),
    );
    const [listed] = await h.as('exchange').webhook.list.query();
    expect(listed?.lastDelivery).toMatchObject({ status: 'delivered', httpStatus: 200 });
    const deliveries = await h.as('exchange').webhook.deliveries.query({ id: created.id });
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered']);
  });

  it('a receiver down for a while gets everything afterwards, in order per party, nothing lost', async () => {
    await h
      .as('exchange')
      .webhook.create.mutate({ url: rx.url, types: ['record.created', 'record.revoked'] });
    const parties = [await person(), await person()];
    await rx.down();
    try {
      const w = worker();
      const made: string[] = [];
      for (let i = 0; i < 3; i++)
        for (const p of parties) made.push(await newRecord(p, i === 0 ? 'Y14' : 'Y08'));
      await w.drain();
      later(5 * 60_000);
      await w.drain();
      for (const id of made.slice(0, 2))
        await h.as('judge').record.revoke.mutate({ recordId: id, reason: 'x' });
      expect(rx.received).toEqual([]);
    } finally {
      await rx.up();
    }
    later(5 * 60_000);
    const w = worker();
    await w.drain();
    const got = payloads();
    expect(got.length).toBe(8);
    for (const p of parties) {
      const seqs = got.filter((x) => x.data.partyId === p).map((x) => x.data.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs.length).toBe(4);
    }
    expect(got.filter((x) => x.type === 'record.revoked').length).toBe(2);
    const attempts = await h.db.db.select().from(webhookOutbox).where(eq(webhookOutbox.status, 'delivered'));
    expect(attempts.some((a) => a.attempts > 1)).toBe(true);
  });

  it("a failed event ends its party's batch: later events wait unattempted behind it, other parties and endpoints go on", async () => {
    const a = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const down = await startTestReceiver();
    down.status = 503;
    try {
      await h.as('exchange').webhook.create.mutate({ url: down.url, types: ['record.created'] });
      const [p1, p2, p3] = [await person(), await person(), await person()];
      for (let i = 0; i < 4; i++) await newRecord(p1 as string, i === 0 ? 'Y14' : 'Y08');
      for (const p of [p2, p3])
        for (let i = 0; i < 2; i++) await newRecord(p as string, i === 0 ? 'Y14' : 'Y08');
      const seqsOf = (list: { body: string }[], partyId: string | undefined) =>
        list
          .map((r) => (JSON.parse(r.body) as WebhookPayload).data)
          .filter((d) => d.partyId === partyId)
          .map((d) => d.seq);
      const [s1, s2, s3, s4] = (
        await h.db.db
          .select({ seq: webhookOutbox.seq })
          .from(webhookOutbox)
          .where(and(eq(webhookOutbox.webhookId, a.id), eq(webhookOutbox.partyId, p1 as string)))
          .orderBy(webhookOutbox.seq)
      ).map((r) => r.seq);
      // The receiver refuses p1's second event once.
      let refused = false;
      rx.answer = (r) => {
        const d = (JSON.parse(r.body) as WebhookPayload).data;
        if (d.partyId !== p1 || d.seq !== s2 || refused) return 200;
        refused = true;
        return 500;
      };
      // Two events a claim: p1's last two are not in the batch that fails, and are put off all the same.
      const w = new WebhookWorker(h.deps, { ...FAST, batch: 2 });
      await w.drain();
      expect(seqsOf(rx.requests, p1)).toEqual([s1, s2]);
      for (const p of [p2, p3]) expect(seqsOf(rx.received, p).length).toBe(2);
      // The endpoint that is down got each party's first event once, nothing after it.
      expect(down.requests.length).toBe(3);
      const byseq = async () =>
        new Map((await h.as('exchange').webhook.deliveries.query({ id: a.id })).map((d) => [d.seq, d]));
      let d = await byseq();
      expect(d.get(s1 as number)).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(d.get(s2 as number)).toMatchObject({ status: 'pending', attempts: 1, httpStatus: 500 });
      for (const s of [s3, s4])
        expect(d.get(s as number)).toMatchObject({ status: 'pending', attempts: 0, lastAttemptAt: null });
      // Nothing is due behind a failed event before it is (claim rounds would walk a dead endpoint's
      // whole backlog, finding nothing to take): the later events wait for its next attempt.
      for (const s of [s3, s4])
        expect(d.get(s as number)?.nextAttemptAt).toEqual(d.get(s2 as number)?.nextAttemptAt);
      const dueNow = await h.db.db
        .select({ seq: webhookOutbox.seq })
        .from(webhookOutbox)
        .where(
          and(eq(webhookOutbox.status, 'pending'), sql`${webhookOutbox.nextAttemptAt} <= ${h.clock.now}`),
        );
      expect(dueNow).toEqual([]);
      // After the back-off, p1's events go out in order from the failed one on.
      later(2_000);
      await w.drain();
      expect(seqsOf(rx.requests, p1)).toEqual([s1, s2, s2, s3, s4]);
      expect(seqsOf(rx.received, p1)).toEqual([s1, s2, s3, s4]);
      d = await byseq();
      expect([s1, s2, s3, s4].map((s) => d.get(s as number)?.attempts)).toEqual([1, 2, 1, 1]);
      expect([...d.values()].every((x) => x.status === 'delivered')).toBe(true);
      expect(seqsOf(down.requests, p1)).toEqual([s1, s1]);
    } finally {
      await down.close();
    }
  });

  it('a lease too short for more than one attempt: one event per claim, the rest given back and delivered in order', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const partyId = await person();
    for (let i = 0; i < 3; i++) await newRecord(partyId, i === 0 ? 'Y14' : 'Y08');
    // The app's clock stands still: a row still leased after a round would never be claimed again.
    const w = new WebhookWorker(h.deps, { ...FAST, timeoutMs: 2_000, leaseMs: 3_000 });
    expect(await w.drain()).toBe(3);
    const seqs = payloads().map((p) => p.data.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const deliveries = await h.as('exchange').webhook.deliveries.query({ id: created.id });
    expect(deliveries.map((x) => [x.status, x.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
      ['delivered', 1],
    ]);
  });

  it('a webhook deleted while a batch of its events is delivered gets none of the later events', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const partyId = await person();
    for (let i = 0; i < 3; i++) await newRecord(partyId, i === 0 ? 'Y14' : 'Y08');
    let deleted = false;
    rx.answer = async () => {
      if (!deleted) {
        deleted = true;
        await h.as('exchange').webhook.delete.mutate({ id: created.id });
      }
      return 200;
    };
    expect(await worker().drain()).toBe(1);
    expect(rx.requests).toHaveLength(1);
    // The one sent is recorded as delivered (the delete left it to the worker sending it), the others
    // the worker gave back unsent are cancelled.
    const rows = await h.db.db
      .select()
      .from(webhookOutbox)
      .where(eq(webhookOutbox.webhookId, created.id))
      .orderBy(webhookOutbox.seq);
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'cancelled', 'cancelled']);
  });

  it('a webhook deleted while its event fails in flight: that event and the ones behind it are cancelled at once', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const partyId = await person();
    for (let i = 0; i < 3; i++) await newRecord(partyId, i === 0 ? 'Y14' : 'Y08');
    rx.answer = async () => {
      await h.as('exchange').webhook.delete.mutate({ id: created.id });
      return 503;
    };
    const w = worker();
    await w.drain();
    // The delete left the worker's leased events to it; a retry (due in a second or more) and the events
    // put off behind it would have waited for that, and then for a round that claims nothing.
    const rows = await h.db.db.select().from(webhookOutbox).where(eq(webhookOutbox.webhookId, created.id));
    expect(rows.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(rx.requests).toHaveLength(1);
  });

  it('a key revoked with events queued for its webhook: they are cancelled, not left due for ever', async () => {
    const rotated = await h
      .as('admin')
      .apiKey.create.mutate({ role: 'exchange', name: 'Rotated', org: 'Rotated' });
    const hook = await h.client(rotated.key).webhook.create.mutate({ url: rx.url });
    await newRecord(await person());
    await h.as('admin').apiKey.revoke.mutate({ id: rotated.id });
    const ofHook = () => h.db.db.select().from(webhookOutbox).where(eq(webhookOutbox.webhookId, hook.id));
    expect((await ofHook()).map((r) => r.status)).toEqual(['pending', 'pending']);
    // Due, and no claim may take them (the key is revoked): the worker ends them, without an attempt.
    const requests = rx.requests.length;
    expect(await worker().drain()).toBe(0);
    expect((await ofHook()).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(rx.requests).toHaveLength(requests);
  });

  it('retries with back-off on non-2xx, disables the endpoint after the retry window, and replay re-enables it', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const partyId = await person();
    await newRecord(partyId);
    rx.status = 500;
    const w = worker();
    await w.drain();
    // Not due again until the back-off has passed.
    expect(await w.drain()).toBe(0);
    for (let i = 0; i < 40 && (await h.as('exchange').webhook.list.query())[0]?.disabledAt === null; i++) {
      later(HOUR);
      await w.drain();
    }
    const [listed] = await h.as('exchange').webhook.list.query();
    expect(listed?.disabledAt).not.toBeNull();
    expect(listed?.disabledReason).toMatch(/failed for 24 h \(last: HTTP 500\)/);
    const [d] = await h.as('exchange').webhook.deliveries.query({ id: created.id });
    expect(d).toMatchObject({ status: 'failed', httpStatus: 500 });
    expect(d?.attempts).toBeGreaterThan(5);
    // A disabled endpoint receives nothing more.
    await newRecord(partyId, 'Y08');
    rx.status = 200;
    await w.drain();
    expect(rx.received).toEqual([]);
    // Replay from the first event: re-enabled, both events delivered in order.
    const seq = d?.seq as number;
    const replayed = await h.as('exchange').webhook.replay.mutate({ id: created.id, fromSeq: seq });
    expect(replayed).toMatchObject({ queued: 2, reenabled: true, nextSeq: null });
    await w.drain();
    expect(payloads().map((p) => p.data.seq)).toEqual([seq, expect.any(Number)]);
    expect((await h.as('exchange').webhook.list.query())[0]?.disabledAt).toBeNull();
  });

  it('a webhook disabled and replayed while a batch of a party is in flight: the replayed events wait for it', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const partyId = await person();
    await newRecord(partyId);
    await newRecord(partyId, 'Y08');
    const ofHook = () =>
      h.db.db
        .select()
        .from(webhookOutbox)
        .where(eq(webhookOutbox.webhookId, created.id))
        .orderBy(webhookOutbox.id);
    const now = h.clock.now;
    // Worker A claims both events and is sending the first when another worker disables the webhook
    // (another party's delivery failing past the retry window) and the owner replays from the first.
    const claimed = await h.db.db.transaction((tx) => claimDeliveries(tx, 10, now, 'worker-a', 60_000, 2));
    expect(claimed).toHaveLength(2);
    await h.db.db.transaction((tx) =>
      disableWebhook(
        tx,
        created.id,
        now,
        'failing',
        claimed.map((r) => r.id),
      ),
    );
    // Still A's: it finishes them (the attempt in flight, and the next if the webhook is live again).
    expect((await ofHook()).map((r) => [r.status, r.leaseOwner])).toEqual([
      ['pending', 'worker-a'],
      ['pending', 'worker-a'],
    ]);
    await h.as('exchange').webhook.replay.mutate({ id: created.id, fromSeq: claimed[0]?.seq as number });
    const b = await h.db.db.transaction((tx) => claimDeliveries(tx, 10, now, 'worker-b', 60_000, 2));
    expect(b.map((r) => r.seq)).toEqual([]);
  });

  it("a bank's webhook gets only color changes of consenting parties, masked; each delivery is audited", async () => {
    const hook = await h.as('bank').webhook.create.mutate({ url: rx.url });
    const consenting = await person();
    const other = await person();
    await h.db.db.insert(consents).values({
      id: newId('cns'),
      partyId: consenting,
      grantee: 'Test Bank',
      scopes: ['code'],
      until: '2099-01-01',
      createdAt: new Date(h.clock.now.getTime() - 60_000),
    });
    await newRecord(consenting);
    await newRecord(other);
    await worker().drain();
    const got = payloads();
    expect(got.map((p) => [p.type, p.data.partyId])).toEqual([['color.changed', consenting]]);
    expect(got[0]?.data.party.name).toBe('章**');
    expect(got[0]?.data.party.idNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    // The party sees the bank in its "who looked", as for a page of the feed; the other party does not.
    const audited = await h.db.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.deliver'));
    const bank = audited.filter((a) => a.target === hook.id);
    expect(bank.map((a) => [a.partyId, a.actorRole, a.actorOrg])).toEqual([
      [consenting, 'bank', 'Test Bank'],
    ]);
    expect(bank[0]?.detail).toMatchObject({ seqs: [got[0]?.data.seq] });
  });

  it("a bank's webhook gets no later event of a batch once the party withdrew its consent", async () => {
    await h.as('bank').webhook.create.mutate({ url: rx.url });
    const partyId = await person();
    const consentId = newId('cns');
    await h.db.db.insert(consents).values({
      id: consentId,
      partyId,
      grantee: 'Test Bank',
      scopes: ['code'],
      until: '2099-01-01',
      createdAt: new Date(h.clock.now.getTime() - 60_000),
    });
    // Three color changes: yellow, then (revoked) green, then yellow again.
    const first = await newRecord(partyId);
    await h.as('judge').record.revoke.mutate({ recordId: first, reason: 'entered in error' });
    await newRecord(partyId);
    let withdrawn = false;
    rx.answer = async () => {
      if (!withdrawn) {
        withdrawn = true;
        await h.db.db.update(consents).set({ revokedAt: h.clock.now }).where(eq(consents.id, consentId));
      }
      return 200;
    };
    await worker().drain();
    expect(rx.requests).toHaveLength(1);
    const rows = await h.db.db.select().from(webhookOutbox).where(eq(webhookOutbox.partyId, partyId));
    expect(rows.map((r) => r.status).sort()).toEqual(['delivered', 'skipped', 'skipped']);
  });

  it('a webhook whose creating key was revoked says so to the key that replaced it, and replay is refused', async () => {
    const make = async (name: string) =>
      (await h.as('admin').apiKey.create.mutate({ role: 'bank', name, org: 'Test Bank' })) as {
        id: string;
        key: string;
      };
    const [old, rotated] = [await make('bank key 1'), await make('bank key 2')];
    const hook = await h.client(old.key).webhook.create.mutate({ url: rx.url });
    await h.as('admin').apiKey.revoke.mutate({ id: old.id });
    const [listed] = await h.client(rotated.key).webhook.list.query();
    expect(listed).toMatchObject({ id: hook.id, disabledAt: expect.any(String) });
    expect(listed?.disabledReason).toBe(
      `the key that created it (${old.id}) was revoked: it delivers nothing more; create it again with a live key`,
    );
    const refused = await trpcError(h.client(rotated.key).webhook.replay.mutate({ id: hook.id, fromSeq: 1 }));
    expect(refused.data?.code).toBe('CONFLICT');
    expect(refused.message).toMatch(/^id: the key that created it .* was revoked/);
    expect(await h.db.db.select().from(webhookOutbox).where(eq(webhookOutbox.webhookId, hook.id))).toEqual(
      [],
    );
  });

  it('claims failing one after another (the database gone) are retried less and less often', async () => {
    const gone = await openDatabase({ dataDir: 'memory://' });
    await gone.close();
    const from = h.logs.length;
    const w = new WebhookWorker({ ...h.deps, db: gone }, { ...FAST, pollMs: 50 }).start();
    await new Promise((r) => setTimeout(r, 1_500));
    await w.stop();
    const failed = h.logs.slice(from).filter((l) => l.includes('webhook claim failed'));
    // Every 50 ms that is about 30 lines; backing off from 100 ms, 200 ms, 400 ms … about 4.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThanOrEqual(6);
    expect(JSON.parse(failed.at(-1) as string).failures).toBe(failed.length);
  });

  it('answers webhook.delete retried with the same idempotencyKey as the first time', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url });
    const input = { id: created.id, idempotencyKey: 'delete-retry-1' };
    const first = await h.as('exchange').webhook.delete.mutate(input);
    expect(first).toEqual({ id: created.id, deleted: true });
    expect(await h.as('exchange').webhook.delete.mutate(input)).toEqual(first);
    // Without a key, deleting again changes nothing and says so alike.
    expect(await h.as('exchange').webhook.delete.mutate({ id: created.id })).toEqual(first);
  });

  it('a retry carries the body of the first attempt, whatever the record became meanwhile (one webhook-id, one body)', async () => {
    await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const rec = {
      externalId: 'WH-RETRY-1',
      kind: 'person' as const,
      idType: 'RESIDENT_ID',
      idNumber: residentId(63_000),
      name: '章某某',
      category: 'Y14',
      effectiveFrom: toCstDate(h.clock.now),
      court: '浙0212',
    };
    rx.status = 503;
    await h.as('exchange').exchange.import.mutate({ records: [rec] });
    await worker().drain();
    const failed = rx.requests.filter((r) => r.headers['webhook-id']);
    expect(failed).toHaveLength(1);
    await h.as('exchange').exchange.import.mutate({ records: [{ ...rec, court: '浙0203' }] });
    rx.status = 200;
    later(5 * 60_000);
    await worker().drain();
    const retried = rx.received.find((r) => r.headers['webhook-id'] === failed[0]?.headers['webhook-id']);
    expect(retried?.body).toBe(failed[0]?.body);
  });

  it('webhook.replay while an event of the party is in flight: the party still gets one event at a time', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const partyId = await person();
    await newRecord(partyId, 'Y14');
    await worker().drain();
    expect(rx.received).toHaveLength(1);
    const firstSeq = payloads()[0]?.data.seq as number;
    await newRecord(partyId, 'Y08');
    let inFlight = 0;
    let most = 0;
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const arrived: number[] = [];
    rx.answer = async (r) => {
      arrived.push((JSON.parse(r.body) as WebhookPayload).data.seq);
      inFlight++;
      most = Math.max(most, inFlight);
      if (arrived.length === 1) await gate; // the first is slow to answer
      inFlight--;
      return 200;
    };
    const w = worker();
    const a = w.drain();
    for (let i = 0; i < 500 && arrived.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(arrived).toHaveLength(1);
    await h.as('exchange').webhook.replay.mutate({ id: created.id, fromSeq: firstSeq });
    const b = w.drain();
    await new Promise((r) => setTimeout(r, 300));
    release();
    await Promise.all([a, b]);
    await worker().drain();
    expect(most).toBe(1);
    expect(arrived.length).toBeGreaterThanOrEqual(3); // the event in flight, then the two replayed
  });
});

/** How many sessions of the test's database wait on a lock (asked on a connection of its own: within a transaction, pg_stat_activity stays as first read). */
async function lockWaiters(pool: NonNullable<Harness['db']['pool']>): Promise<number> {
  const { rows } = await pool.query(
    "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
  );
  return rows[0].n;
}

/** Waits until `n` sessions of the test's database wait on a lock, or `done()`. */
async function waitingOnLocks(pool: NonNullable<Harness['db']['pool']>, n: number, done = () => false) {
  for (let i = 0; i < 400; i++) {
    if (done() || (await lockWaiters(pool)) >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`fewer than ${n} sessions waiting on a lock`);
}

// Two connections at once: PostgreSQL only (PGlite has one, and no lock waits).
describe.each(dbKinds().filter((k) => k !== 'pglite'))('webhook locks on %s', (kind) => {
  let h: Harness;
  let rx: TestReceiver;
  let n = 0;
  const person = () => h.registerPerson(1300 + n++, '章某某');
  /** A record for the party: its events are queued for the webhooks that want them. */
  const newRecord = (partyId: string) =>
    h.as('judge').record.create.mutate({
      partyId,
      category: 'Y14',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: toCstDate(h.clock.now),
    });
  /** A webhook's queued rows (whatever their status), in id order. */
  const queuedFor = (webhookId: string) =>
    h.db.db
      .select()
      .from(webhookOutbox)
      .where(eq(webhookOutbox.webhookId, webhookId))
      .orderBy(webhookOutbox.id);
  const pool = () => h.db.pool as NonNullable<typeof h.db.pool>;
  beforeAll(async () => {
    h = await createHarness(kind, { webhooks: { deliver: false, allowPrivate: true } });
    rx = await startTestReceiver();
  });
  afterEach(() => {
    rx.status = 200;
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
  });

  it('webhook.delete while the worker disables the same webhook: both finish, no deadlock', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    // Two queued deliveries: the first not due yet (waiting), the second due and failing since a day:
    // the worker's attempt on it disables the webhook, which fails the waiting one too.
    await newRecord(await person());
    await newRecord(await person());
    const [waiting, due] = await queuedFor(created.id);
    const dayAgo = new Date(h.clock.now.getTime() - 25 * HOUR);
    await h.db.db
      .update(webhookOutbox)
      .set({ nextAttemptAt: new Date(h.clock.now.getTime() + HOUR) })
      .where(eq(webhookOutbox.id, waiting?.id as number));
    await h.db.db
      .update(webhookOutbox)
      .set({ firstAttemptAt: dayAgo, attempts: 9 })
      .where(eq(webhookOutbox.id, due?.id as number));
    rx.status = 500;

    // Someone holds the webhook's row (as another request would) while both start: the worker, once its
    // attempt failed, and the delete then both wait; when it lets go, they meet.
    const holder = await pool().connect();
    try {
      await holder.query('begin');
      await holder.query('select id from webhooks where id = $1 for update', [created.id]);
      const worker = new WebhookWorker(h.deps, FAST).drain();
      await waitingOnLocks(pool(), 1);
      const deleted = h.as('exchange').webhook.delete.mutate({ id: created.id });
      await waitingOnLocks(pool(), 2);
      await holder.query('commit');
      const [drained, del] = await Promise.allSettled([worker, deleted]);
      expect(drained.status === 'rejected' ? String(drained.reason) : 'fulfilled').toBe('fulfilled');
      expect(del.status === 'rejected' ? String(del.reason) : 'fulfilled').toBe('fulfilled');
    } finally {
      await holder.query('rollback').catch(() => {});
      holder.release();
    }
    // Nothing left queued; the webhook is deleted (kept), each delivery ended one way or the other.
    const rows = await queuedFor(created.id);
    expect(rows.map((r) => r.status).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(failed|cancelled)$/)]),
    );
    expect(rows.filter((r) => r.status === 'pending')).toEqual([]);
    const [row] = await h.db.db.select().from(webhooks).where(eq(webhooks.id, created.id));
    expect(row?.deletedAt).toBeInstanceOf(Date);
    // The worker's transaction went through too (drain() does not fail when recording does): whichever
    // came second, the disable committed.
    expect(row?.disabledAt).toBeInstanceOf(Date);
  });

  it('a write queueing an event for a webhook is not held up by a delete of it waiting on the queue', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url });
    await newRecord(await person());
    const [queued] = await queuedFor(created.id);
    const holder = await pool().connect();
    try {
      // A worker recording the queued delivery holds its row; the delete takes the webhook, then waits.
      await holder.query('begin');
      await holder.query('select id from webhook_outbox where id = $1 for update', [queued?.id]);
      const deleted = h.as('exchange').webhook.delete.mutate({ id: created.id });
      await waitingOnLocks(pool(), 1);
      // Meanwhile a record is entered: its events are queued for the webhook (a foreign key to its row).
      const written = person()
        .then(newRecord)
        .then(() => 'written');
      const outcome = await Promise.race([
        written,
        new Promise((r) => setTimeout(r, 5_000)).then(() => 'held up'),
      ]);
      expect(outcome).toBe('written');
      await holder.query('commit');
      await deleted;
      await written;
    } finally {
      await holder.query('rollback').catch(() => {});
      holder.release();
    }
    const [row] = await h.db.db.select().from(webhooks).where(eq(webhooks.id, created.id));
    expect(row?.deletedAt).toBeInstanceOf(Date);
  });

  it('a claim meeting webhook.delete after a replay (a party’s first event then has the higher id): both finish', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const partyId = await person();
    await newRecord(partyId);
    await new WebhookWorker(h.deps, FAST).drain(); // the first event delivered
    await newRecord(partyId); // the second queued: row `follower`
    const [first] = await queuedFor(created.id);
    // Replayed from the first event: its new row comes before `follower` in the party's order, after it by id.
    await h.as('exchange').webhook.replay.mutate({ id: created.id, fromSeq: first?.seq as number });
    const pending = (await queuedFor(created.id)).filter((r) => r.status === 'pending');
    const follower = pending[0];
    expect(pending.map((r) => r.seq)).toEqual([follower?.seq, first?.seq, follower?.seq]);
    const holder = await pool().connect();
    let deleted: Promise<unknown> | undefined;
    let drained: Promise<unknown> | undefined;
    try {
      // `follower` held a moment: the delete waits for it first (it takes the rows in id order), then the
      // worker's claim, which takes the replayed row as the party's first and wants `follower` next.
      await holder.query('begin');
      await holder.query('select id from webhook_outbox where id = $1 for update', [follower?.id]);
      deleted = h.as('exchange').webhook.delete.mutate({ id: created.id });
      await waitingOnLocks(pool(), 1);
      let settled = false;
      drained = new WebhookWorker(h.deps, FAST).drain().finally(() => {
        settled = true;
      });
      // The claim waits for `follower` (and so for the delete), or goes on without it and finishes.
      await waitingOnLocks(pool(), 2, () => settled);
      if (settled) {
        // It went on without it: the party's replayed first event only, and nothing after the one held.
        expect(rx.received.slice(-1).map((r) => JSON.parse(r.body).data.seq)).toEqual([first?.seq]);
        const leased = await queuedFor(created.id);
        expect(
          leased
            .filter((r) => r.leaseOwner !== null || (r.replay && r.status === 'delivered'))
            .map((r) => r.seq),
        ).toEqual([first?.seq]);
      }
      await holder.query('commit');
    } finally {
      await holder.query('rollback').catch(() => {});
      holder.release();
    }
    const [del, drain] = await Promise.allSettled([deleted, drained]);
    expect(del.status === 'rejected' ? String(del.reason) : 'deleted').toBe('deleted');
    expect(drain.status === 'rejected' ? String(drain.reason) : 'drained').toBe('drained');
    const rows = await queuedFor(created.id);
    expect(rows.filter((r) => r.status === 'pending' && r.leaseOwner === null)).toEqual([]);
  });

  it('an event a write queued while its webhook was deleted is cancelled, not left pending for ever', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url });
    const partyId = await person();
    const holder = await pool().connect();
    let written: Promise<unknown> | undefined;
    let deleted: Promise<unknown> | undefined;
    try {
      // The audit chain held: the write has queued its events and waits to append its audit row; the
      // delete, which cannot see them yet, does its work and waits too.
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
      written = newRecord(partyId);
      await waitingOnLocks(pool(), 1);
      deleted = h.as('exchange').webhook.delete.mutate({ id: created.id });
      await waitingOnLocks(pool(), 2);
      await holder.query('commit');
    } finally {
      await holder.query('rollback').catch(() => {});
      holder.release();
    }
    await Promise.all([written, deleted]);
    expect((await queuedFor(created.id)).filter((r) => r.status === 'pending')).not.toEqual([]);
    // The worker finds them due, claims nothing, and cancels them: not one attempt.
    const requests = rx.requests.length;
    expect(await new WebhookWorker(h.deps, FAST).drain()).toBe(0);
    const rows = await queuedFor(created.id);
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'cancelled'));
    expect(rx.requests).toHaveLength(requests);
  });

  it('webhook.delete changes only the queued rows it locked: one queued after, and held elsewhere, does not hold it up', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    await newRecord(await person());
    const [queued] = await queuedFor(created.id);
    const [first, second] = [await pool().connect(), await pool().connect()];
    try {
      // The delete waits for a queued row (a worker recording it); meanwhile a write queues another
      // event, and a worker takes that one.
      await first.query('begin');
      await first.query('select id from webhook_outbox where id = $1 for update', [queued?.id]);
      const deleted = h.as('exchange').webhook.delete.mutate({ id: created.id });
      await waitingOnLocks(pool(), 1);
      await newRecord(await person());
      const later = (await queuedFor(created.id)).at(-1);
      expect(later?.id).not.toBe(queued?.id);
      await second.query('begin');
      await second.query('select id from webhook_outbox where id = $1 for update', [later?.id]);
      await first.query('commit');
      const outcome = await Promise.race([
        deleted.then(() => 'deleted'),
        new Promise((r) => setTimeout(r, 5_000)).then(() => 'held up'),
      ]);
      expect(outcome).toBe('deleted');
      await second.query('commit');
      await deleted;
    } finally {
      for (const c of [first, second]) {
        await c.query('rollback').catch(() => {});
        c.release();
      }
    }
    // The one it did not see is cancelled by the worker, as any event queued while a webhook is deleted.
    expect((await queuedFor(created.id)).map((r) => r.status)).toEqual(['cancelled', 'pending']);
    await new WebhookWorker(h.deps, FAST).drain();
    expect((await queuedFor(created.id)).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('two claims around a replay never lease one party to two workers (the later one skips the party)', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const partyId = await person();
    await newRecord(partyId);
    await new WebhookWorker(h.deps, FAST).drain(); // the first event delivered
    await newRecord(partyId); // the second queued
    const [first, second] = await queuedFor(created.id);
    const now = h.clock.now;
    const leasedTo = async () =>
      (await queuedFor(created.id)).filter((r) => r.status === 'pending' && r.leaseOwner !== null);
    // Worker A claims the party's only pending event and has not committed when the replay puts the first
    // event again before it; worker B claims after the replay committed, before A did.
    let commitA = () => {};
    const aMayCommit = new Promise<void>((r) => {
      commitA = r;
    });
    let aClaimed: (rows: unknown[]) => void = () => {};
    let aFailed: (err: unknown) => void = () => {};
    const aHasClaimed = new Promise<unknown[]>((resolve, reject) => {
      aClaimed = resolve;
      aFailed = reject;
    });
    const a = h.db.db
      .transaction(async (tx) => {
        aClaimed(await claimDeliveries(tx, 10, now, 'worker-a', 60_000, 1));
        await aMayCommit;
      })
      .catch(aFailed);
    try {
      expect(((await aHasClaimed) as { id: number }[]).map((r) => r.id)).toEqual([second?.id]);
      await h.as('exchange').webhook.replay.mutate({ id: created.id, fromSeq: first?.seq as number });
      const b = await h.db.db.transaction((tx) => claimDeliveries(tx, 10, now, 'worker-b', 60_000, 1));
      expect(b.map((r) => r.seq)).toEqual([]);
    } finally {
      commitA();
      await a;
    }
    expect((await leasedTo()).map((r) => [r.leaseOwner, r.seq])).toEqual([['worker-a', second?.seq]]);
    // With A's lease committed, the replayed event waits behind the one in flight.
    const c = await h.db.db.transaction((tx) => claimDeliveries(tx, 10, now, 'worker-c', 60_000, 1));
    expect(c).toEqual([]);
  });

  it('a replay committed between the two halves of a claim: the claim leases the replayed event first', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url, types: ['record.created'] });
    const partyId = await person();
    await newRecord(partyId);
    await new WebhookWorker(h.deps, FAST).drain(); // the first event delivered
    await newRecord(partyId); // the second queued
    const [first, second] = await queuedFor(created.id);
    const now = h.clock.now;
    const leased = await h.db.db.transaction(async (tx) => {
      const parties = (await lockDueParties(tx, 10, now)).filter((p) => p.webhook_id === created.id);
      expect(parties).toEqual([{ webhook_id: created.id, party_id: partyId }]);
      // Committed on another connection after the party was found (its head then: the second event).
      await h.as('exchange').webhook.replay.mutate({ id: created.id, fromSeq: first?.seq as number });
      return leaseParties(tx, parties, now, 'worker-a', 60_000, 5);
    });
    // The party's rows as they are under its lock: the replayed first event, then the second.
    expect(leased.map((r) => [r.seq, r.replay])).toEqual([
      [first?.seq, true],
      [second?.seq, false],
      [second?.seq, true],
    ]);
  });

  it('webhook.replay meeting webhook.delete queues nothing for the deleted webhook', async () => {
    const created = await h.as('exchange').webhook.create.mutate({ url: rx.url });
    await newRecord(await person());
    const [first] = await queuedFor(created.id);
    const holder = await pool().connect();
    let replayed: Promise<unknown> | undefined;
    let deleted: Promise<unknown> | undefined;
    try {
      // The audit chain held: the delete does its work and waits to append its audit row; the replay,
      // which found the webhook live before, starts its own meanwhile.
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
      deleted = h.as('exchange').webhook.delete.mutate({ id: created.id });
      await waitingOnLocks(pool(), 1);
      replayed = h.as('exchange').webhook.replay.mutate({ id: created.id, fromSeq: first?.seq as number });
      await waitingOnLocks(pool(), 2);
      await holder.query('commit');
    } finally {
      await holder.query('rollback').catch(() => {});
      holder.release();
    }
    const [del, replay] = await Promise.allSettled([deleted, replayed]);
    expect(del.status).toBe('fulfilled');
    expect(replay.status === 'rejected' ? (replay.reason as Error).message : 'replayed').toBe(
      `id: no webhook ${created.id} of this key's organization`,
    );
    const rows = await queuedFor(created.id);
    expect(rows.filter((r) => r.status === 'pending')).toEqual([]);
  });
});
