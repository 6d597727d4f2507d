import { createHmac, hash as hashOnce } from 'node:crypto';
import {
  addDuration,
  type Color,
  defaultPolicy,
  maskIdNumber,
  maskName,
  type Policy,
  parsePartyId,
  toCstDate,
} from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.js';
import { batchDigest, batchRecordId, MAX_BATCH_ROWS, newBatchPrefix } from '../audit/batch-digest.js';
import { canonicalJson } from '../audit/canonical-json.js';
import { deriveKey, type PartyCrypto } from '../crypto/party-crypto.js';
import type { Db, Tx } from '../db/database.js';
import { newIdRun } from '../db/ids.js';
import { IMPORT_LOCK, WRITES_IMPORTS_LOOK_UP } from '../db/locks.js';
import { rowsOf } from '../db/rows.js';
import { isUniqueViolation } from '../db/write-tx.js';
import { notifyParties, POLICY_SETTING, updateStates } from '../services/policy-service.js';
import { materializeParty, type PartyStateValues, type RecordFacts } from '../state/materialize.js';
import { type BulkScope, bulkTransaction, CsvLines, csvText } from './bulk-tx.js';
import { caseKey, caseKeySql, type ImportProblem, type ImportRow } from './import-row.js';

export interface ImportOptions {
  crypto: PartyCrypto;
  policy: Policy;
  /** Where the rows come from (`records.source`); with `externalId` the key that makes a re-run a no-op. */
  source: string;
  /** The states' `asOf` and the rows' `createdAt` (default now). */
  now?: Date | undefined;
  /** Who imports (`records.created_by`, the audit entry's actor; default `cli`). */
  actorId?: string | undefined;
  /** The file's name, for the audit entry. */
  file?: string | undefined;
  /**
   * The server secret `crypto` was made from: with it, identity hashes are computed from the rows'
   * identifiers as `checkImportRow` normalized them, without parsing each one again.
   */
  secret?: string | undefined;
  /**
   * No record of `source` was stored when the import began: a batch skips looking its external ids up
   * (they cannot be stored yet), and should one be stored after all (another import of the same source
   * at the same time) the batch is rolled back and written again with the lookup.
   */
  newSource?: boolean | undefined;
  /**
   * Policies in force before `policy` (`earlierPolicies`): a row imported before whose `effectiveUntil`
   * is empty matches the stored end its category's term gave under any of them (default: core's
   * `defaultPolicy`).
   */
  earlierPolicies?: readonly Policy[] | undefined;
}

export interface BatchOutcome {
  created: number;
  /** Rows already imported (same source and external id) with the same content. */
  unchanged: number;
  rejected: (ImportProblem & { line: number })[];
  partiesRegistered: number;
  /** Lines whose name differs from the party's stored name (the stored one is kept). */
  namesDiffer: number[];
  /** Parties whose color the batch changed. */
  colorChanges: number;
}

const PARTY_COLUMNS = [
  'id',
  'kind',
  'id_type',
  'identity_hash',
  'id_number_enc',
  'name_enc',
  'name_masked',
  'id_number_masked',
  'created_by',
  'created_at',
];
const RECORD_COLUMNS = [
  'id',
  'party_id',
  'category',
  'court',
  'case_number',
  'effective_from',
  'effective_until',
  'repairs',
  'note',
  'source',
  'external_id',
  'revision',
  'created_by',
  'created_at',
];
const STATE_COLUMNS = [
  'party_id',
  'color',
  'since',
  'until',
  'basis',
  'policy_id',
  'as_of',
  'version',
  'updated_at',
];
const CHANGE_COLUMNS = ['party_id', 'kind', 'record_id', 'color', 'previous_color', 'data', 'at'];

const json = (v: unknown) => JSON.stringify(v);
const dateText = (v: unknown) => (v === null || v === undefined ? null : String(v).slice(0, 10));

/** A record this batch writes: what the states, the change feed and the batch proof need. */
interface NewRecord extends RecordFacts {
  partyId: string;
  /** `rowHash('records', row)` of the row as written (see `recordLeaf`). */
  leaf: string;
}

/** A party this batch registers, encrypted only when some written record names it. */
interface NewParty {
  id: string;
  hash: string;
  row: ImportRow;
}

const hmacKeys = new Map<string, Buffer>();
/** The identity HMAC key of `secret` (as `createPartyCrypto` derives it), derived once. */
function hmacKey(secret: string): Buffer {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = deriveKey(secret, 'identity-hmac');
    hmacKeys.set(secret, key);
  }
  return key;
}

/**
 * `rowHash('records', row)` of a record as a batch writes it (revision 0, not revoked): its canonical
 * JSON written out in key order, without building the row object (a bulk import hashes every record).
 */
