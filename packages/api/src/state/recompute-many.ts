import { asc, inArray, sql } from 'drizzle-orm';
import { changes, records } from '../db/schema.js';
import type { WriteScope } from '../db/write-tx.js';
import type { Deps } from '../services/deps.js';
import { materializeParty, type PartyStateValues } from './materialize.js';
import { type PartyStateRow, today } from './party-state.js';

/**
 * `recomputeLocked` for many locked parties at once (a write touching many parties, e.g.
 * `exchange.import`): their records in one query, each state from core's classify, the state rows
 * updated in statements of 500, a `color.changed` row (with `cause`) for each party whose color moved.
 */
export async function recomputeManyLocked(
  deps: Deps,
  w: WriteScope,
  prevs: readonly PartyStateRow[],
  cause: string,
): Promise<void> {
  if (prevs.length === 0) return;
  const day = today(deps);
  const all = await w.tx
    .select()
    .from(records)
    .where(
      inArray(
        records.partyId,
        prevs.map((p) => p.partyId),
      ),
    )
    .orderBy(asc(records.effectiveFrom), asc(records.createdAt));
  const byParty = new Map<string, (typeof records.$inferSelect)[]>();
  for (const r of all) byParty.set(r.partyId, [...(byParty.get(r.partyId) ?? []), r]);
  const moved: (typeof changes.$inferInsert)[] = [];
  const nexts: PartyStateValues[] = [];
  for (const prev of prevs) {
    const next = materializeParty(prev.partyId, byParty.get(prev.partyId) ?? [], {
      asOf: day,
      policy: deps.policy,
    });
    nexts.push(next);
    if (next.color !== prev.color)
      moved.push({
        partyId: prev.partyId,
        kind: 'color.changed',
        color: next.color,
        previousColor: prev.color,
        data: {
          since: next.since,
          until: next.until,
          basis: next.basis,
          policyId: next.policyId,
          cause,
        },
        at: deps.now(),
      });
    w.touch(prev.partyId);
  }
  // One UPDATE … FROM (VALUES …) per 500 parties (the rows are locked; version + 1 as recomputeLocked does).
  for (let i = 0; i < nexts.length; i += 500) {
    const values = nexts
      .slice(i, i + 500)
      .map(
        (n) =>
          sql`(${n.partyId}, ${n.color}, ${n.since}::date, ${n.until}::date, ${JSON.stringify(n.basis)}::jsonb, ${n.policyId}, ${n.asOf}::date)`,
      );
    await w.tx.execute(sql`
      update party_state set color = v.color, since = v.since, until = v.until, basis = v.basis,
        policy_id = v.policy_id, as_of = v.as_of, version = party_state.version + 1, updated_at = ${deps.now()}
      from (values ${sql.join(values, sql`, `)}) as v(party_id, color, since, until, basis, policy_id, as_of)
      where party_state.party_id = v.party_id`);
  }
  if (moved.length > 0) await w.tx.insert(changes).values(moved);
}
