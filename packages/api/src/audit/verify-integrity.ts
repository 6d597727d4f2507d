import { type Color, type Policy, validatePolicy } from '@fivecolor/core';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { Db } from '../db/database.js';
import { rowsOf } from '../db/rows.js';
import { apiKeys, auditCheckpoints, partyState, recordRevisions, records, reports } from '../db/schema.js';
import { earlierPolicies, POLICY_SETTING, policyDigest, recordsBetween } from '../services/policy-service.js';
import { materializeParty } from '../state/materialize.js';
import { appendAudit, auditPages, auditRowHash, GENESIS_HASH } from './audit-log.js';
import {
  asWritten,
  BATCH_PREFIX_LENGTH,
  type BatchProof,
  batchDigest,
  batchRowNumber,
} from './batch-digest.js';
import { canonicalJson } from './canonical-json.js';
import { checkpointKeys, readCheckpoint } from './checkpoint.js';
import { HASHED_TABLES, type HashedTable, rowHash, rowsDetail } from './row-hash.js';

/** The tables `verifyIntegrity` checks. */
export type IntegrityTable = 'audit_log' | 'audit_checkpoints' | HashedTable | 'party_state' | 'settings';

/** One thing that does not match: the table, the row's id (a seq for the audit log) and what differs. */
export interface IntegrityMismatch {
  table: IntegrityTable;
  id: string;
  /** What differs, in words; never a row's personal data. */
  what: string;
}

export interface IntegrityResult {
  ok: boolean;
  /** The mismatches found, in the order checked (chain, records, party states, reports, API keys), at most `maxMismatches`. */
  mismatches: IntegrityMismatch[];
  /** How many mismatches there were in all. */
  mismatchCount: number;
  /** The chain's newest row (seq 0 and the genesis hash when it is empty). */
  head: { seq: number; hash: string };
  counts: {
    auditRows: number;
    records: number;
    partyStates: number;
    /**
     * States migration 0003 marked for recomputation (its `until` set to its `asOf`, for parties with a
     * repair, whose rule changed): recomputed at their next read or sweep, not compared.
     */
    staleStates: number;
    reports: number;
    apiKeys: number;
    /** Stored checkpoints checked against the chain. */
    checkpoints: number;
  };
  /** The saved checkpoint given in `opts.checkpoint`, as read (`signed`: its JWS verified). */
  checkpoint?: { seq: number; head: string; signed: boolean };
}

export interface IntegrityOptions {
  /**
   * A policy given to `createFivecolor` in code: states computed under it are compared too (states are
   * always compared under the active policy stored and those applied before). Refused (`TypeError`) when
   * its id names a policy applied to this store with other rules.
   */
  policy?: Policy | undefined;
  /**
   * A checkpoint saved outside the database earlier: the compact JWS served at
   * `/.well-known/fivecolor-audit-head`, or JSON `{ seq, head }`. The chain must still hold that seq
   * with that hash.
   */
  checkpoint?: string | undefined;
  /** Public JWKs besides the stored signing keys (e.g. of `FIVECOLOR_SIGNING_KEY`). */
  publicKeys?: readonly JWK[] | undefined;
  /** Stop collecting after this many mismatches (default 100; all are counted). */
  maxMismatches?: number | undefined;
  /** Rows read per query (default 1000). */
  pageSize?: number | undefined;
  /** Called after each page: at a million parties the check takes minutes (the CLI shows a bar). */
  onProgress?: ((progress: IntegrityProgress) => void) | undefined;
}

/**
 * How far `verifyIntegrity` has got: rows checked so far of all it will check (audit entries, records,
 * party states, reports, API keys, counted when it began: rows written since may take `checked` past
 * `total`), and the table it is reading.
 */
export interface IntegrityProgress {
  table: Exclude<IntegrityTable, 'audit_checkpoints'>;
  checked: number;
  total: number;
}

