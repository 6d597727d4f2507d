import { createHash } from 'node:crypto';
import { type Color, classify, defaultPolicy, type Policy, toCstDate, validatePolicy } from '@fivecolor/core';
import { and, asc, eq, gt, gte, lte, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.js';
import { canonicalJson } from '../audit/canonical-json.js';
import type { Database, Db, Tx } from '../db/database.js';
import { IMPORT_LOCK } from '../db/locks.js';
import { rowsOf } from '../db/rows.js';
import { changes, partyState, records, settings } from '../db/schema.js';
import { PARTY_CHANNEL } from '../db/write-tx.js';
import { materializeParty, type RecordFacts, toCreditRecord } from '../state/materialize.js';
import { today } from '../state/party-state.js';
import type { Caller } from './access.js';
import { auditedWrite } from './audit-trail.js';
import { badRequest } from './errors.js';

/** The settings key of the active policy (its JSON); absent: core's `defaultPolicy`. */
export const POLICY_SETTING = 'policy';

/**
 * The policy stored as active by `fivecolor-server policy apply`, or null when none was (the deployment
 * then runs core's `defaultPolicy`, or the one given to `createFivecolor`).
 */
export async function activePolicy(db: Db): Promise<Policy | null> {
  return storedPolicy(db.db);
}

/** {@link activePolicy} in a transaction (or on the pool). */
async function storedPolicy(q: Database | Tx): Promise<Policy | null> {
  const [row] = await q.select().from(settings).where(eq(settings.key, POLICY_SETTING));
  return row ? validatePolicy(row.value) : null;
}

/**
 * Core's `defaultPolicy` and every policy applied to this store that an audit entry keeps whole (from this
 * version on, each `policy.apply` keeps the policy it applies and the one it replaces): the rules records
 * may have been entered under.
 */
export async function earlierPolicies(db: Db): Promise<Policy[]> {
  const applied = rowsOf<{ policy: Policy | null; previous: Policy | null }>(
    await db.db.execute(
      sql`select detail->'policy' as policy, detail->'previous' as previous from audit_log
        where action = 'policy.apply' order by seq`,
    ),
  ).flatMap((r) => [r.previous, r.policy]);
  return [defaultPolicy, ...applied.filter((p): p is Policy => Array.isArray(p?.categories))];
}

/** `validatePolicy`, its TypeError (which names the field) as BAD_REQUEST. */
export function checkPolicy(input: unknown): Policy {
  try {
    return validatePolicy(input);
  } catch (err) {
    if (err instanceof TypeError) badRequest(err.message);
    throw err;
  }
}

/** sha256 of a policy's canonical JSON: what the audit trail names a policy by besides its id. */
export function policyDigest(policy: Policy): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex');
}

/** A count as messages print it: `1,204`. */
const count = (n: number | string) => Number(n).toLocaleString('en-US');

/** A candidate policy that cannot replace the active one over this store; the message names the policy's field. */
export class PolicyMisfit extends Error {
  override name = 'PolicyMisfit';
}

/**
 * Refuses (`PolicyMisfit`) a candidate under which some stored record could not be classified any more
 * (every read and write of its party would fail): one that leaves out a category stored records have,
 * or gives a category a color or `repairable` its stored records break — a repair's category must stay
 * blue, a category whose records list no repairs cannot become blue, and a category stored repairs list
 * must stay red or yellow and repairable (core's rules for a party's records, checked for every
 * category at once). With `applying`, also an id already applied with other rules: a report keeps only
 * its policy's id.
 */
export async function checkPolicyFits(db: Db, candidate: Policy, applying = false): Promise<void> {
  await policyFits(db.db, candidate, applying);
}

