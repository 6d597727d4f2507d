import { createHash } from 'node:crypto';
import { addDuration, colorLabel, toCstDate } from '@fivecolor/core';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { badgeTokens, parties, partyState } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { badgeTokenHash } from '../routers/party.js';
import { freshPartyState } from '../state/party-state.js';
import type { BadgeCache, BadgeEntry } from './badge-cache.js';

const cstMidnight = (day: string) => Date.parse(`${day}T00:00:00+08:00`);
const utf8 = new TextEncoder();

/** Token → party and its stored state in one prepared query: a cache miss costs one round trip. */
function prepareLookup(deps: Deps) {
  return deps.db.db
    .select({
      partyId: parties.id,
      kind: parties.kind,
      nameMasked: parties.nameMasked,
      color: partyState.color,
      since: partyState.since,
      until: partyState.until,
      policyId: partyState.policyId,
    })
    .from(badgeTokens)
    .innerJoin(parties, eq(parties.id, badgeTokens.partyId))
    .innerJoin(partyState, eq(partyState.partyId, badgeTokens.partyId))
    .where(and(eq(badgeTokens.tokenHash, sql.placeholder('tokenHash')), isNull(badgeTokens.revokedAt)))
    .prepare('badge_lookup');
}

type Lookup = ReturnType<typeof prepareLookup>;

async function buildEntry(
  deps: Deps,
  lookup: Lookup,
  token: string,
  lang: 'zh-CN' | 'en',
): Promise<BadgeEntry | null> {
  const [row] = await lookup.execute({ tokenHash: badgeTokenHash(token) });
  if (!row) return null;
  const asOf = toCstDate(deps.now());
  let state: { color: string; since: string | null; until: string | null; policyId: string } = row;
  // Time alone can change a color: past its `until` (or under another policy) the state is recomputed.
  if ((row.until !== null && row.until <= asOf) || row.policyId !== deps.policy.id) {
    const fresh = await freshPartyState(deps, row.partyId);
    if (!fresh) return null;
    state = fresh;
  }
  const base = deps.publicUrl?.replace(/\/$/, '');
  const json = JSON.stringify({
    color: state.color,
    label: colorLabel(state.color as 'green', lang),
    name: row.nameMasked,
    kind: row.kind,
    asOf,
    since: state.since,
    until: state.until,
    policyId: state.policyId,
    ...(base ? { verifyUrl: `${base}/badge/${encodeURIComponent(token)}` } : {}),
  });
  // The body names today's date, so it is valid until the next CST midnight at most.
  let expiresAt = cstMidnight(addDuration(asOf, 'P1D'));
  if (state.until !== null) expiresAt = Math.min(expiresAt, cstMidnight(state.until));
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
  return { partyId: row.partyId, body: utf8.encode(json) as Uint8Array<ArrayBuffer>, etag, expiresAt };
}

/**
 * `GET /v1/badge/:token`: the public badge (masked name), with ETag/304, Cache-Control and CORS *.
 * Served from `cache` when given; 404 for an unknown or revoked token. `verifyUrl` points at the court's
 * own page for the badge (`/badge/:token`, served by the deployment).
 */
export function badgeHandler(deps: Deps, cache: BadgeCache | null) {
  let lookup: Lookup | undefined;
  return async function badge(c: Context) {
    const token = c.req.param('token') ?? '';
    const lang = c.req.query('lang') === 'en' ? 'en' : 'zh-CN';
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Access-Control-Expose-Headers', 'ETag');
    c.header('Vary', 'Accept-Encoding');
    if (token.length > 128) return c.json({ error: 'not found' }, 404);
    // Keyed by the token itself: it never leaves memory, and a hit then costs no hashing.
    const key = lang === 'en' ? `${token}\u0000en` : token;
    const now = deps.now().getTime();
    let entry = cache?.get(key, now);
    if (!entry) {
      lookup ??= prepareLookup(deps);
      const built = await buildEntry(deps, lookup, token, lang);
      if (!built) {
        c.header('Cache-Control', 'no-store');
        return c.json({ error: 'not found: unknown or revoked badge token' }, 404);
      }
      entry = built;
      cache?.set(key, entry);
    }
    const maxAge = Math.max(0, Math.min(60, Math.floor((entry.expiresAt - now) / 1000)));
    c.header('Cache-Control', `public, max-age=${maxAge}, must-revalidate`);
    c.header('ETag', entry.etag);
    const inm = c.req.header('If-None-Match');
    if (inm?.split(',').some((t) => t.trim().replace(/^W\//, '') === entry.etag)) return c.body(null, 304);
    c.header('Content-Type', 'application/json; charset=utf-8');
    return c.body(entry.body, 200);
  };
}

/** CORS preflight of the badge route (a cross-origin fetch that sends If-None-Match needs one). */
export function badgePreflight(c: Context) {
  return c.body(null, 204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': 'If-None-Match',
    'Access-Control-Max-Age': '86400',
  });
}