/**
 * Checks that the database is what its audit log says: the hash chain links and every row hashes
 * right; every record, API key and report hashes to what the newest audit entry naming it carries
 * (`detail.rows`), and a row no entry names is a mismatch; every report's snapshot is the payload of
 * its stored JWS, whose signature verifies; every party state equals the recomputation from the
 * party's records as of its `asOf`; the stored checkpoints and `opts.checkpoint` (one saved
 * elsewhere) name hashes the chain still has. Reads everything in pages; writes nothing.
 *
 * @example
 * const r = await verifyIntegrity(db, { checkpoint: await readFile('audit-head.jws', 'utf8') });
 * if (!r.ok) console.error(r.mismatches[0]); // { table: 'records', id: 'rec_…', what: '…' }
 */
export async function verifyIntegrity(db: Db, opts: IntegrityOptions = {}): Promise<IntegrityResult> {
  // On PostgreSQL every read is of one snapshot: the servers go on writing while it reads, and a row
  // committed after the audit trail was read would look written around the API. (PGlite's one connection
  // would hold every request meanwhile; its one process is the only writer there.)
  if (db.kind !== 'postgres') return verifyReads(db, opts);
  return db.db.transaction((tx) => verifyReads({ ...db, db: tx as unknown as Db['db'] }, opts), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
}

async function verifyReads(db: Db, opts: IntegrityOptions): Promise<IntegrityResult> {
  const pageSize = opts.pageSize ?? 1000;
  const max = opts.maxMismatches ?? 100;
  const mismatches: IntegrityMismatch[] = [];
  let mismatchCount = 0;
  const miss = (table: IntegrityTable, id: string, what: string) => {
    mismatchCount++;
    if (mismatches.length < max) mismatches.push({ table, id, what });
  };
  const active = await storedPolicy(db, miss);
  // The policies a state may have been computed under, by id (an id names one set of rules).
  const policies = new Map((await earlierPolicies(db)).map((p) => [p.id, p]));
  if (active) policies.set(active.id, active);
  if (opts.policy) {
    const known = policies.get(opts.policy.id);
    if (known && policyDigest(known) !== policyDigest(opts.policy))
      throw new TypeError(
        `policy: ${JSON.stringify(opts.policy.id)} names a policy this store has applied with other rules (an id names one set of rules); give the policy the servers run`,
      );
    policies.set(opts.policy.id, opts.policy);
  }
  const counts: IntegrityResult['counts'] = {
    auditRows: 0,
    records: 0,
    partyStates: 0,
    staleStates: 0,
    reports: 0,
    apiKeys: 0,
    checkpoints: 0,
  };
  const keys = await checkpointKeys(db, opts.publicKeys);
  const total = opts.onProgress ? await rowsToCheck(db) : 0;
  const progress = (table: IntegrityProgress['table']) =>
    opts.onProgress?.({
      table,
      checked: counts.auditRows + counts.records + counts.partyStates + counts.reports + counts.apiKeys,
      total,
    });

  // Heads the chain must still have: the saved checkpoint, then the stored ones.
  const expected = new Map<number, { head: string; source: string }>();
  let saved: IntegrityResult['checkpoint'];
  if (opts.checkpoint !== undefined) {
    try {
      const cp = await readCheckpoint(opts.checkpoint, keys);
      saved = { seq: cp.seq, head: cp.head, signed: cp.signed };
      if (cp.seq > 0) expected.set(cp.seq, { head: cp.head, source: 'the saved checkpoint' });
    } catch (err) {
      miss('audit_checkpoints', 'saved', (err as Error).message);
    }
  }
  const stored = await db.db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq));
  for (const row of stored) {
    counts.checkpoints++;
    try {
      const cp = await readCheckpoint(row.jws, keys);
      if (cp.seq !== row.seq || cp.head !== row.head)
        miss('audit_checkpoints', String(row.seq), 'seq or head differs from its signed JWS');
      else if (row.seq > 0 && !expected.has(row.seq))
        expected.set(row.seq, { head: row.head, source: 'the stored checkpoint' });
    } catch (err) {
      miss('audit_checkpoints', String(row.seq), (err as Error).message);
    }
  }

  // The chain, collecting the newest row hash each entry vouches for (`hash@seq`).
  const vouched = new Map<HashedTable, Map<string, string>>(HASHED_TABLES.map((t) => [t, new Map()]));
  // Records written in bulk: one entry per batch with a digest over its rows (`detail.batch`).
  const batches = new Map<string, BatchProof & { seq: number; leaves: string[]; seen: number }>();
  let prev = GENESIS_HASH;
  let after = 0;
  let broken = false;
  for await (const rows of auditPages(db, pageSize)) {
    for (const row of rows) {
      counts.auditRows++;
      if (!broken) {
        if (row.prevHash !== prev) {
          broken = true;
          miss(
            'audit_log',
            String(row.seq),
            'previous hash does not match (a row before it was changed or removed)',
          );
        } else if (auditRowHash(row) !== row.hash) {
          broken = true;
          miss('audit_log', String(row.seq), 'row content does not match its hash');
        }
      }
      const cp = expected.get(row.seq);
      if (cp) {
        expected.delete(row.seq);
        if (cp.head !== row.hash)
          miss(
            'audit_log',
            String(row.seq),
            `hash differs from ${cp.source} (the chain was rewritten up to here)`,
          );
      }
      const batch = (row.detail as { batch?: { records?: BatchProof } } | null)?.batch?.records;
      if (batch && typeof batch.prefix === 'string' && batch.prefix.length === BATCH_PREFIX_LENGTH)
        batches.set(batch.prefix, { ...batch, seq: row.seq, leaves: [], seen: 0 });
      const hashes = (row.detail as { rows?: unknown } | null)?.rows;
      if (hashes && typeof hashes === 'object')
        for (const table of HASHED_TABLES) {
          const byId = (hashes as Record<string, unknown>)[table];
          if (!byId || typeof byId !== 'object') continue;
          const into = vouched.get(table) as Map<string, string>;
          for (const [id, h] of Object.entries(byId)) into.set(id, `${String(h)}@${row.seq}`);
        }
      prev = row.hash;
      after = row.seq;
    }
    progress('audit_log');
  }
  for (const [seq, cp] of expected)
    miss(
      'audit_log',
      String(seq),
      `the chain ends at seq ${after}, before ${cp.source}'s seq (rows were removed)`,
    );

  const checkRow = (table: HashedTable, id: string, row: object) => {
    const v = vouched.get(table)?.get(id);
    if (v === undefined) return miss(table, id, 'no audit entry names this row (written around the API)');
    vouched.get(table)?.delete(id); // what is left once every row was read names rows that are gone
    const at = v.lastIndexOf('@');
    if (v.slice(0, at) !== rowHash(table, row))
      miss(table, id, `row differs from the hash in its newest audit entry (seq ${v.slice(at + 1)})`);
  };

  // Nothing deletes a row of these tables (a revocation keeps it): a row an audit entry names is there.
  const missingRows = (table: HashedTable) => {
    for (const [id, v] of vouched.get(table) ?? [])
      miss(table, id, `named by audit entry seq ${v.slice(v.lastIndexOf('@') + 1)} but missing (deleted)`);
    vouched.delete(table);
  };

  // Records: each against the newest entry naming it, and a batch-written one against its batch's digest.
  const batchMiss = (b: BatchProof & { seq: number }, what: string) =>
    miss(
      'records',
      `${b.prefix}*`,
      `the ${b.count} records of the batch in audit entry seq ${b.seq} ${what}`,
    );
  for await (const rows of recordPages(db, pageSize)) {
    const amended = rows.filter((r) => r.revision > 0 && batches.has(r.id.slice(0, BATCH_PREFIX_LENGTH)));
    const firstBefore = new Map<string, Record<string, unknown>>();
    if (amended.length > 0)
      for (const rev of await db.db
        .select({ recordId: recordRevisions.recordId, before: recordRevisions.before })
        .from(recordRevisions)
        .where(
          and(
            inArray(
              recordRevisions.recordId,
              amended.map((r) => r.id),
            ),
            eq(recordRevisions.revision, 1),
          ),
        ))
        firstBefore.set(rev.recordId, rev.before as Record<string, unknown>);
    for (const row of rows) {
      counts.records++;
      const b = batches.get(row.id.slice(0, BATCH_PREFIX_LENGTH));
      const n = b ? batchRowNumber(row.id) : -1;
      if (!b || n < 0 || n >= b.count) {
        checkRow('records', row.id, row);
        continue;
      }
      if (b.leaves[n] === undefined) b.seen++;
      b.leaves[n] = rowHash('records', asWritten(row, firstBefore.get(row.id)));
      // Changed since by an audited write: that entry vouches for the row as it is now.
      if (vouched.get('records')?.has(row.id)) checkRow('records', row.id, row);
      if (b.seen === b.count) {
        if (batchDigest(b.leaves) !== b.digest) batchMiss(b, 'differ from its digest (one was changed)');
        batches.delete(b.prefix);
      }
    }
    progress('records');
  }
  for (const b of batches.values()) batchMiss(b, `are not all there (${b.count - b.seen} missing)`);
  missingRows('records');

  // Party states: recomputed from the party's records as of the state's asOf.
  for (let last = ''; ; ) {
    const states = await db.db
      .select()
      .from(partyState)
      .where(gt(partyState.partyId, last))
      .orderBy(asc(partyState.partyId))
      .limit(pageSize);
    if (states.length === 0) break;
    const byParty = await recordsBetween(
      db.db,
      (states[0] as { partyId: string }).partyId,
      (states.at(-1) as { partyId: string }).partyId,
    );
    for (const s of states) {
      counts.partyStates++;
      const facts = byParty.get(s.partyId) ?? [];
      // Marked for recomputation (its `until` has come by its own `asOf`): migration 0003 did so for the
      // parties with a repair, whose rule changed, and nothing else does.
      if (s.until !== null && s.until <= s.asOf) {
        if (facts.some((r) => !r.revokedAt && (r.category === 'B01' || Array.isArray(r.repairs)))) {
          counts.staleStates++;
        } else {
          miss(
            'party_state',
            s.partyId,
            `until ${s.until} is not after its asOf ${s.asOf}: marked for recomputation, as only migration 0003 marked states, of parties with a repair; this party has none`,
          );
        }
        continue;
      }
      // Computed under the policy in force then (a server not yet restarted after \`policy apply\`, or a
      // state the recomputation has not reached): compared under that policy.
      const under = policies.get(s.policyId);
      if (!under) {
        // A policy given to \`createFivecolor\` in code, or applied by a version that kept only its id:
        // its rules are not known here, so nothing to compare (the next read or sweep recomputes it).
        counts.staleStates++;
        continue;
      }
      let next: { color: Color; since: string | null; until: string | null; basis: string[] };
      try {
        next = materializeParty(s.partyId, facts, { asOf: s.asOf, policy: under });
      } catch (err) {
        miss('party_state', s.partyId, `its records do not classify: ${(err as Error).message}`);
        continue;
      }
      const differs = [
        s.color !== next.color && 'color',
        s.since !== next.since && 'since',
        s.until !== next.until && 'until',
        canonicalJson([...(s.basis ?? [])].sort()) !== canonicalJson([...next.basis].sort()) && 'basis',
      ].filter((x): x is string => x !== false);
      if (differs.length > 0)
        miss(
          'party_state',
          s.partyId,
          `${differs.join(', ')} differ(s) from the recomputation from its records`,
        );
    }
    last = (states.at(-1) as { partyId: string }).partyId;
    progress('party_state');
  }

  // Reports: the row's hash, and the snapshot against the signed JWS stored with it.
  const verifyKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();
  const keyOf = (kid: string) => {
    let k = verifyKeys.get(kid);
    const jwk = keys.get(kid);
    if (!k && jwk) {
      k = importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
      verifyKeys.set(kid, k);
    }
    return k;
  };
  for await (const rows of reportPages(db, pageSize)) {
    for (const row of rows) {
      counts.reports++;
      checkRow('reports', row.reportNo, row);
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(row.signed).kid;
      } catch {
        miss('reports', row.reportNo, 'signed: not a compact JWS');
        continue;
      }
      const key = kid ? keyOf(kid) : undefined;
      if (!key || kid !== row.kid) {
        miss(
          'reports',
          row.reportNo,
          `signed: key ${kid ?? '(none)'} is not a known signing key or not the row's kid`,
        );
        continue;
      }
      let payload: Uint8Array;
      try {
        ({ payload } = await compactVerify(row.signed, await key));
      } catch {
        miss('reports', row.reportNo, `signed: the signature does not verify with key ${kid}`);
        continue;
      }
      const signed = JSON.parse(new TextDecoder().decode(payload)) as unknown;
      if (canonicalJson(signed) !== canonicalJson(row.snapshot))
        miss('reports', row.reportNo, 'snapshot differs from the payload of its signed JWS');
    }
    progress('reports');
  }
  missingRows('reports');

  // API keys.
  for (const row of await db.db.select().from(apiKeys).orderBy(asc(apiKeys.id))) {
    counts.apiKeys++;
    checkRow('api_keys', row.id, row);
  }
  missingRows('api_keys');
  progress('api_keys');

  return {
    ok: mismatchCount === 0,
    mismatches,
    mismatchCount,
    head: { seq: after, hash: prev },
    counts,
    ...(saved ? { checkpoint: saved } : {}),
  };
}