export function recordLeaf(r: {
  id: string;
  partyId: string;
  category: string;
  court: string;
  caseNumber: string;
  effectiveFrom: string;
  effectiveUntil: string | null;
  repairs: readonly string[] | null;
  note: string | null;
  source: string;
  externalId: string;
  createdBy: string;
  createdAt: Date;
}): string {
  const body =
    `{"caseNumber":${json(r.caseNumber)},"category":${json(r.category)},"court":${json(r.court)}` +
    `,"createdAt":"${r.createdAt.toISOString()}","createdBy":${json(r.createdBy)}` +
    `,"effectiveFrom":${json(r.effectiveFrom)}` +
    (r.effectiveUntil === null ? '' : `,"effectiveUntil":${json(r.effectiveUntil)}`) +
    `,"externalId":${json(r.externalId)},"id":${json(r.id)}` +
    (r.note === null ? '' : `,"note":${json(r.note)}`) +
    `,"partyId":${json(r.partyId)}` +
    (r.repairs === null ? '' : `,"repairs":${canonicalJson(r.repairs)}`) +
    `,"revision":0,"source":${json(r.source)}}`;
  return hashOnce('sha256', `records\n${body}`, 'hex'); // one call: a bulk import hashes every record
}

/** A party a batch registers: what a later batch needs before that batch has committed. */
interface PendingParty {
  id: string;
  name: string;
}

/** A batch made ready to write: everything computed that needs no lock (see `prepareBatch`). */
interface PreparedBatch {
  out: BatchOutcome;
  lines: [number | undefined, number | undefined];
  prefix: string;
  parties: CsvLines;
  records: CsvLines;
  newRecords: NewRecord[];
  /** Identity hash → the party this batch registers (for the next batch, see `ImportPipeline`). */
  registered: Map<string, PendingParty>;
  /** The states of the parties this batch registers (classified from the batch's records alone). */
  states: CsvLines;
  /**
   * The change feed's rows that need nothing stored: every `record.created`, new parties' `color.changed`
   * (the write adds the stored parties' after them).
   */
  feed: CsvLines;
  digest: string;
  now: Date;
  opts: ImportOptions;
  /** The audit chain's last seq before the batch's lookups: what was stored up to it, they saw. */
  auditSeen: number;
  /** The id prefixes of this import's batches that may have been written since `auditSeen`. */
  own: string[];
}

type Lookup = Pick<Tx, 'execute'>;

/**
 * Writes a batch of checked import rows (`checkImportRow`) in one transaction (`bulkTransaction`): rows
 * already imported from `source` are left alone (`unchanged`, or rejected when their content differs);
 * parties not yet registered are registered (their identities keyed and encrypted as `party.register`
 * does; a differing name keeps the stored one and is counted); records are copied in with ids of one
 * batch, states recomputed with core's classifier, `record.created` and `color.changed` rows written to
 * the change feed, and ONE audit entry appended that carries the batch's digest (`detail.batch`), which
 * `verifyIntegrity` checks every row against. A repair's `repairs` name external ids already stored
 * from `source` (import repairs after the rows they repair). Nothing of the batch is written if any
 * statement fails. Every lookup is made inside the transaction, after the import lock.
 */
export async function importBatch(
  db: Db,
  batch: readonly ImportRow[],
  opts: ImportOptions,
): Promise<BatchOutcome> {
  if (batch.length > MAX_BATCH_ROWS) throw new RangeError(`importBatch: at most ${MAX_BATCH_ROWS} rows`);
  const run = (lookUp: boolean) =>
    bulkTransaction(db, async (s) => {
      await lock(s.tx, opts.policy);
      return writePrepared(db, s, await prepareBatch(s.tx, batch, opts, lookUp, null));
    });
  if (opts.newSource) {
    try {
      return await run(false);
    } catch (err) {
      if (!metMeanwhile(err)) throw err;
    }
  }
  // Under the lock nothing an import looks up is written meanwhile (the API's writes of parties and
  // records hold it shared); a writer that does not take it sends the batch round again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(true);
    } catch (err) {
      if (!metMeanwhile(err)) throw err;
      if (attempt >= WRITE_ATTEMPTS)
        throw new StoredMeanwhile(`, ${WRITE_ATTEMPTS} times running; run the import again`, { cause: err });
    }
  }
}

/** How many times a batch is written before a row stored meanwhile each time fails the import. */
const WRITE_ATTEMPTS = 5;

/** A batch's lookups missed a write made meanwhile by someone else that may name one of its records. */
class StoredMeanwhile extends Error {
  constructor(more = '', options?: ErrorOptions) {
    super(
      `import: parties or records this batch names were stored by another writer while it was written${more}`,
      options,
    );
  }
}

/** The API's writes of records an import looks up (their audit rows name the party). */
const RECORD_WRITES = [...WRITES_IMPORTS_LOOK_UP].filter((p) => p !== 'party.register');

/** Whether a batch's write failed on a row stored meanwhile (written again, it looks again). */
const metMeanwhile = (err: unknown) =>
  err instanceof StoredMeanwhile ||
  isUniqueViolation(err, 'records_source_external_uq') ||
  isUniqueViolation(err, 'parties_identity_hash_uq');

/**
 * Batches written in order, one transaction each, as `importBatch` writes them, with the next batch
 * prepared (identities keyed, stored parties and external ids looked up on another connection, rows
 * encrypted and hashed) while the database writes the current one. A party the batch being written
 * registers is not visible to the next batch's lookups yet: the pipeline hands it over. Should a write
 * meet a row that appeared meanwhile (another import or `party.register` at the same time), that batch
 * and every later one are written the safe way, `importBatch`'s, with every lookup under the lock.
 *
 * @example
 * const pipeline = new ImportPipeline(db, opts, (out) => console.log(out.created));
 * for (const rows of batches) await pipeline.add(rows);
 * await pipeline.finish();
 */
