import { createHash } from 'node:crypto';
import { addDuration, colorLabel, toCstDate } from '@fivecolor/core';
import { and, eq, isNull } from 'drizzle-orm';
import type { Context } from 'hono';
import { badgeTokens, parties } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { badgeTokenHash } from '../routers/party.js';
import { freshPartyState } from '../state/party-state.js';
import type { BadgeCache, BadgeEntry } from './badge-cache.js';

const cstMidnight = (day: string) => Date.parse(`${day}T00:00:00+08:00`);

async function buildEntry(
  deps: Deps,
  tokenHash: string,
  token: string,
  lang: 'zh-CN' | 'en',
): Promise<BadgeEntry | null> {
  const [row] = await deps.db.db
    .select({ partyId: parties.id, kind: parties.kind, nameMasked: parties.nameMasked })
    .from(badgeTokens)
    .innerJoin(parties, eq(parties.id, badgeTokens.partyId))
    .where(and(eq(badgeTokens.tokenHash, tokenHash), isNull(badgeTokens.revokedAt)));
  if (!row) return null;
  const state = await freshPartyState(deps, row.partyId);
  if (!state) return null;
  const now = deps.now();
  const asOf = toCstDate(now);
  const base = deps.publicUrl?.replace(/\/$/, '');
  const body = JSON.stringify({
    color: state.color,
    label: colorLabel(state.color as 'green', lang),
    name: row.nameMasked,
    kind: row.kind,
    asOf,
    since: state.since,
    until: state.until,
    policyId: state.policyId,
    ...(base ? { verifyUrl: `${base}/v1/badge/${token}` } : {}),
  });
  // The body names today's date, so it is valid until the next CST midnight at most.
  let expiresAt = cstMidnight(addDuration(asOf, 'P1D'));
  if (state.until !== null) expiresAt = Math.min(expiresAt, cstMidnight(state.until));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { partyId: row.partyId, body, etag, expiresAt };
}

/**
 * `GET /v1/badge/:token`: the public badge (masked name), with ETag/304, Cache-Control and CORS *.
 * Served from `cache` when given; 404 for an unknown or revoked token.
 */
export function badgeHandler(deps: Deps, cache: BadgeCache | null) {
  return async function badge(c: Context) {
    const token = c.req.param('token') ?? '';
    const lang = c.req.query('lang') === 'en' ? 'en' : 'zh-CN';
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Vary', 'Accept-Encoding');
    if (token.length > 128) return c.json({ error: 'not found' }, 404);
    const tokenHash = badgeTokenHash(token);
    const key = `${tokenHash}:${lang}`;
    const now = deps.now().getTime();
    let entry = cache?.get(key, now);
    if (!entry) {
      const built = await buildEntry(deps, tokenHash, token, lang);
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
