import { createHash, randomUUID } from 'node:crypto';
import { addDuration, type BadgeData, colorLabel, toCstDate } from '@fivecolor/core';
import DataLoader from 'dataloader';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { badgeTokenHash, isBadgeToken } from '../auth/badge-tokens.js';
import { isDatabaseUnavailable } from '../db/database.js';
import { badgeTokens, parties, partyState } from '../db/schema.js';
import type { Deps } from '../services/deps.js';
import { fiveYearsBefore, shownObjection } from '../services/retention.js';
import { cstMidnight, freshPartyState, today } from '../state/party-state.js';
import type { BadgeCache, BadgeEntry } from './badge-cache.js';
import type { BadgeIndex, IndexedBadge } from './badge-index.js';
import { clientAddress } from './client-address.js';
import { errorFields } from './logger.js';
import type { RateLimiter } from './rate-limit.js';

/** What became of the badge requests the response cache did not answer (for /metrics). */
export interface BadgeCounts {
  /** Answered from the badge index, without the database. */
  indexAnswers: number;
  /** Tokens looked up in the database (a batch of them is one query). */
  databaseLookups: number;
}

export const newBadgeCounts = (): BadgeCounts => ({ indexAnswers: 0, databaseLookups: 0 });

/**
 * Token → party and its stored state, for many tokens in one prepared query; `generation` names it
 * afresh (see `badgeLoader`).
 */
function prepareLookup(deps: Deps, generation = 0) {
  return deps.db.db
    .select({
      tokenHash: badgeTokens.tokenHash,
      partyId: parties.id,
      kind: parties.kind,
      nameMasked: parties.nameMasked,
      color: partyState.color,
      since: partyState.since,
      until: partyState.until,
      policyId: partyState.policyId,
      // A record of the party under objection (异议审查中): the badge says so (domain §8).
      objection: sql<boolean>`exists (select 1 from objections o where o.party_id = ${parties.id}
        and ${shownObjection(deps.policy, sql.placeholder('cutoff'))})`,
    })
    .from(badgeTokens)
    .innerJoin(parties, eq(parties.id, badgeTokens.partyId))
    .innerJoin(partyState, eq(partyState.partyId, badgeTokens.partyId))
    .where(
      and(
        sql`${badgeTokens.tokenHash} = any(${sql.placeholder('tokenHashes')})`,
        isNull(badgeTokens.revokedAt),
      ),
    )
    .prepare(generation === 0 ? 'badge_lookup' : `badge_lookup_${generation}`);
}

/**
 * PostgreSQL refusing a prepared statement whose result columns a migration changed since it was
 * prepared (`cached plan must not change result type`): it refuses it on that connection for good.
 */
function isStalePlan(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (
      (e as { code?: unknown }).code === '0A000' &&
      /cached plan must not change result type/.test(e.message)
    )
      return true;
  }
  return false;
}

type BadgeRow = Awaited<ReturnType<ReturnType<typeof prepareLookup>['execute']>>[number];

/**
 * Cache misses that arrive together (within one turn of the event loop) share one query: under load
 * a database round trip, not the join, is what a miss costs, and this makes it one per batch.
 */
