import { createApiKey, createLogger, migrate, openDatabase, resolveSecret } from '@fivecolor/api';
import { createTestClient } from '@fivecolor/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import type { DemoData } from '../src/demo.js';
import { type RunningServer, startServer } from '../src/server.js';
import type { ReceivedEvent } from '../src/webhook-receiver.js';
import { freshEnv } from './helpers.js';

/** The demo's receiver, as `pnpm start` runs it (without seeding the stories: only the keys matter here). */
describe('the demo webhook receiver', () => {
  let server: RunningServer;
  let demo: DemoData;

  beforeAll(async () => {
    const { env } = await freshEnv('pglite');
    const config = readConfig({ ...env, PORT: '0', HOST: '127.0.0.1' });
    const db = await openDatabase({ dataDir: config.dataDir });
    await migrate(db);
    const secret = await resolveSecret({ dataDir: config.dataDir });
    const key = async (role: 'exchange' | 'judge' | 'clerk', court?: string) =>
      (await createApiKey(db, secret, { role, name: role, ...(court ? { court } : {}) })).key;
    const keys = {
      exchange: await key('exchange'),
      judge: await key('judge', '浙02'),
      clerk: await key('clerk', '浙02'),
    } as DemoData['keys'];
    await db.close();
    demo = {
      keys,
      stories: [],
      screening: { caseNumber: '', alerts: 0 },
      synthetic: { parties: 0, colors: {} },
    };
    server = await startServer(config, { demo, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is subscribed at start and shows the events of a write, verified, names masked', async () => {
    const list = async (after = 0) =>
      (await (await fetch(`${server.url}/playground/webhook-receiver?after=${after}`)).json()) as {
        subscribed: boolean;
        events: ReceivedEvent[];
      };
    expect((await list()).subscribed).toBe(true);
    const { partyId } = await createTestClient(server.url, demo.keys.clerk).party.register.mutate({
      kind: 'person',
      idType: 'RESIDENT_ID',
      idNumber: '11010519491231002X',
      name: '章某某',
    });
    const written = Date.now();
    await createTestClient(server.url, demo.keys.judge).record.create.mutate({
      partyId,
      category: 'R04',
      court: '浙0212',
      caseNumber: '（2026）浙0212民初9号',
      effectiveFrom: '2026-01-01',
    });
    let events: ReceivedEvent[] = [];
    while (events.length < 2 && Date.now() - written < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
      events = (await list()).events;
    }
    expect(events.map((e) => [e.type, e.verified])).toEqual([
      ['record.created', true],
      ['color.changed', true],
    ]);
    expect(events[1]).toMatchObject({
      party: { kind: 'person', name: '章**' },
      color: { from: 'green', to: 'red' },
    });
    // Nothing of the identity in clear on the page's feed.
    expect(JSON.stringify(events)).not.toMatch(/章某某|11010519491231002X/);
    expect((await list(events[0]?.n)).events.map((e) => e.n)).toEqual([events[1]?.n]);
    // The receiver shows an event when it arrives; the dispatcher counts it once the reply is written back.
    const delivered = (text: string) =>
      Number(text.match(/^fivecolor_webhook_deliveries_total\{outcome="delivered"\} (\d+)$/m)?.[1] ?? 0);
    let metrics = '';
    do {
      metrics = await (await fetch(`${server.url}/metrics`)).text();
      if (delivered(metrics) >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    } while (Date.now() - written < 10_000);
    expect(delivered(metrics)).toBe(2);
    expect(metrics).toMatch(/^fivecolor_webhook_delivery_duration_seconds_count 2$/m);
    expect(metrics).toMatch(/^fivecolor_webhook_queue_depth 0$/m);
  });

  it('refuses a delivery whose signature does not match, and shows it as refused', async () => {
    const res = await fetch(`${server.url}/playground/webhook-receiver`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
      body: '{"type":"color.changed","timestamp":"2026-01-01T00:00:00.000Z","data":{}}',
    });
    expect(res.status).toBe(400);
    const { events } = (await (await fetch(`${server.url}/playground/webhook-receiver`)).json()) as {
      events: ReceivedEvent[];
    };
    expect(events.at(-1)).toMatchObject({
      webhookId: 'msg_forged',
      verified: false,
      error: 'webhook-signature: No matching signature found',
    });
  });
});