export class ImportPipeline {
  private writing: Promise<void> = Promise.resolve();
  private inFlight: { rows: readonly ImportRow[]; prepared: PreparedBatch } | null = null;
  /** Set once a batch met a row stored meanwhile: every batch from then on is written by `importBatch`. */
  private safe: ImportOptions | null = null;
  /** Batches written again the safe way, after meeting a row stored meanwhile (0 or 1). */
  retried = 0;

  constructor(
    private readonly db: Db,
    private readonly opts: ImportOptions,
    private readonly onWritten: (out: BatchOutcome, rows: readonly ImportRow[]) => void,
  ) {}

  /** Prepares `rows` while the previous batch is written, then starts writing them; resolves once started. */
  async add(rows: readonly ImportRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (rows.length > MAX_BATCH_ROWS)
      throw new RangeError(`ImportPipeline.add: at most ${MAX_BATCH_ROWS} rows a batch`);
    if (this.safe) return this.writeSafely(rows, this.safe);
    const before = this.inFlight?.prepared;
    let prepared: PreparedBatch;
    try {
      prepared = await prepareBatch(
        this.db.db,
        rows,
        this.opts,
        !this.opts.newSource,
        before?.registered ?? null,
      );
      if (before) prepared.own.push(before.prefix); // it commits after this batch's lookups, maybe
    } finally {
      await this.settle();
    }
    if (this.safe) return this.writeSafely(rows, this.safe); // the batch before failed: `prepared` is stale
    this.inFlight = { rows, prepared };
    this.writing = bulkTransaction(this.db, async (s) => {
      await lock(s.tx, this.opts.policy);
      return writePrepared(this.db, s, prepared);
    }).then((out) => this.onWritten(out, rows));
    this.writing.catch(() => {}); // awaited (and thrown) by the next add or finish
  }

  /** Waits for every batch to be written. */
  async finish(): Promise<void> {
    await this.settle();
  }

  /** Waits for the batch being written; one that met a row stored meanwhile is written again safely. */
  private async settle(): Promise<void> {
    const flight = this.inFlight;
    try {
      await this.writing;
    } catch (err) {
      if (!flight || !metMeanwhile(err)) throw err;
      this.safe = { ...this.opts, newSource: false };
      this.retried++;
      await this.writeSafely(flight.rows, this.safe);
    } finally {
      this.writing = Promise.resolve();
      this.inFlight = null;
    }
  }

  private async writeSafely(rows: readonly ImportRow[], opts: ImportOptions): Promise<void> {
    this.onWritten(await importBatch(this.db, rows, opts), rows);
  }
}

/**
 * Takes the import lock for the batch's transaction, then makes sure the policy stored as active (if one
 * was) is still the one the import classifies with: `policy apply` stores its policy holding the same
 * lock, so a batch either commits before it or sees it here — and stops the import rather than storing
 * states under the policy no longer in force.
 */