function badgeLoader(deps: Deps, counts: BadgeCounts) {
  let generation = 0;
  let lookup = prepareLookup(deps);
  return new DataLoader<string, BadgeRow | null>(
    async (tokenHashes) => {
      counts.databaseLookups += tokenHashes.length;
      const hashes = [...tokenHashes];
      const cutoff = fiveYearsBefore(today(deps));
      const rows = await lookup.execute({ tokenHashes: hashes, cutoff }).catch((err: unknown) => {
        // Another process migrated the database under this one: the statement, prepared under a new
        // name, is prepared again on every connection.
        if (!isStalePlan(err)) throw err;
        lookup = prepareLookup(deps, ++generation);
        return lookup.execute({ tokenHashes: hashes, cutoff });
      });
      const byHash = new Map(rows.map((r) => [r.tokenHash, r]));
      return tokenHashes.map((h) => byHash.get(h) ?? null);
    },
    { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
  );
}

async function buildEntry(
  deps: Deps,
  loader: DataLoader<string, BadgeRow | null>,
  token: string,
  lang: 'zh-CN' | 'en',
  index: BadgeIndex | null,
): Promise<BadgeEntry | null> {
  const hash = badgeTokenHash(token);
  // What the index held when the lookup began: what the database says is put back only if that still holds.
  const day = toCstDate(deps.now());
  const seen = index ? (index.find(token, day, deps.policy.id) ?? index.epoch) : 0;
  const row = await loader.load(hash);
  if (!row) {
    index?.put(hash, null, seen, day);
    return null;
  }
  const asOf = toCstDate(deps.now());
  let badge: IndexedBadge = row;
  // Time alone can change a color: past its `until` (or under another policy) the state is recomputed.
  if ((row.until !== null && row.until <= asOf) || row.policyId !== deps.policy.id) {
    const fresh = await freshPartyState(deps, row.partyId);
    if (!fresh) return null;
    badge = { ...row, color: fresh.color, since: fresh.since, until: fresh.until, policyId: fresh.policyId };
  }
  index?.put(hash, badge, seen, day);
  return entryOf(deps, badge, token, lang, asOf);
}

let lastDay = { day: '', end: 0 };

/** The CST midnight that ends the day `day` (epoch ms; the last day's is remembered). */
function dayEnd(day: string): number {
  if (day !== lastDay.day) lastDay = { day, end: cstMidnight(addDuration(day, 'P1D')) };
  return lastDay.end;
}

/** The badge response of `badge` as of the day `asOf`. */
function entryOf(
  deps: Deps,
  badge: IndexedBadge,
  token: string,
  lang: 'zh-CN' | 'en',
  asOf: string,
): BadgeEntry {
  const base = deps.publicUrl?.replace(/\/$/, '');
  const data: BadgeData = {
    color: badge.color,
    label: colorLabel(badge.color, lang),
    name: badge.nameMasked,
    kind: badge.kind,
    asOf,
    since: badge.since,
    until: badge.until,
    policyId: badge.policyId,
    ...(badge.objection ? { underObjection: true } : {}),
    ...(base ? { verifyUrl: `${base}/badge/${encodeURIComponent(token)}` } : {}),
  };
  const json = JSON.stringify(data);
  // The body names today's date, so it is valid until the next CST midnight at most.
  let expiresAt = dayEnd(asOf);
  if (badge.until !== null) expiresAt = Math.min(expiresAt, cstMidnight(badge.until));
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
  // Buffer.from puts a small body in one of Node's shared 8 KB slabs: a TextEncoder gives each body an
  // ArrayBuffer of its own, which the garbage collector tracks one by one (a third more GC time when the
  // cache turns over; see BadgeCache on how slabs are not kept alive by a few old entries).
  return { partyId: badge.partyId, body: Buffer.from(json), etag, expiresAt };
}

/** Records a request's metrics and access log line (`start` from `performance.now()`). */
export type Observe = (method: string, route: string, status: number, start: number, reqId: string) => void;

const ROUTE = '/v1/badge/:token';

/**
 * `GET /v1/badge/:token`: the public badge (masked name), with ETag/304, Cache-Control and CORS *.
 * Served from `cache` when given; 404 for an unknown or revoked token. `verifyUrl` points at the court's
 * own page for the badge (`/badge/:token`, served by the deployment).
 *
 * A cache hit is answered without a promise: Hono then returns the response at once and
 * @hono/node-server writes it in the same turn. Everything else is a possible miss, and misses are what
 * an enumeration costs: each spends one request of the client's `misses` bucket (429 with Retry-After
 * when empty; given back when the token turns out to be valid), a token that is not of the token format
 * is answered 404 at once, a miss the cache remembers (`isMissed`) likewise, and only the rest wait for
 * the database.
 */
export function badgeHandler(
  deps: Deps,
  cache: BadgeCache | null,
  observe: Observe,
  misses?: RateLimiter | null,
  counts: BadgeCounts = newBadgeCounts(),
) {
  let loader: DataLoader<string, BadgeRow | null> | undefined;
  const trustProxy = deps.reports.trustProxy;
  return function badge(c: Context): Response | Promise<Response> {
    const start = performance.now();
    const reqId = randomUUID();
    const token = c.req.param('token') ?? '';
    const lang = c.req.query('lang') === 'en' ? 'en' : 'zh-CN';
    // Keyed by the token itself: it never leaves memory, and a hit then costs no hashing.
    const key = lang === 'en' ? `${token}\u0000en` : token;
    const now = deps.now().getTime();
    const entry = cache?.get(key, now);
    if (entry) return observed(answer(c, entry, now, reqId), start, reqId);
    // Not cached, but in the index and current: built here, in the same turn, without the database.
    const index = cache?.index;
    if (index && isBadgeToken(token)) {
      const asOf = toCstDate(deps.now());
      const badge = index.find(token, asOf, deps.policy.id)?.badge;
      if (badge) {
        const built = entryOf(deps, badge, token, lang, asOf);
        counts.indexAnswers++;
        cache?.set(key, built);
        return observed(answer(c, built, now, reqId), start, reqId);
      }
    }

    const client = misses ? clientAddress(c, trustProxy) : '';
    const wait = misses ? misses.take(client, now) : 0;
    if (wait > 0) return observed(tooMany(reqId, wait), start, reqId);
    if (!isBadgeToken(token) || cache?.isMissed(token, now)) return observed(notFound(reqId), start, reqId);
    return miss(token, lang, key, now).then(
      (built) => {
        if (built) misses?.refund(client);
        return observed(built ? answer(c, built, now, reqId) : notFound(reqId), start, reqId);
      },
      (err: Partial<Error> | undefined) => {
        deps.logger.error({ reqId, err: errorFields(err) }, 'badge lookup failed');
        return observed(failed(reqId, isDatabaseUnavailable(err)), start, reqId);
      },
    );
  };

  function observed(res: Response, start: number, reqId: string): Response {
    observe('GET', ROUTE, res.status, start, reqId);
    return res;
  }

  async function miss(
    token: string,
    lang: 'zh-CN' | 'en',
    key: string,
    now: number,
  ): Promise<BadgeEntry | null> {
    loader ??= badgeLoader(deps, counts);
    const epoch = cache?.epoch;
    const built = await buildEntry(deps, loader, token, lang, cache?.index ?? null);
    if (epoch !== undefined) {
      if (built) cache?.set(key, built, epoch);
      else cache?.setMissed(token, now, epoch);
    }
    return built;
  }
}

function answer(c: Context, entry: BadgeEntry, now: number, reqId: string): Response {
  const maxAge = Math.max(0, Math.min(60, Math.floor((entry.expiresAt - now) / 1000)));
  const headers = badgeHeaders(`public, max-age=${maxAge}, must-revalidate`, entry.etag, reqId);
  const inm = c.req.header('If-None-Match');
  const etag = entry.etag;
  if (inm?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))
    return new Response(null, { status: 304, headers });
  return new Response(entry.body, { status: 200, headers });
}

