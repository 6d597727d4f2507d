import type { BadgeData } from '@fivecolor/core';
import { COLORS } from '@fivecolor/core/wire';
import { codeOfStatus, FivecolorError } from './fivecolor-error.js';
import {
  classifyingFetch,
  type FetchLike,
  globalFetch,
  HttpStatusError,
  NetworkError,
} from './http-fetch.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  deadlineSignal,
  isGatewayStatus,
  type RetryOptions,
  sleep,
} from './retry-policy.js';
import { toFivecolorError } from './to-fivecolor-error.js';

export interface FetchBadgeOptions {
  lang?: 'zh-CN' | 'en' | undefined;
  fetch?: FetchLike | undefined;
  signal?: AbortSignal | undefined;
  /** Deadline in ms, retries included. */
  timeoutMs?: number | undefined;
  retry?: RetryOptions | false | undefined;
  /** Where ETags and bodies are kept for revalidation (default: a shared in-memory cache of 200 badges); `false`: none. */
  cache?: Map<string, { etag: string; data: BadgeData }> | false | undefined;
}

const sharedCache = new Map<string, { etag: string; data: BadgeData }>();
const SHARED_MAX = 200;
const ROUTE = '/v1/badge/:token';

function assertBadge(v: unknown): asserts v is BadgeData {
  const b = v as Partial<BadgeData> | null;
  if (
    !b ||
    typeof b !== 'object' ||
    !(COLORS as readonly string[]).includes(String(b.color)) ||
    typeof b.label !== 'string'
  ) {
    throw new FivecolorError(`${ROUTE}: the response is not a badge`, {
      code: 'INTERNAL_SERVER_ERROR',
      httpStatus: 200,
      path: ROUTE,
    });
  }
}

/**
 * Fetches the public badge of a badge token (no key needed). Revalidates with the ETag it saw last
 * (`If-None-Match`; a `304` returns the kept badge), retries network failures and 502/503/504 with
 * back-off, and throws {@link FivecolorError} (`NOT_FOUND` for an unknown or revoked token).
 *
 * @example
 * const badge = await fetchBadge('https://court.example', 'bdg_…', { lang: 'en' });
 * badge.color; // 'green'
 * badge.label; // 'Green code'
 */
export async function fetchBadge(
  apiBase: string,
  token: string,
  opts: FetchBadgeOptions = {},
): Promise<BadgeData> {
  const url = `${apiBase.replace(/\/+$/, '')}/v1/badge/${encodeURIComponent(token)}${opts.lang === 'en' ? '?lang=en' : ''}`;
  const cache = opts.cache === false ? null : (opts.cache ?? sharedCache);
  const fetch = classifyingFetch(opts.fetch ?? globalFetch);
  const retry = opts.retry === false ? { retries: 0 } : { ...DEFAULT_RETRY, ...opts.retry };
  const retries = retry.retries ?? DEFAULT_RETRY.retries;
  const deadline = deadlineSignal(opts.signal, opts.timeoutMs);
  try {
    for (let n = 0; ; n++) {
      try {
        const kept = cache?.get(url);
        const res = await fetch(url, {
          headers: kept ? { 'If-None-Match': kept.etag } : {},
          signal: deadline.signal,
        });
        if (res.status === 304 && kept) return kept.data;
        if (res.status === 404) {
          cache?.delete(url);
          throw new FivecolorError('token: unknown or revoked badge token', {
            code: 'NOT_FOUND',
            httpStatus: 404,
            path: ROUTE,
          });
        }
        if (!res.ok) {
          // The API's own refusal (429 with when to retry, 400) is told as the API words it.
          const said = isGatewayStatus(res.status) ? undefined : await apiError(res);
          if (said)
            throw new FivecolorError(`${ROUTE}: ${said}`, {
              code: codeOfStatus(res.status),
              httpStatus: res.status,
              path: ROUTE,
            });
          throw new HttpStatusError(res.status, url);
        }
        const data: unknown = await res.json();
        assertBadge(data);
        const etag = res.headers.get('etag');
        if (cache && etag) {
          cache.delete(url);
          cache.set(url, { etag, data });
          if (cache === sharedCache && cache.size > SHARED_MAX)
            cache.delete(cache.keys().next().value as string);
        }
        return data;
      } catch (err) {
        const transient =
          err instanceof HttpStatusError ? isGatewayStatus(err.status) : err instanceof NetworkError;
        if (deadline.signal.aborted || !transient || n >= retries) throw err;
        await sleep(backoffDelay(n, retry), deadline.signal);
      }
    }
  } catch (err) {
    if (err instanceof FivecolorError) throw err;
    if (err instanceof HttpStatusError && !deadline.signal.aborted) {
      // Named by its route, without the error that names the URL: the token is a capability, kept out
      // of messages and logs.
      throw new FivecolorError(
        `${ROUTE}: HTTP ${err.status} from ${new URL(url).origin} (not a Five-Color API response)`,
        { code: codeOfStatus(err.status), httpStatus: err.status, path: ROUTE },
      );
    }
    throw toFivecolorError(err, ROUTE, deadline.signal);
  } finally {
    deadline.dispose();
  }
}

/** The `error` of a JSON answer of the API, if it is one. */
async function apiError(res: Response): Promise<string | undefined> {
  if (!res.headers.get('content-type')?.includes('application/json')) return undefined;
  const body: unknown = await res.json().catch(() => undefined);
  const error = (body as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? error : undefined;
}