async function lock(tx: Tx, policy: Policy): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${IMPORT_LOCK})`);
  const [stored] = rowsOf<{ id: string | null }>(
    await tx.execute(sql`select value->>'id' as id from settings where key = ${POLICY_SETTING}`),
  );
  if (stored?.id != null && stored.id !== policy.id)
    throw new Error(
      `import: the active policy is now ${JSON.stringify(stored.id)} (applied while this import ran under ${JSON.stringify(policy.id)}); run the import again: it goes on under the new policy`,
    );
}
const yieldToIo = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Everything a batch's write needs that takes no lock: identity hashes, the stored parties and (with
 * `lookUp`) the rows already imported, looked up with `q`; the parties and records as COPY text, the
 * records' leaves. `pending`: parties the batch before registers, not committed yet.
 */
async function prepareBatch(
  q: Lookup,
  batch: readonly ImportRow[],
  o: ImportOptions,
  lookUp: boolean,
  pending: ReadonlyMap<string, PendingParty> | null,
): Promise<PreparedBatch> {
  const now = o.now ?? new Date();
  const nowIso = now.toISOString();
  const actorId = o.actorId ?? 'cli';
  const out: BatchOutcome = {
    created: 0,
    unchanged: 0,
    rejected: [],
    partiesRegistered: 0,
    namesDiffer: [],
    colorChanges: 0,
  };
  const hashes = identityHashes(batch, o);

  const auditSeen = await auditHead(q);
  const done = lookUp ? await storedImports(q, batch, o.source) : new Map<number, StoredImport>();
  const stored = new Map<string, { id: string; name: string | null; nameEnc?: string }>();
  const wanted: string[] = [];
  for (const hash of new Set(hashes.filter((_, n) => !done.has(n)))) {
    const p = pending?.get(hash);
    if (p) stored.set(hash, p);
    else wanted.push(hash);
  }
  for (const [hash, p] of await storedParties(q, wanted)) stored.set(hash, { ...p, name: null });

  // A row naming a party stored before this batch may name one of its records stored before.
  const ofStored: number[] = [];
  for (let n = 0; n < batch.length; n++)
    if (!done.has(n) && stored.get(hashes[n] as string)?.nameEnc !== undefined) ofStored.push(n);
  const copies = await storedCopies(q, batch, hashes, ofStored, o.source);
  const targets = await repairTargets(q, batch, o.source);

  const prefix = newBatchPrefix();
  const partyIdOf = newIdRun('pty');
  const sourceCsv = csvText(o.source);
  const tail = `,${sourceCsv}`;
  const actorCsv = csvText(actorId);
  const newParties: NewParty[] = [];
  const newRecords: NewRecord[] = [];
  const records = new CsvLines();
  const partyOf = new Map<string, string>(); // identity hash → party id, for the rows of this batch
  const namesOf = new Map<string, string>(); // identity hash → the name kept
  for (let n = 0; n < batch.length; n++) {
    if ((n & 255) === 255) await yieldToIo(); // the batch being written reads its replies meanwhile
    const row = batch[n] as ImportRow;
    const hash = hashes[n] as string;
    const prior = done.get(n);
    if (prior) {
      const differs = differsFrom(prior, row, hash, o, targets);
      if (differs) out.rejected.push(differs);
      else out.unchanged++;
      continue;
    }
    const copy = copies.get(n);
    if (copy) {
      out.rejected.push(storedCopyProblem(row, copy));
      continue;
    }
    let repairs: string[] | null = null;
    if (row.repairs.length > 0) {
      repairs = [];
      for (const [i, ext] of row.repairs.entries()) {
        const t = targets.get(ext);
        const rule = repairRule(ext, i, t && { ...t, sameParty: t.identityHash === hash }, o);
        if (rule) {
          out.rejected.push({ line: row.line, column: 'repairs', rule });
          repairs = null;
          break;
        }
        repairs.push((t as { id: string }).id);
      }
      if (!repairs) continue;
    }
    // A party is named (and a new one registered) by the rows written only.
    let partyId = partyOf.get(hash);
    if (!partyId) {
      const found = stored.get(hash);
      if (found) {
        partyId = found.id;
        namesOf.set(hash, found.name ?? o.crypto.decrypt(found.nameEnc as string));
      } else {
        partyId = partyIdOf(newParties.length);
        namesOf.set(hash, row.name);
        newParties.push({ id: partyId, hash, row });
      }
      partyOf.set(hash, partyId);
    }
    if (namesOf.get(hash) !== row.name) out.namesDiffer.push(row.line);
    const id = batchRecordId(prefix, newRecords.length);
    records.add(
      `${id},${partyId},${csvText(row.category)},${csvText(row.court)},${csvText(row.caseNumber)},` +
        `${row.effectiveFrom},${row.effectiveUntil ?? ''},${repairs === null ? '' : csvText(json(repairs))},` +
        `${row.note === null ? '' : csvText(row.note)}${tail},${csvText(row.externalId)},0,${actorCsv},${nowIso}\n`,
    );
    newRecords.push({
      id,
      partyId,
      category: row.category,
      effectiveFrom: row.effectiveFrom,
      effectiveUntil: row.effectiveUntil,
      repairs,
      revokedAt: null,
      leaf: recordLeaf({
        id,
        partyId,
        category: row.category,
        court: row.court,
        caseNumber: row.caseNumber,
        effectiveFrom: row.effectiveFrom,
        effectiveUntil: row.effectiveUntil,
        repairs,
        note: row.note,
        source: o.source,
        externalId: row.externalId,
        createdBy: actorId,
        createdAt: now,
      }),
    });
  }
  // Register only the parties some written record names (all of a party's rows may have been rejected).
  const named = new Set(newRecords.map((r) => r.partyId));
  const registered = new Map<string, PendingParty>();
  const parties = new CsvLines();
  for (const { id, hash, row } of newParties) {
    if (!named.has(id)) continue;
    if ((registered.size & 255) === 255) await yieldToIo();
    registered.set(hash, { id, name: row.name });
    parties.add(
      `${id},${row.kind},${csvText(row.idType)},${hash},${o.crypto.encrypt(row.idNumber)},` +
        `${o.crypto.encrypt(row.name)},${csvText(maskName(row.name, row.kind))},` +
        `${csvText(row.kind === 'org' ? row.idNumber : maskIdNumber(row.idType, row.idNumber))},${actorCsv},${nowIso}\n`,
    );
  }
  out.partiesRegistered = registered.size;
  out.created = newRecords.length;

  // What needs nothing stored, computed here rather than while the transaction waits: the change feed's
  // record rows, the new parties' states (their records are all in this batch) and color changes, the
  // batch's digest.
  const createdData = new Map<string, string>(); // category → the data field of its record.created
  const feed = new CsvLines();
  for (const r of newRecords) {
    let data = createdData.get(r.category);
    if (data === undefined) {
      data = csvText(json({ category: r.category, source: o.source }));
      createdData.set(r.category, data);
    }
    feed.add(`${r.partyId},record.created,${r.id},,,${data},${nowIso}\n`);
  }
  const asOf = toCstDate(now);
  const fresh = registeredIds(registered);
  const recordsOf = new Map<string, RecordFacts[]>();
  for (const r of newRecords) if (fresh.has(r.partyId)) pushTo(recordsOf, r.partyId, r);
  const states = new CsvLines();
  for (const [id, facts] of recordsOf) {
    const st = materializeParty(id, facts, { asOf, policy: o.policy });
    states.add(
      `${id},${st.color},${st.since ?? ''},${st.until ?? ''},${csvText(json(st.basis))},` +
        `${csvText(st.policyId)},${st.asOf},1,${nowIso}\n`,
    );
    if (st.color !== 'green') {
      out.colorChanges++;
      feed.add(colorChangedCsv(id, st, 'green', nowIso));
    }
  }
  return {
    out,
    lines: [batch[0]?.line, batch.at(-1)?.line],
    prefix,
    parties,
    records,
    newRecords,
    registered,
    states,
    feed,
    digest: batchDigest(newRecords.map((r) => r.leaf)),
    now,
    opts: o,
    auditSeen,
    own: [prefix],
  };
}

/** The audit chain's last seq (0 when empty). */
async function auditHead(q: Lookup): Promise<number> {
  const [r] = rowsOf<{ seq: string | number | null }>(
    await q.execute(sql`select max(seq) as seq from audit_log`),
  );
  return Number(r?.seq ?? 0);
}

/**
 * Whether, since `p.auditSeen`, someone else wrote what may be a record of one of `partyIds` (a party
 * stored before the batch): another import's batch, or a record entered, repaired or amended, or
 * imported through `exchange.import`, for one of them. Asked with the chain's lock held (the batch's own
 * entry appended), when every earlier writer has committed.
 */
async function storedMeanwhile(tx: Tx, p: PreparedBatch, partyIds: readonly string[]): Promise<boolean> {
  const [r] = rowsOf<{ found: boolean }>(
    await tx.execute(sql`
      select exists (
        select 1 from audit_log a
        where a.seq > ${p.auditSeen} and (
          (a.action = 'import'
            and a.detail -> 'batch' -> 'records' ->> 'prefix' not in (select jsonb_array_elements_text(${json(p.own)}::jsonb)))
          or (a.action in (select jsonb_array_elements_text(${json(RECORD_WRITES)}::jsonb))
            and a.party_id in (select jsonb_array_elements_text(${json(partyIds)}::jsonb))))
      ) as found`),
  );
  return r?.found === true;
}

/** The parties stored with the identity hashes `wanted` (sorted here), by identity hash. */
async function storedParties(
  q: Lookup,
  wanted: string[],
): Promise<Map<string, { id: string; nameEnc: string }>> {
  const found = new Map<string, { id: string; nameEnc: string }>();
  if (wanted.length === 0) return found;
  // In index order: the probes walk the identity index's pages in order rather than at random.
  wanted.sort();
  for (const r of rowsOf<{ identity_hash: string; id: string; name_enc: string }>(
    await q.execute(sql`
      select h.value as identity_hash, p.id, p.name_enc
      from jsonb_array_elements_text(${json(wanted)}::jsonb) h
      cross join lateral (select id, name_enc from parties where identity_hash = h.value limit 1) p`),
  ))
    found.set(r.identity_hash, { id: r.id, nameEnc: r.name_enc });
  return found;
}

/** Each row's identity hash: one HMAC per identity of the batch (a party's rows usually come together). */
function identityHashes(
  batch: readonly { idType: string; idNumber: string }[],
  o: Pick<ImportOptions, 'secret' | 'crypto'>,
): string[] {
  // With the secret, of the identifier checkImportRow already normalized, without parsing it again.
  const key = o.secret === undefined ? null : hmacKey(o.secret);
  const hashOf = new Map<string, string>();
  return batch.map((r) => {
    const id = `${r.idType}\u0000${r.idNumber}`;
    let hash = hashOf.get(id);
    if (hash === undefined) {
      hash = key
        ? createHmac('sha256', key).update(id).digest('hex')
        : o.crypto.identityHash(r.idType, r.idNumber);
      hashOf.set(id, hash);
    }
    return hash;
  });
}

/** A record already imported from the source with a row's external id, as compared with the row. */
interface StoredImport {
  category: string;
  court: string;
  case_number: string;
  effective_from: string;
  effective_until: string | null;
  note: string | null;
  /** The ids of the records it repairs. */
  repairs: string[] | null;
  identity_hash: string;
}

/**
 * The records already imported from `source` with the rows' external ids, by the row's index: one index
 * lookup per row (LATERAL … LIMIT 1 keeps the planner from scanning every record of the source or every
 * party, which grows with each batch).
 */
async function storedImports(
  q: Lookup,
  batch: readonly ImportRow[],
  source: string,
): Promise<Map<number, StoredImport>> {
  const done = new Map<number, StoredImport>();
  for (const r of rowsOf<StoredImport & { n: string }>(
    await q.execute(sql`
      select s.n, r.category, r.court, r.case_number, r.effective_from, r.effective_until, r.note,
        r.repairs, r.identity_hash
      from jsonb_array_elements_text(${json(batch.map((r) => r.externalId))}::jsonb)
        with ordinality as s(external_id, n)
      cross join lateral (
        select r.category, r.court, r.case_number, r.effective_from::text as effective_from,
          r.effective_until::text as effective_until, r.note, r.repairs, p.identity_hash
        from records r join parties p on p.id = r.party_id
        where r.source = ${source} and r.external_id = s.external_id limit 1) r`),
  ))
    done.set(Number(r.n) - 1, r);
  return done;
}

/** A stored record that a row would store a second time. */
interface StoredCopy {
  id: string;
  source: string;
  external_id: string | null;
}

/**
 * For the rows `ns` of the batch (with their identity hashes), a record of the same party, category, case
 * number and first day, not revoked, other than the row's own (same source and external id): entered
 * through the API, imported from another source, or from this one under another external id (the same
 * history exported again under new ids). A record is stored once; a file naming one twice has its later
 * line refused as it is read (`checkedRows`), so what a resumed import finds stored from the file is
 * never a copy of one of its rows but the row itself. Each party's records are read once, by index,
 * however many rows name it; none when `ns` is empty.
 */
async function storedCopies(
  q: Lookup,
  batch: readonly ImportRow[],
  hashes: readonly string[],
  ns: readonly number[],
  source: string,
): Promise<Map<number, StoredCopy>> {
  const found = new Map<number, StoredCopy>();
  if (ns.length === 0) return found;
  const rows = ns.map((n) => {
    const r = batch[n] as ImportRow;
    const { category, caseNumber, effectiveFrom: from, externalId: x } = r;
    return { n, h: hashes[n], x, category, case_number: caseKey(caseNumber), from };
  });
  for (const r of rowsOf<StoredCopy & { n: number }>(
    await q.execute(sql`
      with c as materialized (
        select * from jsonb_to_recordset(${json(rows)}::jsonb)
          as c(n int, h text, x text, category text, case_number text, "from" date)),
      ps as materialized (
        select p.id, p.identity_hash as h from parties p where p.identity_hash in (select h from c))
      select c.n, r.id, r.source, r.external_id
      from ps
      cross join lateral (
        select r.id, r.source, r.external_id, r.category, r.case_number, r.effective_from
        from records r where r.party_id = ps.id and r.revoked_at is null) r
      join c on c.h = ps.h and c.category = r.category and c."from" = r.effective_from
        and c.case_number = ${caseKeySql(sql`r.case_number`)}
      where not (r.source = ${source} and r.external_id is not distinct from c.x)
      order by c.n, r.id`),
  ))
    if (!found.has(Number(r.n))) found.set(Number(r.n), r);
  return found;
}

/** The rejection of a row whose record {@link storedCopies} found stored: in both runs' words. */
function storedCopyProblem(row: ImportRow, r: StoredCopy): ImportProblem & { line: number } {
  const from =
    r.external_id === null ? r.source : `${r.source} as ${JSON.stringify(r.external_id.slice(0, 40))}`;
  return {
    line: row.line,
    column: 'caseNumber',
    rule: `the same record (party, category, case number, effectiveFrom) is already stored: ${r.id} from ${from}; leave the line out, or revoke the stored one first`,
  };
}

/**
 * The rejection of a row whose external id was imported before with other content, or null if the same.
 * A repair's list is compared as the records it names (`targets`: stored from the source, by external
 * id), in any order. An `effectiveUntil` left empty matches a stored end that is the category's term
 * under the active policy or one in force before (the record took the term of the day it was imported).
 */
function differsFrom(
  prior: StoredImport,
  row: ImportRow,
  hash: string,
  o: Pick<ImportOptions, 'source' | 'policy' | 'earlierPolicies'>,
  targets: ReadonlyMap<string, { id: string }>,
): (ImportProblem & { line: number }) | null {
  const storedEnd = dateText(prior.effective_until);
  const sameEnd =
    storedEnd === row.effectiveUntil ||
    (row.untilDefaulted &&
      [o.policy, ...(o.earlierPolicies ?? [defaultPolicy])].some(
        (p) => defaultEnd(p, row.category, row.effectiveFrom) === storedEnd,
      ));
  const same =
    prior.identity_hash === hash &&
    prior.category === row.category &&
    prior.court === row.court &&
    prior.case_number === row.caseNumber &&
    dateText(prior.effective_from) === row.effectiveFrom &&
    (prior.note || null) === row.note && // '' was a blank note before it was read as none
    sameIds(
      prior.repairs ?? [],
      row.repairs.map((ext) => targets.get(ext)?.id),
    );
  if (same && sameEnd) return null;
  const rule =
    same && row.untilDefaulted
      ? `already imported from ${o.source} with another effectiveUntil than the category's term gives (left empty); write the stored end date, or correct the record with record.amend`
      : `already imported from ${o.source} with different content; correct it with record.amend`;
  return { line: row.line, column: 'externalId', rule };
}

