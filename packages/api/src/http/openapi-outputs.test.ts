import { toCstDate } from '@fivecolor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../db/ids.js';
import { consents } from '../db/schema.js';
import { FEED_TYPES, type FeedType } from '../services/feed-service.js';
import { createHarness, type Harness } from '../testing/harness.js';
import { dbKinds } from '../testing/test-db.js';
import { startTestReceiver, type TestReceiver } from '../webhooks/test-receiver.js';
import { WebhookWorker } from '../webhooks/webhook-worker.js';
import { feedItem, procedureOutputs, webhookPayload } from './openapi-outputs.js';

const CASE = '（2025）浙0212执88号';

/** The issues of `value` against `schema`, as `path: message` lines (none: it conforms). */
const issues = (
  schema: { safeParse(v: unknown): { error?: { issues: { path: PropertyKey[]; message: string }[] } } },
  value: unknown,
) => (schema.safeParse(value).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe.each(dbKinds())('the documented feed items and webhook payloads, against what %s serves', (kind) => {
  let h: Harness;
  let rx: TestReceiver;
  /** Every page of `exchange.changes` for `role`, as the JSON a partner gets. */
  const feed = async (role: 'exchange' | 'bank') => {
    const items: unknown[] = [];
    for (let cursor: string | undefined; ; ) {
      const input = encodeURIComponent(JSON.stringify({ limit: 1000, ...(cursor ? { cursor } : {}) }));
      const res = await h.app.request(`/trpc/exchange.changes?input=${input}`, {
        headers: { authorization: `Bearer ${h.keys[role]}` },
      });
      const body = (await res.json()) as {
        result: { data: { items: unknown[]; nextCursor: string; hasMore: boolean } };
      };
      expect(issues(procedureOutputs['exchange.changes'] as never, body.result.data)).toEqual([]);
      items.push(...body.result.data.items);
      if (!body.result.data.hasMore) return items;
      cursor = body.result.data.nextCursor;
    }
  };

  beforeAll(async () => {
    h = await createHarness(kind, { webhooks: { deliver: false, allowPrivate: true } });
    rx = await startTestReceiver();
    await h.as('exchange').webhook.create.mutate({ url: rx.url });
    await h.as('bank').webhook.create.mutate({ url: rx.url });
    // One party through every event type: a record entered, amended, objected to and the objection
    // decided; a record repaired; a record revoked; their color changes.
    const partyId = await h.registerPerson(1200, '章某某');
    await h.db.db.insert(consents).values({
      id: newId('cns'),
      partyId,
      grantee: 'Test Bank',
      scopes: ['code'],
      until: '2099-01-01',
      createdAt: new Date(h.clock.now.getTime() - 60_000),
    });
    const judge = h.as('judge');
    const today = toCstDate(h.clock.now);
    const record = async (category: string) =>
      (
        await judge.record.create.mutate({
          partyId,
          category,
          court: '浙0212',
          caseNumber: CASE,
          effectiveFrom: today,
        })
      ).recordId;
    const objected = await record('Y14');
    await judge.record.amend.mutate({
      recordId: objected,
      reason: '案号更正',
      caseNumber: '（2025）浙0212执89号',
    });
    const party = h.client((await h.as('portal').party.issueSession.mutate({ partyId })).token);
    const { objectionId } = await party.objection.file.mutate({ recordId: objected, reason: '已履行完毕' });
    await judge.objection.resolve.mutate({ objectionId, decision: 'rejected', reason: '理由不成立' });
    const repaired = await record('Y15');
    await h.as('enforcement').record.repair.mutate({
      partyId,
      repairs: [repaired],
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: today,
    });
    await judge.record.revoke.mutate({ recordId: objected, reason: '录入错误' });
    await new WebhookWorker(h.deps, { allowPrivate: true }).drain();
  });
  afterAll(async () => {
    await rx?.close();
    await h?.close();
  });

  it('every item of the change feed, of every type, conforms to its type’s member of the union', async () => {
    const items = await feed('exchange');
    expect(new Set(items.map((i) => (i as { type: string }).type))).toEqual(new Set(FEED_TYPES));
    for (const item of items) expect(issues(feedItem, item), JSON.stringify(item)).toEqual([]);
    // A bank's page (masked, color changes only) too.
    const banked = await feed('bank');
    expect(banked.length).toBeGreaterThan(0);
    for (const item of banked) expect(issues(feedItem, item)).toEqual([]);
  });

  it('every webhook delivery conforms to the documented payload of its type', async () => {
    const bodies = rx.received.map((r) => JSON.parse(r.body) as { type: string });
    expect(new Set(bodies.map((b) => b.type))).toEqual(new Set(FEED_TYPES));
    for (const body of bodies) expect(issues(webhookPayload, body)).toEqual([]);
  });

  it('the check can fail: without any field its type always carries, an item is refused', async () => {
    // Written out here, not read from the schema: a member made looser than this fails the test.
    const every = ['seq', 'type', 'at', 'partyId', 'party'];
    const carries: Record<FeedType, string[]> = {
      'record.created': ['record'],
      'record.amended': ['record', 'reason'],
      'record.revoked': ['record', 'reason'],
      'record.repaired': ['record'],
      'color.changed': ['color'],
      'objection.filed': ['record', 'objection'],
      'objection.resolved': ['record', 'objection'],
    };
    const items = (await feed('exchange')) as Record<string, unknown>[];
    for (const item of items) {
      for (const key of [...every, ...carries[item.type as FeedType]]) {
        const { [key]: _, ...without } = item;
        expect(issues(feedItem, without), `${item.type} without ${key}`).not.toEqual([]);
      }
    }
    // Nor does an item pass for another type's.
    const colorChanged = items.find((i) => i.type === 'color.changed') as Record<string, unknown>;
    const created = items.find((i) => i.type === 'record.created') as Record<string, unknown>;
    expect(issues(feedItem, { ...created, type: 'record.revoked' })).toEqual([
      'reason: Invalid input: expected string, received undefined',
    ]);
    const delivery = { type: 'record.created', timestamp: created.at, data: colorChanged };
    expect(issues(webhookPayload, delivery)).toContain('data.type: Invalid input: expected "record.created"');
  });
});