/** {@link checkPolicyFits} in a transaction (or on the pool). */
async function policyFits(q: Database | Tx, candidate: Policy, applying: boolean): Promise<void> {
  // Reports name their policy by id alone: "p-1 " would pass for "p-1". (A candidate's rule only: a
  // stored policy is read as it is.)
  if (candidate.id.trim() !== candidate.id)
    throw new PolicyMisfit(
      'policy.id: must have no spaces around it (reports name their policy by id alone)',
    );
  const known = new Set(candidate.categories.map((c) => c.code));
  const stored = rowsOf<{ category: string; n: string; listing: string }>(
    await q.execute(sql`
      select category, count(*) as n,
        count(*) filter (where jsonb_typeof(repairs) = 'array' and jsonb_array_length(repairs) > 0) as listing
      from records group by category order by category`),
  );
  const missing = stored.filter((r) => !known.has(r.category));
  if (missing.length > 0)
    throw new PolicyMisfit(
      `policy.categories: must keep every category stored records have; missing ${missing
        .map((m) => `${m.category} (${count(m.n)} records)`)
        .join(', ')} (change its color instead)`,
    );
  const repaired = rowsOf<{ category: string; n: string }>(
    await q.execute(sql`
      select t.category, count(distinct r.id) as n
      from records r cross join jsonb_array_elements_text(r.repairs) as e(id) join records t on t.id = e.id
      where jsonb_typeof(r.repairs) = 'array'
      group by t.category order by t.category`),
  );
  const at = (code: string) => candidate.categories.findIndex((c) => c.code === code);
  const problems: string[] = [];
  for (const r of stored) {
    const i = at(r.category);
    const color = candidate.categories[i]?.color;
    const listing = Number(r.listing);
    if (listing > 0 && color !== 'blue')
      problems.push(
        `policy.categories[${i}].color: ${r.category} must stay blue: ${count(listing)} stored record(s) of it are repairs listing the records they lift`,
      );
    if (Number(r.n) > listing && color === 'blue')
      problems.push(
        `policy.categories[${i}].color: ${r.category} cannot become blue: ${count(Number(r.n) - listing)} stored record(s) of it list no records to repair`,
      );
  }
  for (const r of repaired) {
    const i = at(r.category);
    const c = candidate.categories[i];
    if (!c) continue; // a repair listing a record of no known category: left for missing to tell
    const fields = [
      ...(c.repairable !== true ? ['repairable'] : []),
      ...(c.color !== 'red' && c.color !== 'yellow' ? ['color'] : []),
    ];
    if (fields.length > 0)
      problems.push(
        `${fields.map((f) => `policy.categories[${i}].${f}`).join(', ')}: ${r.category} must stay repairable and red or yellow: ${count(r.n)} stored repair(s) list records of it`,
      );
  }
  if (problems.length > 0) throw new PolicyMisfit(problems.join('; '));
  if (!applying) return;
  const digest = policyDigest(candidate);
  const applied = rowsOf<{ digest: string }>(
    await q.execute(
      sql`select detail->>'digest' as digest from audit_log where action = 'policy.apply' and target = ${candidate.id}`,
    ),
  ).map((r) => r.digest);
  if (candidate.id === defaultPolicy.id) applied.push(policyDigest(defaultPolicy));
  if (applied.some((d) => d !== digest))
    throw new PolicyMisfit(
      `policy.id: ${JSON.stringify(candidate.id)} names a policy in force before with other rules; give the changed policy a new id (reports name their policy by id)`,
    );
}

interface StateFacts {
  partyId: string;
  color: Color;
  policyId: string;
}

/**
 * The first `pageSize` parties after `after` (by id) with their records, or null past the last: one
 * query for the states and one range query for their records (by `records_party_idx`). `lock`: the
 * state rows are locked (FOR UPDATE) for the caller's transaction.
 */
async function pageAfter(q: Database | Tx, after: string, pageSize: number, lock = false) {
  const base = q
    .select({ partyId: partyState.partyId, color: partyState.color, policyId: partyState.policyId })
    .from(partyState)
    .where(gt(partyState.partyId, after))
    .orderBy(asc(partyState.partyId))
    .limit(pageSize);
  const states: StateFacts[] = lock ? await base.for('update') : await base;
  if (states.length === 0) return null;
  const first = (states[0] as StateFacts).partyId;
  const last = (states.at(-1) as StateFacts).partyId;
  return { states, last, records: await recordsBetween(q, first, last) };
}