/** `from` plus the category's term under `policy` (`null`: indefinite; `undefined`: no such category). */
function defaultEnd(policy: Policy, code: string, from: string): string | null | undefined {
  const category = policy.categories.find((c) => c.code === code);
  if (!category) return undefined;
  return category.duration === null ? null : addDuration(from, category.duration);
}

/** Whether two lists name the same ids, in any order (`undefined`: a record not found). */
function sameIds(stored: readonly string[], listed: readonly (string | undefined)[]): boolean {
  if (stored.length !== listed.length) return false;
  const a = [...stored].sort();
  const b = [...listed].sort();
  return a.every((id, i) => id === b[i]);
}

/** A record a repair lists, stored from the source. */
interface RepairTarget {
  id: string;
  category: string;
  revoked: boolean;
  /** The identity hash of its party. */
  identityHash: string;
}

/** The records the batch's repairs list, stored from `source`, by external id. */
async function repairTargets(
  q: Lookup,
  batch: readonly ImportRow[],
  source: string,
): Promise<Map<string, RepairTarget>> {
  const listed = [...new Set(batch.flatMap((r) => r.repairs))];
  const targets = new Map<string, RepairTarget>();
  if (listed.length > 0)
    for (const r of rowsOf<{
      external_id: string;
      id: string;
      category: string;
      revoked: boolean;
      identity_hash: string;
    }>(
      await q.execute(sql`
        select r.external_id, r.id, r.category, r.revoked_at is not null as revoked, p.identity_hash
        from records r join parties p on p.id = r.party_id
        where r.source = ${source} and r.external_id in (select jsonb_array_elements_text(${json(listed)}::jsonb))`),
    ))
      targets.set(r.external_id, {
        id: r.id,
        category: r.category,
        revoked: r.revoked,
        identityHash: r.identity_hash,
      });
  return targets;
}

