import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '@fivecolor/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FivecolorWebhookError, verifyWebhook } from './verify-webhook.js';

/** A partner's endpoint: keeps each delivery's raw body and headers. */
let receiver: Server;
let url: string;
const got: { body: string; headers: IncomingHttpHeaders }[] = [];
let server: TestServer;
let secret: string;

/** The Python verification snippet of docs/interchange.md (the first python block of its Webhooks section). */
function pythonSnippet(): string {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/interchange.md', import.meta.url)), 'utf8');
  const webhooks = doc.slice(doc.indexOf('## Webhooks'));
  const m = webhooks.match(/```python\n([\s\S]*?)```/);
  if (!m?.[1]) throw new Error('docs/interchange.md: no python block in the Webhooks section');
  return m[1];
}

function runPython(code: string, stdin: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('python3', ['-c', code], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
    child.stdin?.end(stdin);
  });
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      got.push({ body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/fivecolor`;
  server = await startTestServer({ webhooks: { allowPrivate: true, pollMs: 20 } });
  const created = await server.as('exchange').webhook.create.mutate({ url, types: ['record.created'] });
  secret = (created as { secret: string }).secret;
  const partyId = await server.registerPerson(7, '章某某');
  await server.as('judge').record.create.mutate({
    partyId,
    category: 'Y14',
    court: '浙0212',
    caseNumber: '（2026）浙0212执1号',
    effectiveFrom: '2026-01-01',
  });
  for (let i = 0; i < 500 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
});

afterAll(async () => {
  await server?.close();
  await new Promise((r) => receiver?.close(r));
});

describe('verifyWebhook on a real delivery', () => {
  it('returns the typed event of a signed delivery', () => {
    expect(got.length).toBe(1);
    const d = got[0] as (typeof got)[number];
    const event = verifyWebhook(d.body, d.headers, secret);
    expect(event.type).toBe('record.created');
    expect(event.data.type).toBe('record.created');
    expect(event.data.party.name).toBe('章某某');
    expect(event.timestamp).toBe(event.data.at);
    // The same from a fetch Headers and a byte body.
    const headers = new Headers(Object.entries(d.headers).map(([k, v]): [string, string] => [k, String(v)]));
    expect(verifyWebhook(new TextEncoder().encode(d.body), headers, secret).data.seq).toBe(event.data.seq);
  });

  it('throws a clear error for a changed body, another secret, a missing header or an old timestamp', () => {
    const d = got[0] as (typeof got)[number];
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(FivecolorWebhookError);
        return (err as Error).message;
      }
      throw new Error('expected a FivecolorWebhookError');
    };
    expect(error(() => verifyWebhook(d.body.replace('章某某', '李某某'), d.headers, secret))).toBe(
      'webhook-signature: No matching signature found',
    );
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(error(() => verifyWebhook(d.body, d.headers, other))).toBe(
      'webhook-signature: No matching signature found',
    );
    const { 'webhook-signature': _, ...unsigned } = d.headers;
    expect(error(() => verifyWebhook(d.body, unsigned, secret))).toMatch(
      /^webhook-signature: header missing/,
    );
    const old = { ...d.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) };
    expect(error(() => verifyWebhook(d.body, old, secret))).toBe(
      'webhook-signature: Message timestamp too old',
    );
    expect(error(() => verifyWebhook(d.body, d.headers, 'not-a-secret'))).toMatch(
      /^(secret|webhook-signature): /,
    );
  });

  it("docs/interchange.md's Python snippet (standard library only) verifies the same delivery and refuses a changed one", async () => {
    const d = got[0] as (typeof got)[number];
    const driver = `${pythonSnippet()}
import sys
req = json.loads(sys.stdin.read())
try:
    event = verify_webhook(req["body"].encode(), req["headers"], req["secret"])
    print("ok", event["type"], event["data"]["seq"])
except ValueError as e:
    print("refused", e)
`;
    const ok = await runPython(driver, JSON.stringify({ body: d.body, headers: d.headers, secret }));
    expect(ok.out.trim()).toBe(`ok record.created ${JSON.parse(d.body).data.seq}`);
    const bad = await runPython(driver, JSON.stringify({ body: `${d.body} `, headers: d.headers, secret }));
    expect(bad.out.trim()).toBe('refused webhook-signature: no valid signature');
  });
});
