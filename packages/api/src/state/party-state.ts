import { type Classification, toCstDate } from '@fivecolor/core';
import { and, asc, eq, gt, lte, ne, or, sql } from 'drizzle-orm';
import type { Tx } from '../db/database.js';
import { changes, partyState, records } from '../db/schema.js';
import { runWrite, type WriteScope } from '../db/write-tx.js';
import { errorFields } from '../http/logger.js';
import type { Deps } from '../services/deps.js';
import { badRequest, notFound, quoteId } from '../services/errors.js';
import { materializeParty, stateToClassification } from './materialize.js';

export type PartyStateRow = typeof partyState.$inferSelect;

/** The instant (epoch ms) a day `YYYY-MM-DD` begins in Asia/Shanghai. */
export function cstMidnight(day: string): number {
  return Date.parse(`${day}T00:00:00+08:00`);
}

/** Today in Asia/Shanghai by the app's clock. */
export function today(deps: Deps): string {
  return toCstDate(deps.now());
}

/** Locks a party's state row (SELECT … FOR UPDATE) so concurrent writers serialize; NOT_FOUND if absent. */
export async function lockPartyState(tx: Tx, partyId: string): Promise<PartyStateRow> {
  const [row] = await tx.select().from(partyState).where(eq(partyState.partyId, partyId)).for('update');
  if (!row) notFound(`partyId: no party ${quoteId(partyId)}`);
  return row;
}

/**
 * Recomputes a locked party's state from all its records with core's classify, bumps the version
 * and writes a `color.changed` change-feed row when the color moved.
 */
export async function recomputeLocked(
  deps: Deps,
  w: WriteScope,
  prev: PartyStateRow,
  cause: string,
): Promise<Classification> {
  const rows = await w.tx
    .select()
    .from(records)
    .where(eq(records.partyId, prev.partyId))
    .orderBy(asc(records.effectiveFrom), asc(records.createdAt));
  let next: ReturnType<typeof materializeParty>;
  try {
    next = materializeParty(prev.partyId, rows, { asOf: today(deps), policy: deps.policy });
  } catch (err) {
    // core rejects inconsistent records with a TypeError naming the record and the rule.
    if (err instanceof TypeError) badRequest(err.message);
    throw err;
  }
  await w.tx
    .update(partyState)
    .set({ ...next, version: sql`${partyState.version} + 1`, updatedAt: deps.now() })
    .where(eq(partyState.partyId, prev.partyId));
  if (next.color !== prev.color) {
    await w.tx.insert(changes).values({
      partyId: prev.partyId,
      kind: 'color.changed',
      color: next.color,
      previousColor: prev.color,
      data: { since: next.since, until: next.until, basis: next.basis, policyId: next.policyId, cause },
      at: deps.now(),
    });
  }
  w.touch(prev.partyId);
  return stateToClassification(next, next.asOf);
}

function isStale(deps: Deps, row: PartyStateRow, day: string): boolean {
  // asOf in the future: the clock went back (or a test moved it); recompute rather than trust it.
  return (row.until !== null && row.until <= day) || row.asOf > day || row.policyId !== deps.policy.id;
}

/**
 * A party's state, recomputed first when its `until` has passed (time alone can change a color).
 * Returns null for an unknown party.
 */
export async function freshPartyState(deps: Deps, partyId: string): Promise<PartyStateRow | null> {
  const day = today(deps);
  const [row] = await deps.db.db.select().from(partyState).where(eq(partyState.partyId, partyId));
  if (!row || !isStale(deps, row, day)) return row ?? null;
  return runWrite(deps, { actorId: 'system', procedure: 'state.refresh', input: null }, async (w) => {
    const locked = await lockPartyState(w.tx, partyId);
    if (isStale(deps, locked, day)) await recomputeLocked(deps, w, locked, 'time');
    const [after] = await w.tx.select().from(partyState).where(eq(partyState.partyId, partyId));
    return after as PartyStateRow;
  });
}

/**
 * Recomputes parties whose stored state time has overtaken (its `until` passed, a stored `asOf` after
 * today, another policy), each in its own write, walking `party_state` in `party_id` order so each
 * party is visited once. A party whose recompute fails is logged and skipped, never blocking the
 * others. Stops after `max` parties or when `signal` aborts; returns how many it refreshed.
 */
export async function refreshStaleStates(
  deps: Deps,
  opts: { max?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const day = today(deps);
  let refreshed = 0;
  let after = '';
  while (refreshed < max && !opts.signal?.aborted) {
    const page = await deps.db.db
      .select({ partyId: partyState.partyId })
      .from(partyState)
      .where(
        and(
          gt(partyState.partyId, after),
          or(lte(partyState.until, day), gt(partyState.asOf, day), ne(partyState.policyId, deps.policy.id)),
        ),
      )
      .orderBy(asc(partyState.partyId))
      .limit(Math.min(500, max - refreshed));
    for (const { partyId } of page) {
      if (opts.signal?.aborted) break;
      after = partyId;
      try {
        await freshPartyState(deps, partyId);
        refreshed++;
      } catch (err) {
        deps.logger.warn(
          { partyId, err: errorFields(err) },
          'could not recompute a stale party state; skipped',
        );
      }
    }
    if (page.length < 500) break;
  }
  return refreshed;
}