/** The records of the parties with ids in [first, last], by party, in the order classification reads them. */
export async function recordsBetween(q: Database | Tx, first: string, last: string) {
  const rows = await q
    .select({
      id: records.id,
      partyId: records.partyId,
      category: records.category,
      effectiveFrom: records.effectiveFrom,
      effectiveUntil: records.effectiveUntil,
      repairs: records.repairs,
      revokedAt: records.revokedAt,
    })
    .from(records)
    .where(and(gte(records.partyId, first), lte(records.partyId, last)))
    .orderBy(asc(records.partyId), asc(records.effectiveFrom), asc(records.createdAt));
  const byParty = new Map<string, RecordFacts[]>();
  for (const r of rows) {
    const list = byParty.get(r.partyId);
    if (list) list.push(r);
    else byParty.set(r.partyId, [r]);
  }
  return byParty;
}

export interface SimulationResult {
  /** Parties classified. */
  parties: number;
  /** Parties whose color would change. */
  changed: number;
  /** Changed parties by `"<from>→<to>"`. */
  transitions: Record<string, number>;
  /** Up to 20 changed parties. */
  sample: { partyId: string; from: Color; to: Color }[];
  asOf: string;
  policyId: string;
}

/**
 * What a candidate policy would do to every party as of `asOf` (default today): each party's records
 * classified under the active policy and under the candidate, streamed by party in pages; nothing written
 * but the audit entry of the sample it shows (a read of those parties' colors: each finds it in its
 * "who looked", as for a page of the change feed).
 */
export async function simulatePolicy(
  c: Caller,
  input: { policy: unknown; asOf?: string | undefined },
): Promise<SimulationResult> {
  const candidate = checkPolicy(input.policy);
  let out: SimulationResult;
  try {
    out = await simulate(c.deps.db, c.deps.policy, candidate, input.asOf ?? today(c.deps));
  } catch (err) {
    if (err instanceof PolicyMisfit) badRequest(err.message);
    throw err;
  }
  if (out.sample.length > 0) {
    const parties = out.sample.map((s) => s.partyId);
    await auditedWrite(c, { input: null }, (w) =>
      w.audit({ partyId: null, purpose: null, target: candidate.id, detail: { parties, asOf: out.asOf } }),
    );
  }
  return out;
}

/**
 * `simulatePolicy` without a caller (the bench and the command line); `PolicyMisfit` as `checkPolicyFits`.
 * `onProgress` gets the count of parties classified after each page.
 */
export async function simulate(
  db: Db,
  current: Policy,
  candidate: Policy,
  asOf: string,
  opts: { pageSize?: number; onProgress?: (parties: number) => void } = {},
): Promise<SimulationResult> {
  await checkPolicyFits(db, candidate);
  const out: SimulationResult = {
    parties: 0,
    changed: 0,
    transitions: {},
    sample: [],
    asOf,
    policyId: candidate.id,
  };
  for (let after = ''; ; ) {
    const page = await pageAfter(db.db, after, opts.pageSize ?? 5000);
    if (!page) break;
    after = page.last;
    out.parties += page.states.length;
    for (const [partyId, recs] of page.records) {
      const credit = recs.map(toCreditRecord);
      const from = classify(credit, { asOf, policy: current }).color;
      const to = classify(credit, { asOf, policy: candidate }).color;
      if (from === to) continue;
      out.changed++;
      const key = `${from}→${to}`;
      out.transitions[key] = (out.transitions[key] ?? 0) + 1;
      if (out.sample.length < 20) out.sample.push({ partyId, from, to });
    }
    opts.onProgress?.(out.parties);
  }
  return out;
}

export interface ApplyResult {
  policyId: string;
  previousPolicyId: string;
  /** The policy was active already: this run finished an interrupted recomputation (no second audit entry). */
  resumed: boolean;
  parties: number;
  /**
   * Parties whose color the policy changed, by transition: the color the policy their state was computed
   * under gives today → the new one's (as `simulate` counts them).
   */
  changed: number;
  transitions: Record<string, number>;
  /**
   * Parties whose stored color time had overtaken (a term ended since it was computed, servers stopped,
   * say). A move that time alone made is fed with cause `time`, one the policy made with cause `policy`.
   */
  overtaken: number;
}