/**
 * Why a repair may not list `ext`, its item `i` (`t`: that record, wherever found), or null: in a real
 * run's words. An item naming no record is told by its place, never quoted back: an identity number or a
 * name may have been written there.
 */
function repairRule(
  ext: string,
  i: number,
  t: { category: string; revoked: boolean; sameParty: boolean } | undefined,
  o: Pick<ImportOptions, 'policy' | 'source'>,
): string | null {
  if (!t)
    return parsePartyId('RESIDENT_ID', ext).ok || parsePartyId('USCC', ext).ok
      ? `item ${i + 1} is an identity number, not the external id of a record`
      : `item ${i + 1} is not in the file nor stored from ${o.source}`;
  const named = JSON.stringify(ext.slice(0, 40));
  if (!t.sameParty) return `lists ${named}, a record of another party`;
  if (t.revoked) return `lists ${named}, which is revoked`;
  const category = o.policy.categories.find((c) => c.code === t.category);
  // Red or yellow only, as core's classifier has it, whatever a policy says of another color.
  if (category?.repairable !== true || (category.color !== 'red' && category.color !== 'yellow'))
    return `lists ${named}, of category ${t.category}, which is not repairable`;
  return null;
}

/** A record of the file a repair may list, for `checkImportBatch`. */
export interface FileRecord {
  category: string;
  idType: string;
  idNumber: string;
}

