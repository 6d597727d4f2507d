import type { TRPCClient } from '@trpc/client';
import type { AppRouter } from './app-router.gen.js';
import type { RouterInputs, RouterOutputs } from './router-types.js';

/**
 * One change-feed item, with the `cursor` that resumes right after it: a union by `type`, so that
 * narrowing on `type` gives what that type always carries (the fields of other types are absent).
 *
 * @example
 * if (item.type === 'color.changed') console.log(item.color.from, '→', item.color.to);
 * else if (item.type === 'record.revoked') console.log(item.record.recordId, item.reason);
 */
export type ChangeItem = RouterOutputs['exchange']['changes']['items'][number];
/** A public event type of the change feed (`record.created`, `color.changed`, …). */
export type ChangeType = NonNullable<Extract<RouterInputs['exchange']['changes'], object>['types']>[number];
/** The change-feed item of one type, or of some (`ChangeItemOf<'objection.filed' | 'objection.resolved'>`). */
export type ChangeItemOf<T extends ChangeType> = Extract<ChangeItem, { type: T }>;

export interface ChangesOptions<T extends ChangeType = ChangeType> {
  /** Resume after this cursor (an item's `cursor` or a page's `nextCursor` you kept); omit to start at the beginning. */
  cursor?: string | undefined;
  /** Only these event types (default: every type the key may see); the items are typed accordingly. */
  types?: readonly T[] | undefined;
  /** Items asked for per request, 1..1000 (default 500). */
  pageSize?: number | undefined;
  /**
   * Keep polling once caught up (default true). `false`: end when the feed has nothing more, e.g. for a
   * nightly batch.
   */
  follow?: boolean | undefined;
  /** The first wait once caught up, in ms (default 1000); it doubles while nothing comes, up to `maxDelayMs`. */
  minDelayMs?: number | undefined;
  /** The longest wait between two polls of a quiet feed, in ms (default 30000). */
  maxDelayMs?: number | undefined;
  /** Stops the iteration: the request under way is cancelled and the loop ends without an error. */
  signal?: AbortSignal | undefined;
  /** Called with the cursor after each page (also when it brought nothing), e.g. to persist progress. */
  onCursor?: ((cursor: string) => void | Promise<void>) | undefined;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Follows the change feed (`exchange.changes`): pages through everything after `cursor`, yields each
 * item in `seq` order, and once caught up polls again after a delay that grows from `minDelayMs` to
 * `maxDelayMs` while the feed is quiet (and starts over when items come). Keep the `cursor` of the last
 * item you processed to resume exactly there after a restart. Transient failures are retried by the
 * client; other failures (a cursor the server never issued: `BAD_REQUEST`) throw.
 *
 * @example
 * const fc = createClient({ url: 'https://court.example', apiKey: process.env.FIVECOLOR_KEY });
 * const stop = new AbortController();
 * for await (const change of fc.changes({ cursor: await load(), types: ['color.changed'], signal: stop.signal })) {
 *   await apply(change.partyId, change.color.to); // only color changes: `change.color` is there
 *   await save(change.cursor);
 * }
 */
export async function* followChanges<T extends ChangeType = ChangeType>(
  trpc: TRPCClient<AppRouter>,
  opts: ChangesOptions<T> = {},
): AsyncGenerator<ChangeItemOf<T>, void, undefined> {
  const { signal, follow = true, minDelayMs = 1000, maxDelayMs = 30_000, pageSize = 500 } = opts;
  let cursor = opts.cursor;
  let delay = minDelayMs;
  while (!signal?.aborted) {
    let page: RouterOutputs['exchange']['changes'];
    try {
      page = await trpc.exchange.changes.query(
        {
          limit: pageSize,
          ...(cursor !== undefined ? { cursor } : {}),
          ...(opts.types ? { types: [...opts.types] } : {}),
        },
        signal ? { signal } : {},
      );
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    // The server sends only the asked-for types.
    for (const item of page.items as ChangeItemOf<T>[]) {
      yield item;
      if (signal?.aborted) return;
    }
    cursor = page.nextCursor;
    await opts.onCursor?.(cursor);
    if (page.hasMore) continue;
    if (!follow) return;
    if (page.items.length > 0) delay = minDelayMs;
    await pause(delay, signal);
    delay = Math.min(delay * 2, maxDelayMs);
  }
}
