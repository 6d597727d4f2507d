import { residentId, startTestServer, type TestServer } from '@fivecolor/api/testing';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, MAX_BATCH } from './create-client.js';
import { fetchBadge } from './fetch-badge.js';
import { FivecolorError } from './fivecolor-error.js';
import { FivecolorReportError, verifyReport } from './verify-report.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

const CASE = '（2026）浙0212民初7号';
const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

/** Runs `fn` and returns what it threw, failing when it did not throw. */
async function caught(fn: () => Promise<unknown>): Promise<FivecolorError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FivecolorError);
    return err as FivecolorError;
  }
  throw new Error('expected the call to throw');
}

/** A fetch that records every request it forwards to the real one. */
function recordingFetch(
  respond?: (n: number, url: string, init: RequestInit | undefined) => Response | undefined,
) {
  const calls: { url: string; method: string; body: string | null; headers: Headers }[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push({
      url,
      method: init?.method ?? 'GET',
      body: typeof init?.body === 'string' ? init.body : null,
      headers: new Headers(init?.headers),
    });
    return respond?.(calls.length, url, init) ?? globalThis.fetch(input, init);
  };
  return { fetch, calls };
}

const gateway = (status: number) =>
  new Response(`<html><body>${status} from the proxy</body></html>`, {
    status,
    headers: { 'content-type': 'text/html' },
  });

/** A fetch that never answers until its signal aborts (a hung upstream). */
const hangingFetch = (seen: { aborted: boolean }) => (_input: RequestInfo | URL, init?: RequestInit) =>
  new Promise<Response>((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => {
      seen.aborted = true;
      reject(init.signal?.reason);
    });
  });