/** The rows `verifyIntegrity` reads, in all (for its progress). */
async function rowsToCheck(db: Db): Promise<number> {
  const [row] = rowsOf<{ n: number | string }>(
    await db.db.execute(
      sql`select (select count(*) from audit_log) + (select count(*) from records) + (select count(*) from party_state)
        + (select count(*) from reports) + (select count(*) from api_keys) as n`,
    ),
  );
  return Number(row?.n ?? 0);
}

/** The ids of the rows some audit entry vouches for by hash, per table. */
async function vouchedIds(
  db: Db,
  pageSize: number,
  batchPrefixes: Set<string>,
): Promise<Map<HashedTable, Set<string>>> {
  const ids = new Map<HashedTable, Set<string>>(HASHED_TABLES.map((t) => [t, new Set()]));
  for await (const rows of auditPages(db, pageSize)) {
    for (const row of rows) {
      // A batch entry vouches for its records by their id prefix (see `verifyIntegrity`).
      const batch = (row.detail as { batch?: { records?: BatchProof } } | null)?.batch?.records;
      if (batch && typeof batch.prefix === 'string') batchPrefixes.add(batch.prefix);
      const hashes = (row.detail as { rows?: Record<string, unknown> } | null)?.rows;
      for (const table of HASHED_TABLES) {
        const byId = hashes?.[table];
        if (byId && typeof byId === 'object') for (const id of Object.keys(byId)) ids.get(table)?.add(id);
      }
    }
  }
  return ids;
}

