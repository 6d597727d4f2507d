import { inArray } from 'drizzle-orm';
import { changes, type webhookOutbox } from '../db/schema.js';
import type { Deps } from '../services/deps.js';
import { type FeedItem, type FeedType, type FeedViewer, feedItems } from '../services/feed-service.js';

/** The body of a webhook delivery (Standard Webhooks): the change-feed item as the webhook's owner sees it. */
export interface WebhookPayload {
  type: FeedType;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  data: FeedItem;
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
    out.set(
      row.id,
      item && (types.length === 0 || types.includes(item.type))
        ? { type: item.type, timestamp: item.at, data: item }
        : null,
    );
  }
  return out;
}