describe('an integrator flow over a real server', () => {
  it('key → register → record → lookup → badge token → fetchBadge (ETag) → revoke', async () => {
    const admin = createClient({ url: srv.url, apiKey: srv.keys.admin });
    const { key } = await admin.apiKey.create.mutate({ role: 'judge', name: 'Judge Zhang', court: '浙02' });
    expect(key).toMatch(/^fck_/);

    const judge = createClient({ url: srv.url, apiKey: key });
    const idNumber = residentId(1);
    const reg = await judge.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber,
      name: '章某某',
    });
    expect(reg).toMatchObject({ created: true, kind: 'person' });
    expect(reg.nameMasked).not.toContain('某某');

    const rec = await judge.record.create.mutate({
      partyId: reg.partyId,
      category: 'R03',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: today(),
    });
    expect(rec.classification.color).toBe('red');

    const found = await judge.party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber });
    expect(found.party.partyId).toBe(reg.partyId);
    expect(found.classification.color).toBe('red');
    expect(found.records.map((r) => r.recordId)).toEqual([rec.recordId]);

    const { token } = await judge.party.issueBadgeToken.mutate({ partyId: reg.partyId });
    const seen = recordingFetch();
    const cache = new Map();
    const badge = await fetchBadge(srv.url, token, { fetch: seen.fetch, cache, lang: 'en' });
    expect(badge).toMatchObject({
      color: 'red',
      label: 'Red code',
      kind: 'person',
      policyId: 'default-2022',
    });
    expect(badge.name).not.toContain('某某');
    expect(badge.verifyUrl).toMatch(new RegExp(`^https://court\\.example/.*${token}$`));
    expect(seen.calls[0]?.headers.get('if-none-match')).toBeNull();

    // The second fetch revalidates with the ETag and gets the same badge from a 304.
    const again = await fetchBadge(srv.url, token, { fetch: seen.fetch, cache, lang: 'en' });
    expect(seen.calls[1]?.headers.get('if-none-match')).toMatch(/^".+"$/);
    expect(again).toEqual(badge);

    await judge.party.revokeBadgeToken.mutate({ token });
    const gone = await caught(() => fetchBadge(srv.url, token, { fetch: seen.fetch, cache }));
    expect(gone).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404, field: 'token' });
  });

  it("verifies the API's signed report offline with its JWKS", async () => {
    const judge = createClient({ url: srv.url, apiKey: srv.keys.judge });
    const { partyId } = await judge.party.register.mutate({
      kind: 'org',
      idType: 'USCC',
      idNumber: '914403001922038216',
      name: '某某科技有限公司',
    });
    const issued = await judge.report.issue.mutate({ partyId });
    const jwks = await (await fetch(`${srv.url}/.well-known/jwks.json`)).json();
    const verified = await verifyReport(issued.signed, jwks);
    expect(verified.report.reportNo).toBe(issued.reportNo);
    expect(verified.kid).toBe(issued.kid);
    expect(verified.report.classification.color).toBe('green');
    const err = await verifyReport(issued.signed, { keys: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FivecolorReportError);
    expect((err as FivecolorReportError).reason).toBe('unknown_kid');
  });

  it('batches calls of the same tick into one HTTP request', async () => {
    const seen = recordingFetch();
    const judge = createClient({ url: srv.url, apiKey: srv.keys.judge, fetch: seen.fetch });
    const { partyId } = await judge.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(2),
      name: '李四',
    });
    seen.calls.length = 0;
    const [party, timeline, records] = await Promise.all([
      judge.party.get.query({ partyId }),
      judge.party.timeline.query({ partyId }),
      judge.record.list.query({ partyId }),
    ]);
    expect(seen.calls).toHaveLength(1);
    expect(seen.calls[0]?.url).toContain('party.get,party.timeline,record.list?batch=1');
    expect(party.classification.color).toBe('green');
    expect(timeline.partyId).toBe(partyId);
    expect(records).toEqual([]);
  });

  it('splits more calls of one tick than the server takes in a batch into several requests', async () => {
    const seen = recordingFetch();
    const judge = createClient({ url: srv.url, apiKey: srv.keys.judge, fetch: seen.fetch });
    const policies = await Promise.all(Array.from({ length: MAX_BATCH + 5 }, () => judge.policy.get.query()));
    expect(policies.every((p) => p.id === 'default-2022')).toBe(true);
    expect(seen.calls).toHaveLength(2);
    expect(seen.calls[0]?.url.split('?')[0]?.split(',')).toHaveLength(MAX_BATCH);
  });

  it("sends one Authorization header: the apiKey's, whatever the casing of the caller's own", async () => {
    const seen = recordingFetch();
    const judge = createClient({
      url: srv.url,
      apiKey: srv.keys.judge,
      fetch: seen.fetch,
      headers: () => ({ authorization: 'Bearer fck_unknown', 'x-request-id': 'req-1' }),
    });
    expect((await judge.policy.get.query()).id).toBe('default-2022');
    expect(seen.calls[0]?.headers.get('authorization')).toBe(`Bearer ${srv.keys.judge}`);
    expect(seen.calls[0]?.headers.get('x-request-id')).toBe('req-1');
    // Without an apiKey the caller's header is the one sent.
    const own = createClient({ url: srv.url, headers: { AUTHORIZATION: `Bearer ${srv.keys.judge}` } });
    expect((await own.policy.get.query()).id).toBe('default-2022');
  });

  it('iterates records and pages through the audit log', async () => {
    const judge = createClient({ url: srv.url, apiKey: srv.keys.judge });
    const admin = createClient({ url: srv.url, apiKey: srv.keys.admin });
    const { partyId } = await judge.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(3),
      name: '王五',
    });
    for (const category of ['Y05', 'R03']) {
      await judge.record.create.mutate({
        partyId,
        category,
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: today(),
      });
    }
    const categories: string[] = [];
    for await (const r of judge.records(partyId)) categories.push(r.category);
    expect(categories.sort()).toEqual(['R03', 'Y05']);

    for (let i = 0; i < 3; i++) await judge.party.get.query({ partyId, purpose: `check ${i}` });
    const seen = recordingFetch();
    const paged = createClient({ url: srv.url, apiKey: srv.keys.admin, fetch: seen.fetch });
    const seqs: number[] = [];
    for await (const row of paged.auditLog({ partyId, pageSize: 2 })) seqs.push(row.seq);
    const all = await admin.audit.list.query({ partyId, limit: 500 });
    expect(seqs).toEqual(all.items.map((r) => r.seq));
    expect(seqs.length).toBeGreaterThanOrEqual(6);
    expect(seen.calls.length).toBe(Math.floor(seqs.length / 2) + 1);
  });
});