/**
 * Vouches once for the rows no audit entry names — rows written before audit entries carried row hashes
 * (an upgraded database) — by appending `baseline` audit entries with their hashes as they are now, 1,000
 * rows an entry. A row some entry names is never vouched for again here, so a row changed since its last
 * audited write stays a mismatch. Run it once after the upgrade, before anyone else could have written to
 * the database around the API. Returns how many rows of each table it vouched for.
 *
 * @example
 * const vouched = await vouchForUnauditedRows(db); // { records: 1204, api_keys: 7, reports: 31 }
 */
export async function vouchForUnauditedRows(
  db: Db,
  opts: { pageSize?: number; now?: Date } = {},
): Promise<Record<HashedTable, number>> {
  const pageSize = opts.pageSize ?? 1000;
  const batchPrefixes = new Set<string>();
  const vouched = await vouchedIds(db, pageSize, batchPrefixes);
  const counts: Record<HashedTable, number> = { records: 0, api_keys: 0, reports: 0 };
  const append = async <R extends object>(table: HashedTable, rows: R[], idOf: (r: R) => string) => {
    if (rows.length === 0) return;
    counts[table] += rows.length;
    await db.db.transaction((tx) =>
      appendAudit(
        tx,
        {
          actorId: 'cli',
          actorRole: 'operator',
          actorOrg: null,
          action: 'baseline',
          detail: rowsDetail(table, rows, idOf),
        },
        opts.now ?? new Date(),
      ),
    );
  };
  const unvouched = (table: HashedTable, id: string) =>
    !vouched.get(table)?.has(id) &&
    !(table === 'records' && batchPrefixes.has(id.slice(0, BATCH_PREFIX_LENGTH)));
  for await (const rows of recordPages(db, pageSize))
    await append(
      'records',
      rows.filter((r) => unvouched('records', r.id)),
      (r) => r.id,
    );
  for await (const rows of reportPages(db, pageSize))
    await append(
      'reports',
      rows.filter((r) => unvouched('reports', r.reportNo)),
      (r) => r.reportNo,
    );
  const keys = await db.db.select().from(apiKeys).orderBy(asc(apiKeys.id));
  await append(
    'api_keys',
    keys.filter((k) => unvouched('api_keys', k.id)),
    (k) => k.id,
  );
  return counts;
}

