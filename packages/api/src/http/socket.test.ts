import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentId } from '../testing/ids.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { dbKinds } from '../testing/test-db.js';

describe.each(dbKinds())('over a real socket (%s)', (kind) => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ kind });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('registers, writes and reads through tRPC over HTTP, batching included', async () => {
    const { partyId } = await srv.as('clerk').party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(1),
      name: '冯某',
    });
    const rec = await srv.as('judge').record.create.mutate({
      partyId,
      category: 'Y02',
      court: '浙0212',
      caseNumber: '（2026）浙0212民初3号',
      effectiveFrom: '2026-01-01',
    });
    expect(rec.classification.color).toBe('yellow');
    const input = encodeURIComponent(JSON.stringify({ 0: { partyId }, 1: { partyId } }));
    const res = await fetch(`${srv.url}/trpc/party.get,record.list?batch=1&input=${input}`, {
      headers: { authorization: `Bearer ${srv.keys.clerk}` },
    });
    expect(res.status).toBe(200);
    type Answer<T> = { result: { data: T } };
    const [get, list] = (await res.json()) as [
      Answer<{ classification: { color: string } }>,
      Answer<unknown[]>,
    ];
    expect(get.result.data.classification.color).toBe('yellow');
    expect(list.result.data).toHaveLength(1);
  });

  it('serves the badge with CORS and 304 on a matching ETag', async () => {
    const { partyId } = await srv.as('clerk').party.register.mutate({
      kind: 'org',
      idType: 'USCC',
      idNumber: '914403001922038216',
      name: '宁波某某有限公司',
    });
    const { token } = await srv.as('judge').party.issueBadgeToken.mutate({ partyId });
    const res = await fetch(`${srv.url}/v1/badge/${token}`, {
      headers: { origin: 'https://portal.example' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toMatchObject({ color: 'green', name: '宁波某某有限公司' });
    const again = await fetch(`${srv.url}/v1/badge/${token}`, {
      headers: { 'if-none-match': res.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });
});
