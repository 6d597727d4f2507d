import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTrpc, createHarness, type Harness } from '../testing/harness.js';
import { residentId } from '../testing/ids.js';
import { dbKinds } from '../testing/test-db.js';

describe.each(dbKinds())('over a real socket (%s)', (kind) => {
  let h: Harness;
  let server: ReturnType<typeof serve>;
  let base: string;
  beforeAll(async () => {
    h = await createHarness(kind);
    server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await h?.close();
  });

  it('registers, writes and reads through tRPC over HTTP, batching included', async () => {
    const reg = await callTrpc(
      fetch,
      base,
      'party.register',
      { kind: 'person', idType: 'RESIDENT_ID', idNumber: residentId(1), name: '冯某' },
      h.keys.clerk,
    );
    const partyId = reg.data.partyId;
    const rec = await callTrpc(
      fetch,
      base,
      'record.create',
      {
        partyId,
        category: 'Y02',
        court: '浙0212',
        caseNumber: '（2026）浙0212民初3号',
        effectiveFrom: '2026-01-01',
      },
      h.keys.judge,
    );
    expect(rec.data.classification.color).toBe('yellow');
    const input = encodeURIComponent(JSON.stringify({ 0: { partyId }, 1: { partyId } }));
    const res = await fetch(`${base}/trpc/party.get,record.list?batch=1&input=${input}`, {
      headers: { authorization: `Bearer ${h.keys.clerk}` },
    });
    expect(res.status).toBe(200);
    const [get, list] = (await res.json()) as any[];
    expect(get.result.data.classification.color).toBe('yellow');
    expect(list.result.data).toHaveLength(1);
  });

  it('serves the badge with CORS and 304 on a matching ETag', async () => {
    const partyId = (
      await h.ok(
        'party.register',
        { kind: 'org', idType: 'USCC', idNumber: '914403001922038216', name: '宁波某某有限公司' },
        h.keys.clerk,
      )
    ).partyId;
    const { token } = await h.ok('party.issueBadgeToken', { partyId }, h.keys.judge);
    const res = await fetch(`${base}/v1/badge/${token}`, { headers: { origin: 'https://portal.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toMatchObject({ color: 'green', name: '宁波某某有限公司' });
    const again = await fetch(`${base}/v1/badge/${token}`, {
      headers: { 'if-none-match': res.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });
});