/**
 * What a dry run can tell of checked rows beyond each line alone, reading only: rows already imported
 * from the source with other content (the same content: `unchanged`), rows naming a record stored before
 * under another id (`storedCopies`; taken out of `inFile`: a real run does not write them), and
 * repairs listing a record that breaks a rule, found stored from the source or among the file's records
 * that are not repairs (`inFile`, by external id; a real run writes repairs after every other row). The
 * rejections are a real run's, word for word, and so are the lines that name a party otherwise than it is
 * stored, or than the first line naming it that a real run would write (`names`: identity hash → the
 * name its party keeps, filled in). With `newSource` nothing can be stored from the source yet, and it
 * is not looked up.
 */
export async function checkImportBatch(
  db: Db,
  batch: readonly ImportRow[],
  opts: ImportOptions,
  inFile: Map<string, FileRecord>,
  names: Map<string, string> = new Map(),
): Promise<Pick<BatchOutcome, 'unchanged' | 'rejected' | 'namesDiffer'>> {
  const out: Pick<BatchOutcome, 'unchanged' | 'rejected' | 'namesDiffer'> = {
    unchanged: 0,
    rejected: [],
    namesDiffer: [],
  };
  const done = opts.newSource
    ? new Map<number, StoredImport>()
    : await storedImports(db.db, batch, opts.source);
  const targets = opts.newSource
    ? new Map<string, RepairTarget>()
    : await repairTargets(db.db, batch, opts.source);
  const hashes = identityHashes(batch, opts);
  const notDone = batch.flatMap((_, n) => (done.has(n) ? [] : [n]));
  const copies = await storedCopies(db.db, batch, hashes, notDone, opts.source);
  const stored = await storedParties(db.db, [
    ...new Set(notDone.map((n) => hashes[n] as string).filter((h) => !names.has(h))),
  ]);
  const hashOf = (r: { idType: string; idNumber: string }) => identityHashes([r], opts)[0] as string;
  for (let n = 0; n < batch.length; n++) {
    const row = batch[n] as ImportRow;
    const prior = done.get(n);
    const hash = hashes[n] as string;
    if (prior) {
      const differs = differsFrom(prior, row, hash, opts, targets);
      if (differs) out.rejected.push(differs);
      else out.unchanged++;
      continue;
    }
    const copy = copies.get(n);
    if (copy) {
      out.rejected.push(storedCopyProblem(row, copy));
      inFile.delete(row.externalId);
      continue;
    }
    const refused = row.repairs.some((ext, i) => {
      const target = targets.get(ext);
      const file = target ? undefined : inFile.get(ext);
      const rule = repairRule(
        ext,
        i,
        target
          ? { ...target, sameParty: target.identityHash === hash }
          : file && { category: file.category, revoked: false, sameParty: hashOf(file) === hash },
        opts,
      );
      if (rule) out.rejected.push({ line: row.line, column: 'repairs', rule });
      return rule !== null;
    });
    if (refused) continue;
    // The name a real run keeps: the stored party's, or the first written line's.
    let name = names.get(hash);
    if (name === undefined) {
      const party = stored.get(hash);
      name = party ? opts.crypto.decrypt(party.nameEnc) : row.name;
      names.set(hash, name);
    }
    if (name !== row.name) out.namesDiffer.push(row.line);
  }
  return out;
}

