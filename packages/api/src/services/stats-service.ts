import { COLORS } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/rows.js';
import { refreshStaleStates } from '../state/party-state.js';
import type { Deps } from './deps.js';

type Row = { k: string | null; n: string | number };

function toMap(rows: Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) if (r.k !== null) out[r.k] = Number(r.n);
  return out;
}

/**
 * Counts: parties by current color (up to 1,000 states that time has overtaken are recomputed first;
 * the state sweeper does the rest); records in force (not revoked) by category, by court and by month
 * of `effectiveFrom`.
 */
export async function statsSummary(deps: Deps) {
  await refreshStaleStates(deps, { max: 1000 });
  const db = deps.db.db;
  const q = async (query: ReturnType<typeof sql>) => rowsOf<Row>(await db.execute(query));
  const [byColor, byCategory, byCourt, byMonth, totals] = [
    toMap(await q(sql`select color as k, count(*) as n from party_state group by color`)),
    toMap(
      await q(
        sql`select category as k, count(*) as n from records where revoked_at is null group by category`,
      ),
    ),
    toMap(
      await q(sql`select court as k, count(*) as n from records where revoked_at is null group by court`),
    ),
    toMap(
      await q(
        sql`select to_char(effective_from, 'YYYY-MM') as k, count(*) as n from records where revoked_at is null group by 1 order by 1`,
      ),
    ),
    toMap(
      await q(
        sql`select 'parties' as k, count(*) as n from parties union all select 'records', count(*) from records where revoked_at is null`,
      ),
    ),
  ];
  for (const c of COLORS) byColor[c] ??= 0;
  return {
    parties: totals.parties ?? 0,
    records: totals.records ?? 0,
    byColor,
    byCategory,
    byCourt,
    byMonth,
  };
}
