import { COLORS, toCstDate } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { courtCovers, SUPREME_COURT } from '../auth/roles.js';
import { rowsOf } from '../db/rows.js';
import { refreshStaleStates } from '../state/party-state.js';
import type { Caller } from './access.js';
import { badRequest, forbidden } from './errors.js';

type Row = { k: string | null; n: string | number };

function toMap(rows: Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) if (r.k !== null) out[r.k] = Number(r.n);
  return out;
}

/**
 * Counts: parties by current color (up to 1,000 states that time has overtaken are recomputed first;
 * the state sweeper does the rest); records in force (not revoked) by category, by court and by month
 * of `effectiveFrom`. With `court`, as {@link statsSeries} narrows: the records of that court and the
 * courts under it, and the parties that have such a record; a court key asks only for its own courts.
 */
export async function statsSummary(c: Caller, asked?: string | undefined) {
  const court = asked === undefined ? null : statsCourt(c, asked);
  await refreshStaleStates(c.deps, { max: 1000 });
  const db = c.deps.db.db;
  const q = async (query: ReturnType<typeof sql>) => rowsOf<Row>(await db.execute(query));
  const inCourt = (col: ReturnType<typeof sql>) =>
    court === null ? sql`true` : sql`${col} like ${`${court}%`}`;
  const hasRecord = (party: ReturnType<typeof sql>) =>
    court === null
      ? sql`true`
      : sql`exists (select 1 from records r where r.party_id = ${party} and ${inCourt(sql`r.court`)})`;
  const inForce = sql`revoked_at is null and ${inCourt(sql`court`)}`;
  const [byColor, byCategory, byCourt, byMonth, totals] = [
    toMap(
      await q(
        sql`select color as k, count(*) as n from party_state ps where ${hasRecord(sql`ps.party_id`)} group by color`,
      ),
    ),
    toMap(await q(sql`select category as k, count(*) as n from records where ${inForce} group by category`)),
    toMap(await q(sql`select court as k, count(*) as n from records where ${inForce} group by court`)),
    toMap(
      await q(
        sql`select to_char(effective_from, 'YYYY-MM') as k, count(*) as n from records where ${inForce} group by 1 order by 1`,
      ),
    ),
    toMap(
      await q(
        sql`select 'parties' as k, count(*) as n from parties p where ${hasRecord(sql`p.id`)} union all select 'records', count(*) from records where ${inForce}`,
      ),
    ),
  ];
  for (const color of COLORS) byColor[color] ??= 0;
  return {
    parties: totals.parties ?? 0,
    records: totals.records ?? 0,
    byColor,
    byCategory,
    byCourt,
    byMonth,
  };
}

/** The court a statistic counts (null: all): a court key is held to its own courts; `最高法` is all. */
function statsCourt(c: Caller, court: string | null): string | null {
  const keyCourt = c.principal.court;
  if (keyCourt !== null && court !== null && !courtCovers(keyCourt, court))
    forbidden(`court: a key for ${keyCourt} sees its own courts only (${keyCourt} and the courts under it)`);
  return court === SUPREME_COURT ? null : court;
}

/** One month of `statsSeries`. */
export interface SeriesMonth {
  month: string;
  /** Records in force (not revoked) whose `effectiveFrom` falls in the month, by category. */
  records: Record<string, number>;
  /** Parties by the color last recorded for them at the month's end (change feed); none recorded yet: green. */
  colorsAtEnd: Record<string, number>;
  /** Repairs (records that lift others) taking effect in the month. */
  repairs: number;
  /** Gold (`G01`) records taking effect in the month. */
  gold: number;
}

/** At most this many months per call (ten years). */
export const SERIES_MAX_MONTHS = 120;

/**
 * Month by month from `from` to `to` (whole calendar months, CST): records by category, repairs and
 * gold by `effectiveFrom`, and the parties' colors at each month's end as the change feed recorded
 * them. All in SQL: nothing is loaded per party. With `court`, only records of that court and the
 * courts under it, and the parties that have such a record; a court key is held to its own courts.
 */
