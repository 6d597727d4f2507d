import { startTestServer, type TestServer } from '@fivecolor/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeItem } from './changes.js';
import { createClient } from './create-client.js';
import { FivecolorError } from './fivecolor-error.js';

let srv: TestServer;
let n = 0;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
/** A new party with one record: two feed items (record.created, color.changed). */
async function newEvent() {
  const partyId = await srv.registerPerson(300 + n++);
  const { recordId } = await srv.as('judge').record.create.mutate({
    partyId,
    category: 'Y14',
    court: '浙0212',
    caseNumber: '（2026）浙0212执3号',
    effectiveFrom: today(),
  });
  return { partyId, recordId };
}

/** A fetch that counts the feed requests it forwards. */
function countingFetch() {
  const seen = { polls: 0 };
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input).includes('exchange.changes')) seen.polls++;
    return globalThis.fetch(input, init);
  };
  return { fetch, seen };
}

describe('fc.changes(): following the change feed over a real server', () => {
  it('pages through everything in seq order, and resumes after the cursor of any item', async () => {
    for (let i = 0; i < 3; i++) await newEvent();
    const fc = createClient({ url: srv.url, apiKey: srv.keys.exchange });
    const all: ChangeItem[] = [];
    for await (const change of fc.changes({ pageSize: 2, follow: false })) all.push(change);
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(all.map((c) => c.seq)).toEqual([...all.map((c) => c.seq)].sort((a, b) => a - b));
    expect(all[0]).toMatchObject({
      type: 'record.created',
      party: { kind: 'person', idType: 'RESIDENT_ID' },
    });

    const rest: ChangeItem[] = [];
    for await (const change of fc.changes({ cursor: all[3]?.cursor, follow: false })) rest.push(change);
    expect(rest).toEqual(all.slice(4));

    const colors: string[] = [];
    for await (const c of fc.changes({ types: ['color.changed'], follow: false })) colors.push(c.type);
    expect(colors.length).toBe(all.filter((c) => c.type === 'color.changed').length);
    expect(new Set(colors)).toEqual(new Set(['color.changed']));
  });

  it('keeps following once caught up, yields what comes next, and stops quietly on abort', async () => {
    const fc = createClient({ url: srv.url, apiKey: srv.keys.exchange });
    let cursor: string | undefined;
    for await (const c of fc.changes({ follow: false })) cursor = c.cursor;
    const stop = new AbortController();
    const got: ChangeItem[] = [];
    const following = (async () => {
      for await (const c of fc.changes({ cursor, signal: stop.signal, minDelayMs: 20, maxDelayMs: 100 })) {
        got.push(c);
        if (got.length === 2) stop.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 150)); // it polls a quiet feed meanwhile
    const { recordId } = await newEvent();
    await following; // ends without an error once aborted
    expect(got.map((c) => c.type)).toEqual(['record.created', 'color.changed']);
    expect(got[0]?.record?.recordId).toBe(recordId);
  });

  it('backs off while the feed is quiet (growing delay up to the cap) and reports each cursor', async () => {
    const { fetch, seen } = countingFetch();
    const fc = createClient({ url: srv.url, apiKey: srv.keys.exchange, fetch });
    let start: string | undefined;
    for await (const c of fc.changes({ follow: false })) start = c.cursor;
    seen.polls = 0;
    const cursors: string[] = [];
    const stop = new AbortController();
    const t0 = Date.now();
    const iterate = (async () => {
      for await (const _ of fc.changes({
        cursor: start,
        signal: stop.signal,
        minDelayMs: 10,
        maxDelayMs: 80,
        onCursor: (c) => {
          cursors.push(c);
        },
      })) {
        // nothing comes
      }
    })();
    await new Promise((r) => setTimeout(r, 600));
    stop.abort();
    await iterate;
    const elapsed = Date.now() - t0;
    // Fixed 10 ms polls would make ~60 requests; 10, 20, 40, 80, 80 … makes at most ~11.
    expect(seen.polls).toBeGreaterThanOrEqual(3);
    expect(seen.polls).toBeLessThanOrEqual(Math.ceil((elapsed - 70) / 80) + 5);
    // An empty page hands back the cursor that was sent.
    expect(new Set(cursors)).toEqual(new Set([start]));
  });

  it('throws a BAD_REQUEST FivecolorError for a cursor the server never issued', async () => {
    const fc = createClient({ url: srv.url, apiKey: srv.keys.exchange });
    const run = async () => {
      for await (const _ of fc.changes({ cursor: 'made-up', follow: false })) {
        // unreachable
      }
    };
    const err = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FivecolorError);
    expect((err as FivecolorError).code).toBe('BAD_REQUEST');
    expect((err as FivecolorError).field).toBe('cursor');
  });

  it('shows a bank key only what consent allows: nothing here, and no error', async () => {
    const fc = createClient({ url: srv.url, apiKey: srv.keys.bank });
    const items: ChangeItem[] = [];
    for await (const c of fc.changes({ follow: false })) items.push(c);
    expect(items).toEqual([]);
  });
});
