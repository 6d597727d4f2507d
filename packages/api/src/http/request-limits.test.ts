import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../auth/api-keys.js';
import { rowsOf } from '../db/rows.js';
import { residentId } from '../testing/ids.js';
import { dbKinds, openTestDb } from '../testing/test-db.js';
import { createFivecolor, type FivecolorOptions } from './create-app.js';
import { createLogger } from './logger.js';
import { countCalls } from './request-limits.js';

/** The app with `opts` over a fresh database, and a clerk key. */
async function limitedApp(kind: 'pglite' | 'postgres', opts: Partial<FivecolorOptions> = {}) {
  const db = await openTestDb(kind);
  const secret = `limits-secret-${kind}-0123456789`;
  const f = await createFivecolor({ db, secret, logger: createLogger({ level: 'silent' }), ...opts });
  const clerk = (await createApiKey(db, secret, { role: 'clerk', name: 'clerk', court: '浙02' })).key;
  const parties = async () =>
    Number(rowsOf<{ n: string | number }>(await db.db.execute(sql`select count(*) as n from parties`))[0]?.n);
  return {
    app: f.app,
    clerk,
    parties,
    async close() {
      await f.close();
      await db.close();
    },
  };
}

const person = (n: number) => ({
  kind: 'person',
  idType: 'RESIDENT_ID',
  idNumber: residentId(n),
  name: '章某某',
});

describe('countCalls', () => {
  it('counts the procedures of a batch path, commas sent encoded included', () => {
    expect(countCalls('/trpc/party.get')).toBe(1);
    expect(countCalls('/trpc/party.get,record.list')).toBe(2);
    expect(countCalls('/trpc/a%2Cb%2cc,d')).toBe(4);
  });
});

describe.each(dbKinds())('request limits on %s', (kind) => {
  let t: Awaited<ReturnType<typeof limitedApp>>;
  beforeAll(async () => {
    t = await limitedApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, body: string, token = t.clerk) =>
    t.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });

  it('refuses a body over 1 MiB (the default) with 413 and a tRPC error, writing nothing', async () => {
    const before = await t.parties();
    const big = JSON.stringify({ ...person(1), pad: 'x'.repeat(1024 * 1024) });
    const res = await post('/trpc/party.register', big);
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    const body = await res.json();
    expect(body.error.data).toEqual({ code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
    expect(body.error.message).toMatch(/at most 1048576 bytes/);
    expect(await t.parties()).toBe(before);
    // A body under the limit goes through.
    const ok = await post('/trpc/party.register', JSON.stringify(person(1)));
    expect(ok.status).toBe(200);
    expect(await t.parties()).toBe(before + 1);
  });

  it('refuses a batch of 26 calls with 400 before any runs; 25 run', async () => {
    const before = await t.parties();
    const batch = (n: number, offset: number) => {
      const path = Array.from({ length: n }, () => 'party.register').join(',');
      const input = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, person(offset + i)]));
      return post(`/trpc/${path}?batch=1`, JSON.stringify(input));
    };
    const refused = await batch(26, 100);
    expect(refused.status).toBe(400);
    const body = await refused.json();
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.message).toMatch(/batch of 26 calls: at most 25/);
    expect(await t.parties()).toBe(before);
    // Encoded commas count too.
    const encoded = await t.app.request(
      `/trpc/${Array.from({ length: 26 }, () => 'policy.get').join('%2C')}?batch=1`,
      { headers: { authorization: `Bearer ${t.clerk}` } },
    );
    expect(encoded.status).toBe(400);

    const accepted = await batch(25, 200);
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as unknown[]).length).toBe(25);
    expect(await t.parties()).toBe(before + 25);
  });

  it('takes its limits from the options', async () => {
    const small = await limitedApp(kind, { maxBodyBytes: 1000, maxBatch: 2 });
    try {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${small.clerk}` };
      const big = await small.app.request('/trpc/party.register', {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...person(1), pad: 'x'.repeat(1000) }),
      });
      expect(big.status).toBe(413);
      const three = await small.app.request('/trpc/policy.get,policy.get,policy.get?batch=1', { headers });
      expect(three.status).toBe(400);
      const two = await small.app.request('/trpc/policy.get,policy.get?batch=1', { headers });
      expect(two.status).toBe(200);
      expect(await small.parties()).toBe(0);
    } finally {
      await small.close();
    }
  });
});

describe('request body limit over a real socket', () => {
  let t: Awaited<ReturnType<typeof limitedApp>>;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    t = await limitedApp('pglite');
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      server?.closeAllConnections();
    });
    await t?.close();
  });

  /**
   * POSTs up to `total` bytes in 64 KiB chunks, as fast as the socket takes them, and stops at the
   * answer: its status and how much had been sent by then.
   */
  function stream(total: number, headers: Record<string, string>) {
    return new Promise<{ status: number; sentAtAnswer: number; body: string }>((resolve, reject) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      let answered = false;
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/trpc/party.register',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.clerk}`, ...headers },
      });
      req.on('response', (res) => {
        answered = true;
        const sentAtAnswer = sent;
        let body = '';
        res.on('data', (d) => {
          body += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sentAtAnswer, body }));
        res.on('error', reject);
      });
      // The server closes the connection after its answer: a write after that fails, as it should.
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      req.write('{"kind":"person","pad":"');
      const pump = () => {
        while (!answered && sent < total && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered && !req.destroyed) req.end('"}');
      };
      pump();
    });
  }

  it('answers 413 while a chunked body (no Content-Length) is still being sent, without holding it', async () => {
    const total = 256 * 1024 * 1024;
    const rssBefore = process.memoryUsage().rss;
    const r = await stream(total, { 'transfer-encoding': 'chunked' });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.data.code).toBe('PAYLOAD_TOO_LARGE');
    // Refused after about the limit arrived, long before the 256 MiB were sent.
    expect(r.sentAtAnswer).toBeLessThan(total / 4);
    // Loosely: the server (this process) did not grow by anything like the body's size.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024);
    expect(await t.parties()).toBe(0);
  });

  it('answers 413 from the Content-Length alone, before the body is sent', async () => {
    const r = await stream(250 * 1024 * 1024, { 'content-length': String(250 * 1024 * 1024) });
    expect(r.status).toBe(413);
    expect(r.sentAtAnswer).toBeLessThan(64 * 1024 * 1024);
    // And the server still serves the next request.
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});
