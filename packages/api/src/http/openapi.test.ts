import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../routers/root.js';
import { residentId } from '../testing/ids.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { openApiDocument } from './openapi.js';

const PYTHON_CLIENT = fileURLToPath(new URL('../../../../docs/examples/openapi_client.py', import.meta.url));
const run = promisify(execFile);

type Doc = ReturnType<typeof openApiDocument>;
type Operation = {
  operationId: string;
  parameters?: { name: string; content?: Record<string, { schema: Record<string, unknown> }> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
};
const op = (doc: Doc, path: string, method: 'get' | 'post') =>
  (doc.paths[path] as Record<string, Operation> | undefined)?.[method];

describe('the OpenAPI document', () => {
  const doc = openApiDocument({ serverUrl: 'https://court.example/' });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'https://court.example' }]);
  });

  it('covers the partner surface in tRPC’s HTTP format: queries GET with input, mutations POST with a body', () => {
    for (const path of ['party.get', 'report.verify', 'consent.list', 'exchange.changes'])
      expect(op(doc, `/trpc/${path}`, 'get')?.parameters?.[0]?.name, path).toBe('input');
    for (const path of ['party.lookup', 'exchange.import'])
      expect(op(doc, `/trpc/${path}`, 'post')?.requestBody, path).toBeDefined();
    expect(op(doc, '/v1/reports/{reportNo}', 'get')?.operationId).toBe('verifyReportPublic');
    expect(op(doc, '/v1/badge/{token}', 'get')?.operationId).toBe('badge');
    expect(doc.webhooks.changeFeedEvent.post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/WebhookPayload',
    });
    // Webhook management, when the router has it.
    const procedures = Object.keys(appRouter._def.procedures as object);
    for (const p of procedures.filter((p) => p.startsWith('webhook.')))
      expect(doc.paths[`/trpc/${p}`], p).toBeDefined();
  });

  it('takes the inputs from the procedures’ own zod parsers', () => {
    const body = op(doc, '/trpc/exchange.import', 'post')?.requestBody?.content['application/json']
      ?.schema as {
      properties: {
        records: { maxItems: number; items: { properties: Record<string, unknown>; required: string[] } };
      };
    };
    expect(body.properties.records.maxItems).toBe(1000);
    expect(Object.keys(body.properties.records.items.properties)).toEqual(
      expect.arrayContaining(['externalId', 'action', 'idType', 'idNumber', 'category', 'effectiveFrom']),
    );
    expect(body.properties.records.items.required).toContain('externalId');
    const feed = op(doc, '/trpc/exchange.changes', 'get')?.parameters?.[0]?.content?.['application/json']
      ?.schema as { properties: { limit: { maximum: number } } };
    expect(feed.properties.limit.maximum).toBe(1000);
  });
});

describe('served', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('GET /openapi.json and the reference page at /docs with its script from this server', async () => {
    const doc = await (await fetch(`${s.url}/openapi.json`)).json();
    expect(doc.paths['/trpc/exchange.import']).toBeDefined();
    const page = await fetch(`${s.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const src = html.match(/<script src="([^"]+)"/)?.[1];
    expect(src).toBe('/docs/scalar.js');
    // Nothing fetched from elsewhere (closed networks): no absolute URL in the page.
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${s.url}${src}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain('createApiReference');
  });

  it('a Python 3 standard-library client using only the document does the bank flow and reads the feed', async () => {
    const partyId = await s.registerPerson(4242, '章某某');
    const party = s.client((await s.as('portal').party.issueSession.mutate({ partyId })).token);
    await party.consent.grant.mutate({
      grantee: 'Test Bank',
      scopes: ['code', 'report'],
      until: `${new Date().getUTCFullYear() + 1}-12-31`,
    });
    const report = await s.as('judge').report.issue.mutate({ partyId });
    await s.as('exchange').exchange.import.mutate({
      records: [
        {
          externalId: 'NB-openapi-1',
          kind: 'person',
          idType: 'RESIDENT_ID',
          idNumber: residentId(4242),
          name: '章某某',
          category: 'Y14',
          effectiveFrom: new Date().toISOString().slice(0, 10),
        },
      ],
    });
    const { stdout } = await run('python3', [PYTHON_CLIENT], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        FIVECOLOR_URL: s.url,
        BANK_KEY: s.keys.bank,
        EXCHANGE_KEY: s.keys.exchange,
        REPORT_NO: report.reportNo,
        REPORT_CODE: report.code,
      },
      timeout: 60_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(out).toMatchObject({
      partyId,
      name: '章**',
      color: 'yellow',
      reportValid: true,
      publicReportValid: true,
      colorNow: 'yellow',
      feedSources: ['exchange test'],
    });
    expect(out.feedTypes).toEqual(expect.arrayContaining(['record.created', 'color.changed']));
  });
});
