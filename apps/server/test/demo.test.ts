import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, schema } from '@fivecolor/api';
import { createTestClient } from '@fivecolor/api/testing';
import { classify } from '@fivecolor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { type DemoData, seedDemo } from '../src/demo.js';
import { type OpenedServer, openServer } from '../src/server.js';
import { databases, freshEnv } from './helpers.js';

describe.each(databases)('the demo on %s', (kind) => {
  let server: OpenedServer;
  let demo: DemoData;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshEnv(kind);
    drop = fresh.drop;
    const config = readConfig({ ...fresh.env, PORT: '0' });
    server = await openServer(config, { logger: createLogger({ level: 'silent' }) });
    demo = await seedDemo({
      ...server,
      dataDir: mkdtempSync(join(tmpdir(), 'fivecolor-demo-')),
      parties: 400,
      persist: false,
    });
  });
  afterAll(async () => {
    await server?.close();
    await server?.db.close();
    await drop?.();
  });

  it('tells the four seed stories through the public badge route', async () => {
    expect(demo.stories.map((s) => s.color)).toEqual(['red', 'yellow', 'blue', 'gold']);
    for (const story of demo.stories) {
      const res = await server.app.request(`/v1/badge/${story.badgeToken}`);
      expect(res.status).toBe(200);
      const badge = (await res.json()) as { color: string; name: string };
      expect(badge.color).toBe(story.color);
    }
    const red = (await (
      await server.app.request(`/v1/badge/${demo.stories[0]!.badgeToken}`)
    ).json()) as Record<string, string>;
    expect(red.name).toBe('章**');
    expect(red.until).toBe(`${Number(red.since!.slice(0, 4)) + 5}${red.since!.slice(4)}`);
    expect(demo.screening.alerts).toBe(1);
  });

  it("lets the demo's bank read the lender, who consented to it", async () => {
    const bank = createTestClient(server.app, demo.keys.bank);
    const lender = demo.stories[1]!;
    const consents = await bank.consent.list.query({});
    expect(consents.map((c) => c.partyId)).toEqual([lender.partyId]);
    const party = await bank.party.get.query({ partyId: lender.partyId });
    expect(party.classification.color).toBe('yellow');
    const verified = await bank.report.verify.query(lender.report);
    expect(verified.valid).toBe(true);
  });

  it('stores every synthetic party in the state classify gives for its records', async () => {
    const judge = createTestClient(server.app, demo.keys.judge);
    const stats = await judge.stats.summary.query();
    expect(stats.parties).toBe(404);
    expect(Object.values(stats.byColor).reduce((a, b) => a + b, 0)).toBe(404);
    for (const color of ['green', 'red', 'yellow', 'blue', 'gold'])
      expect(stats.byColor[color]).toBeGreaterThan(0);

    const rows = await server.db.db
      .select({ id: schema.partyState.partyId })
      .from(schema.partyState)
      .orderBy(schema.partyState.partyId)
      .limit(60);
    const ids = rows.map((r) => r.id);
    expect(ids).toHaveLength(60);
    for (const partyId of ids) {
      const p = await judge.party.get.query({ partyId });
      const expected = classify(
        p.records.map((r) => ({
          id: r.recordId,
          category: r.category,
          effectiveFrom: r.effectiveFrom,
          effectiveUntil: r.effectiveUntil,
          revoked: r.revoked,
          ...(r.repairs.length ? { repairs: r.repairs } : {}),
        })),
        { asOf: p.classification.asOf },
      );
      expect(p.classification).toMatchObject({
        color: expected.color,
        since: expected.since,
        until: expected.until,
      });
      expect([...p.classification.basis].sort()).toEqual([...expected.basis].sort());
    }
  });

  it('serves the console and the playground with the elements bundle beside them', async () => {
    for (const path of ['/console/', '/playground/', '/playground/bank.html']) {
      const res = await server.app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
    const bundle = await server.app.request('/playground/fivecolor-elements.js');
    expect(bundle.headers.get('content-type')).toContain('text/javascript');
    expect(await bundle.text()).toContain('fivecolor-badge');
    expect((await server.app.request('/playground/package.json')).status).toBe(404);
    expect((await server.app.request('/console/../server/package.json')).status).toBe(404);
  });
});