describe('errors', () => {
  it('BAD_REQUEST names the field and the rule, as the server said them', async () => {
    const judge = createClient({ url: srv.url, apiKey: srv.keys.judge });
    const err = await caught(() =>
      judge.party.register.mutate({
        kind: 'person',
        idType: 'RESIDENT_ID',
        idNumber: '110105194912310025',
        name: 'X',
      }),
    );
    expect(err).toMatchObject({
      code: 'BAD_REQUEST',
      httpStatus: 400,
      field: 'idNumber',
      path: 'party.register',
    });
    expect(err.message).toMatch(/^idNumber: check digit should be X, got 5/);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect(err.data?.code).toBe('BAD_REQUEST');

    const many = await caught(() =>
      judge.record.create.mutate({
        partyId: 'p',
        category: 'N01',
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: '2026-02-30',
      }),
    );
    expect(many.issues.map((i) => i.field).sort()).toEqual(['category', 'effectiveFrom']);
    expect(many.field).not.toBeNull();

    // A refusal names its field as well; its message is not split into issues.
    const refused = await caught(() =>
      createClient({ url: srv.url, apiKey: srv.keys.bank }).party.get.query({
        partyId: 'pty_AAAAAAAAAAAAAAAAAAAAAA',
      }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', field: 'partyId', issues: [] });
  });

  it('UNAUTHORIZED without a key or with an unknown one', async () => {
    const anonymous = await caught(() => createClient({ url: srv.url }).policy.get.query());
    expect(anonymous).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    const wrong = await caught(() =>
      createClient({ url: srv.url, apiKey: 'fck_unknown' }).policy.get.query(),
    );
    expect(wrong).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });

  it('FORBIDDEN for a role the role table does not allow', async () => {
    const bank = createClient({ url: srv.url, apiKey: srv.keys.bank });
    const err = await caught(() =>
      bank.record.create.mutate({
        partyId: 'p',
        category: 'R03',
        court: '浙0212',
        caseNumber: CASE,
        effectiveFrom: today(),
      }),
    );
    expect(err).toMatchObject({
      code: 'FORBIDDEN',
      httpStatus: 403,
      message: 'role bank may not call record.create',
    });
  });

  it('NOT_FOUND and CONFLICT', async () => {
    const judge = createClient({ url: srv.url, apiKey: srv.keys.judge });
    const missing = await caught(() =>
      judge.party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber: residentId(999) }),
    );
    expect(missing).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });

    const { partyId } = await judge.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(4),
      name: '赵六',
    });
    const { recordId } = await judge.record.create.mutate({
      partyId,
      category: 'Y05',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: today(),
    });
    await judge.record.revoke.mutate({ recordId, reason: 'entered in error' });
    const twice = await caught(() => judge.record.revoke.mutate({ recordId, reason: 'again' }));
    expect(twice).toMatchObject({ code: 'CONFLICT', httpStatus: 409 });

    // Reusing an idempotency key for a different input is a conflict too.
    const idempotencyKey = 'client-test-key-1';
    const person = { kind: 'person', idType: 'RESIDENT_ID', name: '钱七', idempotencyKey } as const;
    await judge.party.register.mutate({ ...person, idNumber: residentId(5) });
    const reuse = await caught(() => judge.party.register.mutate({ ...person, idNumber: residentId(8) }));
    expect(reuse).toMatchObject({ code: 'CONFLICT', httpStatus: 409 });
  });

  it('NETWORK_ERROR (no response) after the retries', async () => {
    const seen = recordingFetch();
    const client = createClient({
      url: 'http://127.0.0.1:9',
      fetch: seen.fetch,
      retry: { retries: 2, baseDelayMs: 1 },
    });
    const err = await caught(() => client.policy.get.query());
    expect(err).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: 0, transient: true });
    expect(seen.calls).toHaveLength(3);

    const badge = await caught(() =>
      fetchBadge('http://127.0.0.1:9', 'bdg_x', { fetch: seen.fetch, retry: { retries: 1, baseDelayMs: 1 } }),
    );
    expect(badge).toMatchObject({ code: 'NETWORK_ERROR', httpStatus: 0 });
    expect(seen.calls).toHaveLength(5);
  });

  it('a gateway status (502/503/504) once retries are exhausted', async () => {
    const seen = recordingFetch(() => gateway(502));
    const client = createClient({
      url: srv.url,
      apiKey: srv.keys.judge,
      fetch: seen.fetch,
      retry: { retries: 2, baseDelayMs: 1 },
    });
    const err = await caught(() => client.policy.get.query());
    expect(err).toMatchObject({ code: 'BAD_GATEWAY', httpStatus: 502, transient: true });
    expect(seen.calls).toHaveLength(3);
  });

  it('ends an aborted call at once when another call shares its HTTP request (batched)', async () => {
    const seen = { aborted: false };
    const hung = createClient({ url: srv.url, fetch: hangingFetch(seen) });
    const ac = new AbortController();
    const aborted = caught(() => hung.stats.summary.query(undefined, { signal: ac.signal }));
    const other = hung.policy.get.query().catch((e: unknown) => e); // same tick: same request
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    const err = await Promise.race([aborted, new Promise((r) => setTimeout(() => r('still pending'), 1000))]);
    expect(err).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', httpStatus: 0 });
    // The other call goes on (its fetch is not aborted for it).
    expect(await Promise.race([other, new Promise((r) => setTimeout(() => r('still pending'), 100))])).toBe(
      'still pending',
    );
  });

  it("fetchBadge tells the API's own refusal in its words, and never the token", async () => {
    const limited = async () =>
      new Response(
        '{"error":"too many requests for unknown badge tokens from this address; retry after 7 s"}',
        {
          status: 429,
          headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '7' },
        },
      );
    const err = await caught(() =>
      fetchBadge('https://court.example', 'bdg_secret', { fetch: limited, cache: false }),
    );
    expect(err).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
    expect((err as Error).message).toBe(
      '/v1/badge/:token: too many requests for unknown badge tokens from this address; retry after 7 s',
    );
    const proxy = async () =>
      new Response('<html>Forbidden</html>', { status: 403, headers: { 'content-type': 'text/html' } });
    const other = await caught(() =>
      fetchBadge('https://court.example', 'bdg_secret', { fetch: proxy, cache: false }),
    );
    expect(other).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403 });
    expect((other as Error).message).toMatch(/not a Five-Color API response/);
    expect((other as Error).message).not.toContain('bdg_secret');
  });

  it('TIMEOUT when timeoutMs passes, CLIENT_CLOSED_REQUEST when the caller aborts', async () => {
    const seen = { aborted: false };
    const slow = createClient({ url: srv.url, fetch: hangingFetch(seen), timeoutMs: 100 });
    const timedOut = await caught(() => slow.policy.get.query());
    expect(timedOut).toMatchObject({ code: 'TIMEOUT', httpStatus: 0 });
    expect(seen.aborted).toBe(true);

    const seen2 = { aborted: false };
    const hung = createClient({ url: srv.url, fetch: hangingFetch(seen2) });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const aborted = await caught(() => hung.policy.get.query(undefined, { signal: ac.signal }));
    expect(aborted).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST', httpStatus: 0 });
    expect(seen2.aborted).toBe(true);

    const badge = await caught(() =>
      fetchBadge(srv.url, 'bdg_x', { fetch: hangingFetch({ aborted: false }), timeoutMs: 50 }),
    );
    expect(badge).toMatchObject({ code: 'TIMEOUT' });
  });

  it('an abort during the back-off ends the call without another attempt', async () => {
    const seen = recordingFetch(() => gateway(503));
    const client = createClient({
      url: srv.url,
      fetch: seen.fetch,
      retry: { retries: 5, baseDelayMs: 60_000 },
    });
    const ac = new AbortController();
    const call = caught(() => client.policy.get.query(undefined, { signal: ac.signal }));
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    expect(await call).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
    expect(seen.calls).toHaveLength(1);
  });
});

