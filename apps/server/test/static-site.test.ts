import { gzipSync } from 'node:zlib';
import { createApiKey, createLogger } from '@fivecolor/api';
import { createTestClient, residentId } from '@fivecolor/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { type OpenedServer, openServer } from '../src/server.js';
import { freshEnv } from './helpers.js';

describe('what the court serves to browsers', () => {
  let server: OpenedServer;
  let drop: () => Promise<void>;
  let token: string;
  let report: { reportNo: string; code: string };

  beforeAll(async () => {
    const fresh = await freshEnv('pglite');
    drop = fresh.drop;
    server = await openServer(readConfig({ ...fresh.env, PORT: '0' }), {
      logger: createLogger({ level: 'silent' }),
    });
    const judge = createTestClient(
      server.app,
      (await createApiKey(server.db, server.secret, { role: 'judge', name: 'j', court: '浙02' })).key,
    );
    const { partyId } = await judge.party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: residentId(4242),
      name: '章某某',
    });
    token = (await judge.party.issueBadgeToken.mutate({ partyId })).token;
    report = await judge.report.issue.mutate({ partyId });
  });
  afterAll(async () => {
    await server?.close();
    await server?.db.close();
    await drop?.();
  });

  it.each(['fivecolor-elements.js', 'fivecolor-badge.js', 'fivecolor-client.js'])(
    'serves /assets/%s to any origin, with an ETag that answers 304',
    async (name) => {
      const res = await server.app.request(`/assets/${name}`, {
        headers: { Origin: 'https://bank.example' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/javascript');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      const body = await res.text();
      expect(body).toContain(name === 'fivecolor-client.js' ? 'verifyReport' : 'fivecolor-badge');
      const etag = res.headers.get('etag') as string;
      expect(etag).toMatch(/^"[\w-]{27}"$/);
      const again = await server.app.request(`/assets/${name}`, { headers: { 'If-None-Match': etag } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
    },
  );

  it('serves the badge-only bundle smaller than the all-in-one bundle', async () => {
    const size = async (name: string) =>
      gzipSync(Buffer.from(await (await server.app.request(`/assets/${name}`)).arrayBuffer())).length;
    expect(await size('fivecolor-badge.js')).toBeLessThan(await size('fivecolor-elements.js'));
  });

  it("serves the court's badge page in Chinese or English, with a favicon and no self-link", async () => {
    const zh = await server.app.request(`http://court.example/badge/${token}`);
    expect(zh.status).toBe(200);
    const zhHtml = await zh.text();
    expect(zhHtml).toContain('<html lang="zh-CN">');
    expect(zhHtml).toContain(
      `<fivecolor-badge token="${token}" api="http://court.example" lang="zh-CN" verify-link="none">`,
    );
    expect(zhHtml).toContain('<link rel="icon" href="/assets/favicon.svg"');
    const en = await (await server.app.request(`http://court.example/badge/${token}?lang=en`)).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('lang="en" verify-link="none"');
    expect(en).toContain('Integrity-litigation code check');
    expect((await server.app.request('/assets/favicon.svg')).headers.get('content-type')).toBe(
      'image/svg+xml',
    );
  });

  it('answers 404 with a page for an unknown token, quoting none of it', async () => {
    const res = await server.app.request('http://court.example/badge/bdg_%22%3E%3Cscript%3E');
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('没有这个诚信诉讼码');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('bdg_');
  });

  it('renders the report verification page with the report element, in English, times in CST', async () => {
    const url = `http://court.example/v1/reports/${encodeURIComponent(report.reportNo)}?code=${report.code}&lang=en`;
    const res = await server.app.request(url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<script type="module" src="/assets/fivecolor-elements.js"></script>');
    expect(html).toContain(
      `<fivecolor-report lang="en" code="${report.code}"><script type="application/json">`,
    );
    expect(html).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(China Standard Time\)/);
    const json = html.match(/<script type="application\/json">(.*?)<\/script>/s)?.[1] as string;
    // What a reader sees (everything but the JSON handed to the element) has no raw UTC instant.
    expect(html.replace(json, '')).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    expect(JSON.parse(json)).toMatchObject({ valid: true, report: { reportNo: report.reportNo } });
    const zh = await (
      await server.app.request(url.replace('&lang=en', ''), { headers: { accept: 'text/html' } })
    ).text();
    expect(zh).toContain('报告有效');
    expect(zh).toContain('（北京时间）');
  });
});