/** Writes a prepared batch in the transaction of `scope`, the import lock held. */
async function writePrepared(db: Db, { tx, copyCsv }: BulkScope, p: PreparedBatch): Promise<BatchOutcome> {
  const { out, newRecords, now, opts: o } = p;
  if (newRecords.length === 0) return out;
  const nowIso = now.toISOString();
  const asOf = toCstDate(now);
  await copyCsv('parties', PARTY_COLUMNS, p.parties);
  await copyCsv('records', RECORD_COLUMNS, p.records);
  await copyCsv('party_state', STATE_COLUMNS, p.states);

  // Parties stored before: their states from all their records, rows locked.
  const fresh = registeredIds(p.registered);
  const storedIds = [...new Set(newRecords.map((r) => r.partyId))].filter((id) => !fresh.has(id)).sort();
  if (storedIds.length > 0) {
    const previous = new Map<string, Color>();
    for (const s of rowsOf<{ party_id: string; color: Color }>(
      await tx.execute(sql`
        select party_id, color from party_state
        where party_id in (select jsonb_array_elements_text(${json(storedIds)}::jsonb))
        order by party_id for update`),
    ))
      previous.set(s.party_id, s.color);
    const recordsOf = new Map<string, RecordFacts[]>();
    for (const r of rowsOf<{
      id: string;
      party_id: string;
      category: string;
      effective_from: string;
      effective_until: string | null;
      repairs: string[] | null;
      revoked: boolean;
    }>(
      await tx.execute(sql`
        select id, party_id, category, effective_from::text as effective_from,
          effective_until::text as effective_until, repairs, revoked_at is not null as revoked
        from records where party_id in (select jsonb_array_elements_text(${json(storedIds)}::jsonb))
        order by party_id, effective_from, created_at`),
    ))
      pushTo(recordsOf, r.party_id, {
        id: r.id,
        category: r.category,
        effectiveFrom: dateText(r.effective_from) as string,
        effectiveUntil: dateText(r.effective_until),
        repairs: r.repairs,
        revokedAt: r.revoked ? now : null,
      });
    const states = storedIds.map((id) => ({
      ...materializeParty(id, recordsOf.get(id) ?? [], { asOf, policy: o.policy }),
      party_id: id,
    }));
    await updateStates(
      tx,
      states.map((s) => ({ ...s, as_of: s.asOf })),
      now,
    );
    for (const s of states) {
      const before = previous.get(s.party_id) ?? 'green';
      if (s.color === before) continue;
      out.colorChanges++;
      p.feed.add(colorChangedCsv(s.party_id, s, before, nowIso));
    }
  }
  // The change feed: each record, then each party's color change (a new party was green before).
  await copyCsv('changes', CHANGE_COLUMNS, p.feed);

  await appendAudit(
    tx,
    {
      actorId: o.actorId ?? 'cli',
      actorRole: 'operator',
      actorOrg: null,
      action: 'import',
      target: o.source,
      detail: {
        source: o.source,
        ...(o.file ? { file: o.file } : {}),
        lines: p.lines,
        created: out.created,
        unchanged: out.unchanged,
        rejected: out.rejected.length,
        partiesRegistered: out.partiesRegistered,
        batch: { records: { prefix: p.prefix, count: newRecords.length, digest: p.digest } },
      },
    },
    now,
  );
  if (storedIds.length > 0 && (await storedMeanwhile(tx, p, storedIds))) throw new StoredMeanwhile();
  if (db.kind === 'postgres') await notifyParties(tx, storedIds);
  return out;
}

/** A `color.changed` row of the change feed (cause `import`). */
function colorChangedCsv(partyId: string, s: PartyStateValues, before: Color, at: string): string {
  const data = { since: s.since, until: s.until, basis: s.basis, policyId: s.policyId, cause: 'import' };
  return `${partyId},color.changed,,${s.color},${before},${csvText(json(data))},${at}\n`;
}

const registeredIds = (registered: ReadonlyMap<string, PendingParty>) =>
  new Set([...registered.values()].map((p) => p.id));

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