/**
 * Makes `policy` the active one: stores it (settings `policy`) with an audit entry `policy.apply`
 * naming it and its digest, then recomputes every party's state under it as of today, a page of parties
 * per transaction (their state rows locked), writing a `color.changed` row for each color that moves:
 * cause `policy` where the policy the state was computed under gives another color today, cause `time`
 * where it gives the same (time had overtaken the stored state). Reports keep the policy they were issued
 * under. Run again after an interruption, it finishes the recomputation (the policy is stored first, so
 * a reading server recomputes what is left) and audits nothing new.
 * Refused before anything is written (`PolicyMisfit`, see `checkPolicyFits`) when the policy leaves out a
 * category in use or reuses an id applied before with other rules. The policy is checked and stored
 * holding the import lock: an import batch being written is waited for (and its records checked), and
 * every batch after it finds the new policy stored and stops its import.
 */
export async function applyPolicy(
  db: Db,
  policy: Policy,
  opts: {
    now?: () => Date;
    actorId?: string;
    pageSize?: number;
    onProgress?: (parties: number) => void;
  } = {},
): Promise<ApplyResult> {
  const candidate = checkPolicy(policy);
  const now = opts.now ?? (() => new Date());
  const day = toCstDate(now());
  const digest = policyDigest(candidate);
  const active = await activePolicy(db);
  let resumed = active !== null && policyDigest(active) === digest;
  const previous = resumed ? await replacedIdOf(db, digest) : (active?.id ?? defaultPolicy.id);
  // The policies states may have been computed under, by id (an id names one set of rules).
  const computedUnder = new Map((await earlierPolicies(db)).map((p) => [p.id, p]));
  if (active) computedUnder.set(active.id, active);
  if (!resumed)
    await db.db.transaction(async (tx) => {
      // An import's batches hold this lock: none is written meanwhile, each written after sees the new
      // policy (and stops), and the check below sees every record one wrote before.
      await tx.execute(sql`select pg_advisory_xact_lock(${IMPORT_LOCK})`);
      // Another apply may have stored its policy since `active` was read: this one would name the wrong
      // policy as replaced, and compare states with rules they were not computed under.
      const stored = await storedPolicy(tx);
      const storedDigest = stored && policyDigest(stored);
      if (storedDigest === digest) {
        resumed = true; // the same policy, applied by a run at the same time: its entry is this one's too
        return;
      }
      if (storedDigest !== (active && policyDigest(active))) {
        const id = stored?.id ?? defaultPolicy.id;
        throw new Error(
          `policy apply: policy ${JSON.stringify(id)} was applied while this apply waited to store ${JSON.stringify(candidate.id)}; nothing of this one was stored: run it again (it will replace ${JSON.stringify(id)})`,
        );
      }
      await policyFits(tx, candidate, true);
      await tx
        .insert(settings)
        .values({ key: POLICY_SETTING, value: candidate, updatedAt: now() })
        .onConflictDoUpdate({ target: settings.key, set: { value: candidate, updatedAt: now() } });
      await appendAudit(
        tx,
        {
          actorId: opts.actorId ?? 'cli',
          actorRole: 'operator',
          actorOrg: null,
          action: 'policy.apply',
          target: candidate.id,
          // The policies whole too (the outgoing one may have been applied by a version that kept only its
          // id): an import compares records entered under them with their terms.
          detail: {
            policyId: candidate.id,
            previousPolicyId: previous,
            digest,
            policy: candidate,
            ...(active ? { previous: active } : {}),
          },
        },
        now(),
      );
    });
  const result: ApplyResult = {
    policyId: candidate.id,
    previousPolicyId: previous,
    resumed,
    parties: 0,
    changed: 0,
    transitions: {},
    overtaken: 0,
  };
  const pageSize = opts.pageSize ?? 2000;
  for (let after = ''; ; ) {
    const done = await db.db.transaction(async (tx) => {
      const page = await pageAfter(tx, after, pageSize, true);
      if (!page) return null;
      // Another apply stored its policy meanwhile: its own recomputation replaces this one's.
      const stored = await storedPolicy(tx);
      if (!stored || policyDigest(stored) !== digest)
        throw new Error(
          `policy apply: policy ${JSON.stringify(stored?.id ?? defaultPolicy.id)} was applied while this apply recomputed the states under ${JSON.stringify(candidate.id)} (${count(result.parties)} done); stopped: that apply recomputes them all`,
        );
      const updates: Record<string, unknown>[] = [];
      const moved: (typeof changes.$inferInsert)[] = [];
      for (const s of page.states) {
        const facts = page.records.get(s.partyId) ?? [];
        const next = materializeParty(s.partyId, facts, { asOf: day, policy: candidate });
        updates.push({ ...next, party_id: next.partyId, as_of: next.asOf });
        // The color the policy the state was computed under gives today (the stored one where that policy
        // is unknown or cannot classify the records): the policy's change is from it, time's up to it.
        // A state computed under this policy already (a re-run) needs no second classification.
        const under = computedUnder.get(s.policyId);
        const was =
          s.policyId === candidate.id ? next.color : ((under && colorUnder(facts, day, under)) ?? s.color);
        if (was !== s.color) result.overtaken++;
        if (was !== next.color) {
          const key = `${was}→${next.color}`;
          result.transitions[key] = (result.transitions[key] ?? 0) + 1;
          result.changed++;
        }
        if (next.color !== s.color) {
          const cause = was !== next.color ? 'policy' : 'time';
          moved.push({
            partyId: s.partyId,
            kind: 'color.changed',
            color: next.color,
            previousColor: s.color,
            data: {
              since: next.since,
              until: next.until,
              basis: next.basis,
              policyId: next.policyId,
              cause,
            },
            at: now(),
          });
        }
      }
      await updateStates(tx, updates, now());
      for (let i = 0; i < moved.length; i += 1000) await tx.insert(changes).values(moved.slice(i, i + 1000));
      if (db.kind === 'postgres')
        await notifyParties(
          tx,
          moved.map((m) => m.partyId),
        );
      result.parties += page.states.length;
      return page.last;
    });
    if (done === null) break;
    after = done;
    opts.onProgress?.(result.parties);
  }
  return result;
}

