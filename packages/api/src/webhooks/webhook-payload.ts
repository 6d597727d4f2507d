import { inArray } from 'drizzle-orm';
import { changes, type webhookOutbox } from '../db/schema.js';
import type { Deps } from '../services/deps.js';
import {
  type FeedItem,
  type FeedItemOf,
  type FeedType,
  type FeedViewer,
  feedItems,
} from '../services/feed-service.js';

/**
 * The body of a webhook delivery (Standard Webhooks): the change-feed item as the webhook's owner sees
 * it. A union by `type` (the item's type): narrowing on `payload.type` narrows `data` alike.
 */
export type WebhookPayload = { [T in FeedType]: WebhookPayloadOf<T> }[FeedType];

/** The body of a delivery of one type. */
export interface WebhookPayloadOf<T extends FeedType> {
  type: T;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  data: FeedItemOf<T>;
}

/** The payload of an item: its type, its time and the item (`type` is `data.type`: one member of the union). */
function payloadOf(item: FeedItem): WebhookPayload {
  return { type: item.type, timestamp: item.at, data: item } as WebhookPayload;
}

type OutboxRow = typeof webhookOutbox.$inferSelect;

/**
 * The payloads of claimed deliveries of one webhook, by outbox id: the change-feed items of their
 * changes for `viewer` (`feedItems`, the one projection the feed also uses), or null where the viewer
 * may no longer see the event (a bank whose consent ended) or its public type is not among `types`.
 */
export async function webhookPayloads(
  deps: Deps,
  viewer: FeedViewer,
  types: readonly string[],
  rows: readonly OutboxRow[],
): Promise<Map<number, WebhookPayload | null>> {
  const seqs = [...new Set(rows.map((r) => r.seq))];
  const changeRows =
    seqs.length === 0
      ? []
      : await deps.db.db.select().from(changes).where(inArray(changes.seq, seqs)).orderBy(changes.seq);
  const items = new Map((await feedItems(deps, changeRows, viewer)).map((i) => [i.seq, i]));
  const out = new Map<number, WebhookPayload | null>();
  for (const row of rows) {
    const item = items.get(row.seq);
    out.set(row.id, item && (types.length === 0 || types.includes(item.type)) ? payloadOf(item) : null);
  }
  return out;
}