/** One literal object (no spread, no later keys): this is the hot path, and the adapter writes it as it is. */
function badgeHeaders(cacheControl: string, etag: string, reqId: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'ETag',
    Vary: 'Accept-Encoding',
    'Cache-Control': cacheControl,
    ETag: etag,
    'X-Request-Id': reqId,
    'Content-Type': 'application/json; charset=utf-8',
  };
}

function notFound(reqId: string): Response {
  return new Response('{"error":"not found: unknown or revoked badge token"}', {
    status: 404,
    headers: errorHeaders(reqId),
  });
}

function tooMany(reqId: string, retryAfter: number): Response {
  return new Response(
    `{"error":"too many requests for unknown badge tokens from this address; retry after ${retryAfter} s"}`,
    { status: 429, headers: { ...errorHeaders(reqId), 'Retry-After': String(retryAfter) } },
  );
}

/** 500, or 503 with Retry-After when the database cannot be reached for now (ask again shortly). */
function failed(reqId: string, unavailable = false): Response {
  if (unavailable)
    return new Response(
      JSON.stringify({ error: 'service unavailable, try again shortly', requestId: reqId }),
      {
        status: 503,
        headers: { ...errorHeaders(reqId), 'Retry-After': '5' },
      },
    );
  return new Response(JSON.stringify({ error: 'internal server error', requestId: reqId }), {
    status: 500,
    headers: errorHeaders(reqId),
  });
}

function errorHeaders(reqId: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Retry-After',
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Request-Id': reqId,
  };
}

/** CORS preflight of the badge route (a cross-origin fetch that sends If-None-Match needs one). */
export function badgePreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
      'Access-Control-Allow-Headers': 'If-None-Match',
      'Access-Control-Max-Age': '86400',
    },
  });
}
