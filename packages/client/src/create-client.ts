import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from './app-router.gen.js';
import { type ChangeItemOf, type ChangesOptions, type ChangeType, followChanges } from './changes.js';
import { classifyingFetch, type FetchLike, globalFetch } from './http-fetch.js';
import { resilienceLink } from './resilience-link.js';
import type { RetryOptions } from './retry-policy.js';
import type { RouterInputs, RouterOutputs } from './router-types.js';

export interface ClientOptions {
  /** The API's base URL (`https://court.example`); `/trpc` is appended unless the URL already ends with it. */
  url: string;
  /**
   * An API key (`fck_…`) or a party session token, sent as `Authorization: Bearer …`. It replaces an
   * `Authorization` header of `headers` (names compare case-insensitively): one goes out.
   */
  apiKey?: string | undefined;
  /** A fetch implementation (default: the global `fetch`). */
  fetch?: FetchLike | undefined;
  /** Extra request headers, or a function returning them per request. */
  headers?:
    | Record<string, string>
    | (() => Record<string, string> | Promise<Record<string, string>>)
    | undefined;
  /** Deadline of one call in ms, retries included (default: none). */
  timeoutMs?: number | undefined;
  /** Retry policy for transient failures, or `false` (default: 3 retries, 200 ms doubling, 5 s cap). */
  retry?: RetryOptions | false | undefined;
  /** Calls made in the same tick share one HTTP request (default true). */
  batch?: boolean | undefined;
}

type HttpLinkFetch = NonNullable<Parameters<typeof httpBatchLink>[0]['fetch']>;
type RecordItem = RouterOutputs['record']['list'][number];
type AuditItem = RouterOutputs['audit']['list']['items'][number];

/** Iterators over the list procedures, for `for await`. */
export interface ClientHelpers {
  /** Every record of a party (revoked ones included), oldest first. */
  records(partyId: string, opts?: { signal?: AbortSignal }): AsyncIterable<RecordItem>;
  /** The audit trail, newest first, fetched `pageSize` rows at a time (admin: all; party: its own). */
  auditLog(
    opts?: Omit<Extract<RouterInputs['audit']['list'], object>, 'limit' | 'before'> & {
      pageSize?: number;
      signal?: AbortSignal;
    },
  ): AsyncIterable<AuditItem>;
  /**
   * Follows the change feed (`exchange.changes`, an exchange or bank key): every item after `cursor`,
   * then polls with a growing delay once caught up, until `signal` aborts (or, with `follow: false`, the end).
   */
  changes<T extends ChangeType = ChangeType>(opts?: ChangesOptions<T>): AsyncIterable<ChangeItemOf<T>>;
}

/** The typed client: every procedure as `client.<router>.<procedure>.query|mutate(input, { signal })`, plus helpers. */
export type FivecolorClient = TRPCClient<AppRouter> & ClientHelpers;

/**
 * A typed client of the Five-Color Code API (tRPC, no transformer, batched requests). Transient
 * failures (network, 502/503/504) are retried with back-off: queries always, mutations only with an
 * `idempotencyKey`, which the client adds to every mutation that accepts one. Failures throw
 * {@link FivecolorError}.
 *
 * @example
 * const client = createClient({ url: 'https://court.example', apiKey: process.env.FIVECOLOR_KEY });
 * const { partyId } = await client.party.register.mutate({ kind: 'person', idType: 'RESIDENT_ID', idNumber: '11010519491231002X', name: '章某某' });
 * for await (const record of client.records(partyId)) console.log(record.category, record.color);
 */
/** Calls in one HTTP request at most: the reference server's default batch limit. */
export const MAX_BATCH = 25;

export function createClient(opts: ClientOptions): FivecolorClient {
  const base = opts.url.replace(/\/+$/, '');
  const url = base.endsWith('/trpc') ? base : `${base}/trpc`;
  const headers = async () => {
    const own = (typeof opts.headers === 'function' ? await opts.headers() : opts.headers) ?? {};
    if (!opts.apiKey) return own;
    // One Authorization goes out: the apiKey's replaces the caller's, in any casing.
    const kept = Object.entries(own).filter(([name]) => name.toLowerCase() !== 'authorization');
    return { ...Object.fromEntries(kept), Authorization: `Bearer ${opts.apiKey}` };
  };
  // tRPC's FetchEsque differs from the DOM's fetch only in optional-property spelling.
  const fetch = classifyingFetch(opts.fetch ?? globalFetch) as HttpLinkFetch;
  // The court's server refuses a batch of more than 25 calls (FIVECOLOR_MAX_BATCH): split larger ones.
  const http = httpBatchLink({ url, headers, fetch, maxItems: opts.batch === false ? 1 : MAX_BATCH });
  const trpc = createTRPCClient<AppRouter>({
    links: [resilienceLink({ retry: opts.retry, timeoutMs: opts.timeoutMs }), http],
  });

  const helpers: ClientHelpers = {
    changes: (o) => followChanges(trpc, o),
    async *records(partyId, o = {}) {
      yield* await trpc.record.list.query({ partyId }, o.signal ? { signal: o.signal } : {});
    },
    async *auditLog(o = {}) {
      const { pageSize = 100, signal, ...filter } = o;
      let before: number | undefined;
      do {
        const page = await trpc.audit.list.query(
          { ...filter, limit: pageSize, ...(before !== undefined ? { before } : {}) },
          signal ? { signal } : {},
        );
        yield* page.items;
        before = page.nextBefore ?? undefined;
      } while (before !== undefined);
    },
  };
  return new Proxy(trpc, {
    get(target, key, receiver) {
      return Object.hasOwn(helpers, key)
        ? helpers[key as keyof ClientHelpers]
        : Reflect.get(target, key, receiver);
    },
  }) as FivecolorClient;
}
