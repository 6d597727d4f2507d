import { FivecolorWebhookError, verifyWebhook } from '@fivecolor/client';
import { maskName } from '@fivecolor/core';
import type { Hono } from 'hono';
import { demoClient } from './demo.js';

/** The path of the demo receiver: `POST` takes deliveries, `GET` lists what arrived (newest last). */
export const RECEIVER_PATH = '/playground/webhook-receiver';
const DESCRIPTION = 'demo receiver (pnpm start)';
const KEPT = 50;

/** What the partner page shows of one delivery: no identity number, the name masked. */
export interface ReceivedEvent {
  n: number;
  receivedAt: string;
  webhookId: string;
  verified: boolean;
  error?: string;
  type?: string;
  seq?: number;
  at?: string;
  /** Milliseconds from the event (its commit) to its arrival here. */
  lagMs?: number;
  party?: { kind: string; name: string };
  color?: { from: string | null; to: string };
  category?: string;
}

export interface DemoReceiver {
  /** Subscribes the receiver at `baseUrl` with the demo's exchange key (replacing an earlier demo subscription). */
  subscribe(baseUrl: string): Promise<void>;
}

/**
 * The demo's webhook receiver, as a partner would run one: `POST /playground/webhook-receiver`
 * verifies each delivery's Standard Webhooks signature with `verifyWebhook` and keeps the last 50
 * events in memory; `GET` lists them for `partner.html` (`?after=<n>` for the newer ones only). The
 * receiver is subscribed, with the demo's exchange key, once the server listens (its URL has the port).
 */
export function mountDemoReceiver(app: Hono, exchangeKey: string): DemoReceiver {
  let secret: string | null = null;
  let n = 0;
  const events: ReceivedEvent[] = [];
  app.post(RECEIVER_PATH, async (c) => {
    const body = await c.req.text();
    const base: ReceivedEvent = {
      n: ++n,
      receivedAt: new Date().toISOString(),
      webhookId: c.req.header('webhook-id') ?? '',
      verified: false,
    };
    let event: ReceivedEvent;
    try {
      if (!secret) throw new FivecolorWebhookError('secret: the receiver is not subscribed yet');
      const e = verifyWebhook(body, c.req.raw.headers, secret);
      const d = e.data;
      event = {
        ...base,
        verified: true,
        type: e.type,
        seq: d.seq,
        at: d.at,
        lagMs: Date.now() - Date.parse(d.at),
        party: { kind: d.party.kind, name: maskName(d.party.name, d.party.kind) },
        ...(d.color ? { color: { from: d.color.from, to: d.color.to } } : {}),
        ...(d.record ? { category: d.record.category } : {}),
      };
    } catch (err) {
      if (!(err instanceof FivecolorWebhookError)) throw err;
      event = { ...base, error: err.message };
    }
    events.push(event);
    if (events.length > KEPT) events.splice(0, events.length - KEPT);
    return event.verified ? c.body(null, 204) : c.json({ error: event.error }, 400);
  });
  app.get(RECEIVER_PATH, (c) => {
    const after = Number(c.req.query('after') ?? 0);
    c.header('Cache-Control', 'no-store');
    return c.json({ subscribed: secret !== null, events: events.filter((e) => e.n > after) });
  });
  return {
    async subscribe(baseUrl) {
      const exchange = demoClient(app, exchangeKey);
      for (const w of await exchange.webhook.list.query())
        if (w.description === DESCRIPTION) await exchange.webhook.delete.mutate({ id: w.id });
      const created = await exchange.webhook.create.mutate({
        url: `${baseUrl}${RECEIVER_PATH}`,
        description: DESCRIPTION,
      });
      secret = 'secret' in created ? created.secret : null;
    },
  };
}