describe('safe retries', () => {
  it('retries a query through 503s with back-off', async () => {
    const seen = recordingFetch((n) => (n <= 2 ? gateway(503) : undefined));
    const client = createClient({
      url: srv.url,
      apiKey: srv.keys.judge,
      fetch: seen.fetch,
      retry: { baseDelayMs: 1 },
    });
    const policy = await client.policy.get.query();
    expect(policy.id).toBe('default-2022');
    expect(seen.calls).toHaveLength(3);
  });

  it('retries a mutation with the key it generated, and the server applies it once', async () => {
    const judge = createClient({ url: srv.url, apiKey: srv.keys.judge });
    const { partyId } = await judge.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(6),
      name: '孙八',
    });
    // The first attempt reaches the API, but the gateway loses the answer and says 504.
    const calls: string[] = [];
    const lossy = async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(String(init?.body));
      const res = await globalThis.fetch(input, init);
      return calls.length === 1 ? gateway(504) : res;
    };
    const client = createClient({
      url: srv.url,
      apiKey: srv.keys.judge,
      fetch: lossy,
      retry: { baseDelayMs: 1 },
    });
    const created = await client.record.create.mutate({
      partyId,
      category: 'Y05',
      court: '浙0212',
      caseNumber: CASE,
      effectiveFrom: today(),
    });
    expect(calls).toHaveLength(2);
    const keys = calls.map((b) => JSON.parse(b)['0'].idempotencyKey);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    const records = await judge.record.list.query({ partyId });
    expect(records.map((r) => r.recordId)).toEqual([created.recordId]);
  });

  it("keeps the caller's idempotency key", async () => {
    const seen = recordingFetch();
    const client = createClient({ url: srv.url, apiKey: srv.keys.judge, fetch: seen.fetch });
    const input = { kind: 'person', idType: 'RESIDENT_ID', idNumber: residentId(7), name: '周九' } as const;
    const first = await client.party.register.mutate({ ...input, idempotencyKey: 'mine-1' });
    const replay = await client.party.register.mutate({ ...input, idempotencyKey: 'mine-1' });
    expect(JSON.parse(seen.calls[0]?.body ?? '{}')['0'].idempotencyKey).toBe('mine-1');
    expect(replay).toEqual(first);
  });

  it('does not retry a mutation that takes no idempotency key', async () => {
    const seen = recordingFetch(() => gateway(503));
    const client = createClient({
      url: srv.url,
      apiKey: srv.keys.judge,
      fetch: seen.fetch,
      retry: { baseDelayMs: 1 },
    });
    const err = await caught(() =>
      client.party.lookup.mutate({ idType: 'RESIDENT_ID', idNumber: residentId(1) }),
    );
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
    expect(seen.calls).toHaveLength(1);
    expect(JSON.parse(seen.calls[0]?.body ?? '{}')['0'].idempotencyKey).toBeUndefined();
  });

  it('retry: false makes one attempt', async () => {
    const seen = recordingFetch(() => gateway(503));
    const client = createClient({ url: srv.url, fetch: seen.fetch, retry: false });
    await caught(() => client.policy.get.query());
    expect(seen.calls).toHaveLength(1);
  });
});