/** A party's color under `policy` on `day`; null where it cannot classify the records. */
function colorUnder(facts: readonly RecordFacts[], day: string, policy: Policy): Color | null {
  try {
    return classify(facts.map(toCreditRecord), { asOf: day, policy }).color;
  } catch {
    return null;
  }
}

/** The id of the policy the last `policy.apply` of the one with this digest replaced. */
async function replacedIdOf(db: Db, digest: string): Promise<string> {
  const [row] = rowsOf<{ previous_id: string }>(
    await db.db.execute(
      sql`select detail->>'previousPolicyId' as previous_id from audit_log
        where action = 'policy.apply' and detail->>'digest' = ${digest} order by seq desc limit 1`,
    ),
  );
  return row?.previous_id ?? defaultPolicy.id;
}

/** Tells every server process (LISTEN, PostgreSQL) that these parties changed: their cached badges go. */
export async function notifyParties(tx: Tx, partyIds: readonly string[]): Promise<void> {
  if (partyIds.length === 0) return;
  await tx.execute(
    sql`select pg_notify(${PARTY_CHANNEL}, p) from jsonb_array_elements_text(${JSON.stringify(partyIds)}::jsonb) as p`,
  );
}

/**
 * Writes recomputed states in one statement (`jsonb_to_recordset`), bumping each row's version. `rows`
 * carry `party_id`, `color`, `since`, `until`, `basis`, `policyId`, `as_of`.
 */
export async function updateStates(
  tx: Tx,
  rows: readonly Record<string, unknown>[],
  at: Date,
): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000).map((r) => ({
      party_id: r.party_id,
      color: r.color,
      since: r.since,
      until: r.until,
      basis: r.basis,
      policy_id: r.policyId,
      as_of: r.as_of,
    }));
    await tx.execute(sql`
      update party_state as p set color = u.color, since = u.since, until = u.until, basis = u.basis,
        policy_id = u.policy_id, as_of = u.as_of, version = p.version + 1, updated_at = ${at.toISOString()}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb)
        as u(party_id text, color text, since date, until date, basis jsonb, policy_id text, as_of date)
      where p.party_id = u.party_id`);
  }
}
