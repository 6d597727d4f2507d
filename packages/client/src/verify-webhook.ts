import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { ChangeItemOf, ChangeType } from './changes.js';

/**
 * A webhook delivery's body: the change-feed item (`data`) as the webhook's owner sees it. A union by
 * `type` (`data.type`): narrowing on `event.type` narrows `data` to what that type always carries.
 */
export type WebhookEvent = { [T in ChangeType]: WebhookEventOf<T> }[ChangeType];

/** A webhook delivery's body of one event type. */
export interface WebhookEventOf<T extends ChangeType> {
  /** The public event type (`record.created`, `color.changed`, …), as `data.type`. */
  type: T;
  /** When the event happened (ISO 8601), as `data.at`. */
  timestamp: string;
  data: Omit<ChangeItemOf<T>, 'cursor'>;
}

/** Why a delivery was refused: a header missing, a bad or old signature, a body that is not an event. */
export class FivecolorWebhookError extends Error {
  override name = 'FivecolorWebhookError';
}

type HeaderBag =
  | Headers
  | Record<string, string | readonly string[] | undefined>
  | Iterable<readonly [string, string]>;

/** The three Standard Webhooks headers, from a fetch `Headers`, a Node `IncomingHttpHeaders` or a plain object. */
function standardHeaders(headers: HeaderBag): Record<string, string> {
  const out: Record<string, string> = {};
  const entries =
    typeof (headers as Headers).get === 'function' || Symbol.iterator in (headers as object)
      ? [...(headers as Iterable<readonly [string, string]>)]
      : Object.entries(headers as Record<string, string | readonly string[] | undefined>);
  for (const [k, v] of entries) {
    const name = k.toLowerCase();
    if (name === 'webhook-id' || name === 'webhook-timestamp' || name === 'webhook-signature')
      out[name] = Array.isArray(v) ? v.join(' ') : String(v ?? '');
  }
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'])
    if (!out[name])
      throw new FivecolorWebhookError(`${name}: header missing (not a Five-Color Code webhook delivery?)`);
  return out;
}

/**
 * Verifies a webhook delivery (Standard Webhooks, with the `standardwebhooks` package): the signature
 * over `<webhook-id>.<webhook-timestamp>.<body>` with the webhook's `whsec_…` secret, and a timestamp
 * within 5 minutes of now. Pass the body exactly as received (the raw text, not re-serialized JSON).
 * Returns the typed event; throws {@link FivecolorWebhookError} saying what was wrong. Keep each
 * `webhook-id` you processed: a delivery may come more than once (at least once).
 *
 * @example
 * // Hono: the raw body, the request's headers, the secret shown by webhook.create
 * app.post('/fivecolor', async (c) => {
 *   const event = verifyWebhook(await c.req.text(), c.req.raw.headers, process.env.FIVECOLOR_WEBHOOK_SECRET!);
 *   if (event.type === 'color.changed') console.log(event.data.partyId, event.data.color.to);
 *   return c.body(null, 204);
 * });
 */
export function verifyWebhook(body: string | Uint8Array, headers: HeaderBag, secret: string): WebhookEvent {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  let signer: Webhook;
  try {
    signer = new Webhook(secret);
  } catch {
    throw new FivecolorWebhookError('secret: must be the whsec_… secret webhook.create returned');
  }
  let event: unknown;
  try {
    event = signer.verify(text, standardHeaders(headers));
  } catch (err) {
    if (err instanceof FivecolorWebhookError) throw err;
    const why = err instanceof WebhookVerificationError ? err.message : 'the body is not JSON';
    throw new FivecolorWebhookError(`webhook-signature: ${why}`);
  }
  const e = event as Partial<WebhookEvent> | null;
  if (!e || typeof e.type !== 'string' || typeof e.timestamp !== 'string' || typeof e.data !== 'object')
    throw new FivecolorWebhookError('body: signed, but not a webhook event { type, timestamp, data }');
  return e as WebhookEvent;
}