export async function statsSeries(
  c: Caller,
  input: { from: string; to: string; court?: string | undefined },
): Promise<{ months: SeriesMonth[] }> {
  const court = statsCourt(c, input.court ?? c.principal.court ?? null);
  if (input.to < input.from) badRequest('to: must not be before from');
  const first = `${input.from.slice(0, 7)}-01`;
  const last = `${input.to.slice(0, 7)}-01`;
  const span =
    (Number(last.slice(0, 4)) - Number(first.slice(0, 4))) * 12 +
    Number(last.slice(5, 7)) -
    Number(first.slice(5, 7)) +
    1;
  if (span > SERIES_MAX_MONTHS) badRequest(`to: at most ${SERIES_MAX_MONTHS} months from from`);
  const db = c.deps.db.db;
  const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query));
  const courtOf = (col: ReturnType<typeof sql>) =>
    court === null ? sql`true` : sql`${col} like ${`${court}%`}`;
  const recordRows = await q<{ m: string; category: string; repair: boolean; n: string | number }>(sql`
    select to_char(effective_from, 'YYYY-MM') as m, category, (repairs is not null) as repair, count(*) as n
    from records
    where revoked_at is null and effective_from >= ${first}::date
      and effective_from < (${last}::date + interval '1 month') and ${courtOf(sql`court`)}
    group by 1, 2, 3`);
  // Colors at each month's end, from the change feed: a party counts green from its registration, and
  // each color change moves it from its previous color to its new one. The database sums these moves
  // by CST month (those before the period into its first month); the running sum over the months below
  // gives the count at each end. The month still running ends today: its colors are the current states.
  const scoped = sql`select p.id, p.created_at from parties p where ${
    court === null
      ? sql`true`
      : sql`exists (select 1 from records r where r.party_id = p.id and ${courtOf(sql`r.court`)})`
  }`;
  const periodEnd = sql`((${last}::date + interval '1 month')::timestamp at time zone 'Asia/Shanghai')`;
  const moveRows = await q<{ m: string; color: string; n: string | number }>(sql`
    with scoped as (${scoped}),
    moves as (
      select created_at as at, 'green' as color, 1 as d from scoped
      union all
      select ch.at, ch.color, 1 from changes ch join scoped on scoped.id = ch.party_id where ch.kind = 'color.changed'
      union all
      select ch.at, ch.previous_color, -1 from changes ch join scoped on scoped.id = ch.party_id
      where ch.kind = 'color.changed' and ch.previous_color is not null
    )
    select greatest(to_char(at at time zone 'Asia/Shanghai', 'YYYY-MM'), ${first.slice(0, 7)}) as m, color, sum(d) as n
    from moves where at < ${periodEnd}
    group by 1, 2`);
  // The running month ends with today's colors: states that time has overtaken first, as statsSummary.
  await refreshStaleStates(c.deps, { max: 1000 });
  const nowRows = await q<{ color: string; n: string | number }>(sql`
    select ps.color, count(*) as n from party_state ps join (${scoped}) scoped on scoped.id = ps.party_id
    group by 1`);
  const months: SeriesMonth[] = [];
  for (let i = 0; i < span; i++) {
    const y = Number(first.slice(0, 4)) + Math.floor((Number(first.slice(5, 7)) - 1 + i) / 12);
    const mo = ((Number(first.slice(5, 7)) - 1 + i) % 12) + 1;
    const colorsAtEnd: Record<string, number> = {};
    for (const col of COLORS) colorsAtEnd[col] = 0;
    months.push({
      month: `${y}-${String(mo).padStart(2, '0')}`,
      records: {},
      colorsAtEnd,
      repairs: 0,
      gold: 0,
    });
  }
  const byMonth = new Map(months.map((m) => [m.month, m]));
  for (const r of recordRows) {
    const m = byMonth.get(r.m);
    if (!m) continue;
    const n = Number(r.n);
    m.records[r.category] = (m.records[r.category] ?? 0) + n;
    if (r.repair) m.repairs += n;
    if (r.category === 'G01') m.gold += n;
  }
  const running: Record<string, number> = {};
  const thisMonth = toCstDate(c.deps.now()).slice(0, 7);
  for (const m of months) {
    for (const r of moveRows) if (r.m === m.month) running[r.color] = (running[r.color] ?? 0) + Number(r.n);
    if (m.month < thisMonth) for (const col of COLORS) m.colorsAtEnd[col] = running[col] ?? 0;
    else if (m.month === thisMonth) for (const r of nowRows) m.colorsAtEnd[r.color] = Number(r.n);
  }
  return { months };
}