/** Every record, in pages ordered by id. */
async function* recordPages(db: Db, pageSize: number) {
  for (let last = ''; ; ) {
    const rows = await db.db
      .select()
      .from(records)
      .where(gt(records.id, last))
      .orderBy(asc(records.id))
      .limit(pageSize);
    if (rows.length === 0) return;
    yield rows;
    last = (rows.at(-1) as { id: string }).id;
  }
}

/** Every report, in pages ordered by number. */
async function* reportPages(db: Db, pageSize: number) {
  for (let last = ''; ; ) {
    const rows = await db.db
      .select()
      .from(reports)
      .where(gt(reports.reportNo, last))
      .orderBy(asc(reports.reportNo))
      .limit(pageSize);
    if (rows.length === 0) return;
    yield rows;
    last = (rows.at(-1) as { reportNo: string }).reportNo;
  }
}

/**
 * The policy stored as active (settings), or null when none is; a mismatch unless it is the one the last
 * `policy.apply` entry of the chain applied (the entry keeps its digest), and where none is stored but an
 * entry applied one.
 */
async function storedPolicy(
  db: Db,
  miss: (table: IntegrityTable, id: string, what: string) => void,
): Promise<Policy | null> {
  const [row] = rowsOf<{ value: unknown }>(
    await db.db.execute(sql`select value from settings where key = ${POLICY_SETTING}`),
  );
  const [last] = rowsOf<{ seq: string | number; target: string; digest: string | null }>(
    await db.db.execute(
      sql`select seq, target, detail->>'digest' as digest from audit_log
        where action = 'policy.apply' order by seq desc limit 1`,
    ),
  );
  const applied =
    last && `the last policy.apply entry (seq ${last.seq}) applied ${JSON.stringify(last.target)}`;
  if (!row) {
    if (applied) miss('settings', POLICY_SETTING, `no active policy is stored, but ${applied}`);
    return null;
  }
  let policy: Policy;
  try {
    policy = validatePolicy(row.value);
  } catch (err) {
    miss('settings', POLICY_SETTING, `the active policy stored is not a policy: ${(err as Error).message}`);
    return null;
  }
  const id = JSON.stringify(policy.id.slice(0, 40));
  if (!applied)
    miss(
      'settings',
      POLICY_SETTING,
      `an active policy is stored (${id}), but no policy.apply entry applied one`,
    );
  else if (last?.digest !== policyDigest(policy))
    miss('settings', POLICY_SETTING, `the active policy stored (${id}) is not the one ${applied}`);
  return policy;
}
