import { createHash, createHmac } from 'node:crypto';
import { type Color, maskIdNumber, maskName, type Policy, toCstDate } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.js';
import { batchDigest, batchRecordId, MAX_BATCH_ROWS, newBatchPrefix } from '../audit/batch-digest.js';
import { canonicalJson } from '../audit/canonical-json.js';
import { deriveKey, type PartyCrypto } from '../crypto/party-crypto.js';
import type { Db } from '../db/database.js';
import { newId } from '../db/ids.js';
import { rowsOf } from '../db/rows.js';
import { isUniqueViolation } from '../db/write-tx.js';
import { notifyParties, updateStates } from '../services/policy-service.js';
import { materializeParty, type PartyStateValues, type RecordFacts } from '../state/materialize.js';
import { type BulkScope, bulkTransaction, csvText } from './bulk-tx.js';
import type { ImportProblem, ImportRow } from './import-row.js';

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
const IMPORT_LOCK = 727003;

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
  return createHash('sha256').update('records\n').update(body).digest('hex');
}

/**
 * Writes a batch of checked import rows (`checkImportRow`) in one transaction (`bulkTransaction`): rows
 * already imported from `source` are left alone (`unchanged`, or rejected when their content differs);
 * parties not yet registered are registered (their identities keyed and encrypted as `party.register`
 * does; a differing name keeps the stored one and is counted); records are copied in with ids of one
 * batch, states recomputed with core's classifier, `record.created` and `color.changed` rows written to
 * the change feed, and ONE audit entry appended that carries the batch's digest (`detail.batch`), which
 * `verifyIntegrity` checks every row against. A repair's `repairs` name external ids already stored
 * from `source` (import repairs after the rows they repair). Nothing of the batch is written if any
 * statement fails.
 */
export function importBatch(db: Db, batch: readonly ImportRow[], opts: ImportOptions): Promise<BatchOutcome> {
  if (batch.length > MAX_BATCH_ROWS) throw new RangeError(`importBatch: at most ${MAX_BATCH_ROWS} rows`);
  if (!opts.newSource) return bulkTransaction(db, (s) => writeBatch(db, s, batch, opts, true));
  return bulkTransaction(db, (s) => writeBatch(db, s, batch, opts, false)).catch((err) => {
    if (!isUniqueViolation(err, 'records_source_external_uq')) throw err;
    return bulkTransaction(db, (s) => writeBatch(db, s, batch, opts, true));
  });
}

async function writeBatch(
  db: Db,
  { tx, copyCsv }: BulkScope,
  batch: readonly ImportRow[],
  o: ImportOptions,
  lookUp: boolean,
): Promise<BatchOutcome> {
  const now = o.now ?? new Date();
  const nowIso = now.toISOString();
  const asOf = toCstDate(now);
  const actorId = o.actorId ?? 'cli';
  const out: BatchOutcome = {
    created: 0,
    unchanged: 0,
    rejected: [],
    partiesRegistered: 0,
    namesDiffer: [],
    colorChanges: 0,
  };
  await tx.execute(sql`select pg_advisory_xact_lock(${IMPORT_LOCK})`);
  // One HMAC per identity of the batch (a party's rows usually come together); with the secret, of the
  // identifier checkImportRow already normalized, without parsing it again.
  const key = o.secret === undefined ? null : hmacKey(o.secret);
  const hashOf = new Map<string, string>();
  const hashes = batch.map((r) => {
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

  // What is stored: one index lookup per row (LATERAL … LIMIT 1 keeps the planner from scanning every
  // record of the source or every party, which grows with each batch).
  const done = new Map<number, Record<string, unknown>>();
  if (lookUp)
    for (const r of rowsOf<Record<string, unknown>>(
      await tx.execute(sql`
      select s.n, r.category, r.court, r.case_number, r.effective_from, r.effective_until, r.note,
        r.identity_hash
      from jsonb_array_elements_text(${json(batch.map((r) => r.externalId))}::jsonb)
        with ordinality as s(external_id, n)
      cross join lateral (
        select r.category, r.court, r.case_number, r.effective_from::text as effective_from,
          r.effective_until::text as effective_until, r.note, p.identity_hash
        from records r join parties p on p.id = r.party_id
        where r.source = ${o.source} and r.external_id = s.external_id limit 1) r`),
    ))
      done.set(Number(r.n) - 1, r);
  const wanted = [...new Set(hashes.filter((_, n) => !done.has(n)))];
  const stored = new Map<string, { id: string; nameEnc: string }>();
  if (wanted.length > 0)
    for (const r of rowsOf<{ identity_hash: string; id: string; name_enc: string }>(
      await tx.execute(sql`
        select h.value as identity_hash, p.id, p.name_enc
        from jsonb_array_elements_text(${json(wanted)}::jsonb) h
        cross join lateral (select id, name_enc from parties where identity_hash = h.value limit 1) p`),
    ))
      stored.set(r.identity_hash, { id: r.id, nameEnc: r.name_enc });

  // Repairs: the records they list, stored from this source.
  const listed = [...new Set(batch.flatMap((r) => r.repairs))];
  const targets = new Map<string, { id: string; partyId: string; category: string; revoked: boolean }>();
  if (listed.length > 0)
    for (const r of rowsOf<{
      external_id: string;
      id: string;
      party_id: string;
      category: string;
      revoked: boolean;
    }>(
      await tx.execute(sql`
        select external_id, id, party_id, category, revoked_at is not null as revoked from records
        where source = ${o.source} and external_id in (select jsonb_array_elements_text(${json(listed)}::jsonb))`),
    ))
      targets.set(r.external_id, { id: r.id, partyId: r.party_id, category: r.category, revoked: r.revoked });

  const prefix = newBatchPrefix();
  const sourceCsv = csvText(o.source);
  const tail = `,${sourceCsv}`;
  const actorCsv = csvText(actorId);
  const newParties: NewParty[] = [];
  const newRecords: NewRecord[] = [];
  let recordsCsv = '';
  const partyOf = new Map<string, string>(); // identity hash → party id, for the rows of this batch
  const namesOf = new Map<string, string>(); // identity hash → the name kept
  const fresh = new Set<string>(); // party ids registered by this batch
  for (let n = 0; n < batch.length; n++) {
    const row = batch[n] as ImportRow;
    const hash = hashes[n] as string;
    const prior = done.get(n);
    if (prior) {
      const same =
        prior.identity_hash === hash &&
        prior.category === row.category &&
        prior.court === row.court &&
        prior.case_number === row.caseNumber &&
        dateText(prior.effective_from) === row.effectiveFrom &&
        dateText(prior.effective_until) === row.effectiveUntil &&
        (prior.note ?? null) === row.note;
      if (same) out.unchanged++;
      else
        out.rejected.push({
          line: row.line,
          column: 'externalId',
          rule: `already imported from ${o.source} with different content; correct it with record.amend`,
        });
      continue;
    }
    let partyId = partyOf.get(hash);
    if (!partyId) {
      const found = stored.get(hash);
      if (found) {
        partyId = found.id;
        namesOf.set(hash, o.crypto.decrypt(found.nameEnc));
      } else {
        partyId = newId('pty');
        fresh.add(partyId);
        namesOf.set(hash, row.name);
        newParties.push({ id: partyId, hash, row });
      }
      partyOf.set(hash, partyId);
    }
    if (namesOf.get(hash) !== row.name) out.namesDiffer.push(row.line);
    let repairs: string[] | null = null;
    if (row.repairs.length > 0) {
      repairs = [];
      for (const ext of row.repairs) {
        const t = targets.get(ext);
        const rule = !t
          ? `lists ${JSON.stringify(ext.slice(0, 40))}, which is not in the file nor stored from ${o.source}`
          : t.partyId !== partyId
            ? `lists ${JSON.stringify(ext.slice(0, 40))}, a record of another party`
            : t.revoked
              ? `lists ${JSON.stringify(ext.slice(0, 40))}, which is revoked`
              : o.policy.categories.find((c) => c.code === t.category)?.repairable !== true
                ? `lists ${JSON.stringify(ext.slice(0, 40))}, of category ${t.category}, which is not repairable`
                : null;
        if (rule) {
          out.rejected.push({ line: row.line, column: 'repairs', rule });
          repairs = null;
          break;
        }
        repairs.push((t as { id: string }).id);
      }
      if (!repairs) continue;
    }
    const id = batchRecordId(prefix, newRecords.length);
    recordsCsv +=
      `${id},${partyId},${csvText(row.category)},${csvText(row.court)},${csvText(row.caseNumber)},` +
      `${row.effectiveFrom},${row.effectiveUntil ?? ''},${repairs === null ? '' : csvText(json(repairs))},` +
      `${row.note === null ? '' : csvText(row.note)}${tail},${csvText(row.externalId)},0,${actorCsv},${nowIso}\n`;
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
  let partiesCsv = '';
  for (const { id, hash, row } of newParties) {
    if (!named.has(id)) continue;
    out.partiesRegistered++;
    partiesCsv +=
      `${id},${row.kind},${csvText(row.idType)},${hash},${o.crypto.encrypt(row.idNumber)},` +
      `${o.crypto.encrypt(row.name)},${csvText(maskName(row.name, row.kind))},` +
      `${csvText(row.kind === 'org' ? row.idNumber : maskIdNumber(row.idType, row.idNumber))},${actorCsv},${nowIso}\n`;
  }
  out.created = newRecords.length;
  if (newRecords.length === 0) return out;

  await copyCsv('parties', PARTY_COLUMNS, partiesCsv);
  await copyCsv('records', RECORD_COLUMNS, recordsCsv);

  // States: new parties from this batch's records; stored ones from all their records, rows locked.
  const touched = [...new Set(newRecords.map((r) => r.partyId))];
  const storedIds = touched.filter((id) => !fresh.has(id)).sort();
  const previous = new Map<string, Color>();
  const recordsOf = new Map<string, RecordFacts[]>();
  for (const r of newRecords) pushTo(recordsOf, r.partyId, r);
  if (storedIds.length > 0) {
    for (const s of rowsOf<{ party_id: string; color: Color }>(
      await tx.execute(sql`
        select party_id, color from party_state
        where party_id in (select jsonb_array_elements_text(${json(storedIds)}::jsonb))
        order by party_id for update`),
    ))
      previous.set(s.party_id, s.color);
    recordsOf.clear();
    for (const r of newRecords) if (fresh.has(r.partyId)) pushTo(recordsOf, r.partyId, r);
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
  }
  const states = new Map<string, PartyStateValues>();
  for (const id of touched)
    states.set(id, materializeParty(id, recordsOf.get(id) ?? [], { asOf, policy: o.policy }));

  let statesCsv = '';
  for (const id of touched) {
    if (!fresh.has(id)) continue;
    const st = states.get(id) as PartyStateValues;
    statesCsv +=
      `${id},${st.color},${st.since ?? ''},${st.until ?? ''},${csvText(json(st.basis))},` +
      `${csvText(st.policyId)},${st.asOf},1,${nowIso}\n`;
  }
  await copyCsv('party_state', STATE_COLUMNS, statesCsv);
  await updateStates(
    tx,
    storedIds.map((id) => {
      const s = states.get(id) as PartyStateValues;
      return { ...s, party_id: id, as_of: s.asOf };
    }),
    now,
  );

  // The change feed: each record, then each party's color change (a new party was green before).
  const createdData = new Map<string, string>(); // category → the data field of its record.created
  let feedCsv = '';
  for (const r of newRecords) {
    let data = createdData.get(r.category);
    if (data === undefined) {
      data = csvText(json({ category: r.category, source: o.source }));
      createdData.set(r.category, data);
    }
    feedCsv += `${r.partyId},record.created,${r.id},,,${data},${nowIso}\n`;
  }
  for (const id of touched) {
    const s = states.get(id) as PartyStateValues;
    const before = previous.get(id) ?? 'green';
    if (s.color === before) continue;
    out.colorChanges++;
    const data = { since: s.since, until: s.until, basis: s.basis, policyId: s.policyId, cause: 'import' };
    feedCsv += `${id},color.changed,,${s.color},${before},${csvText(json(data))},${nowIso}\n`;
  }
  await copyCsv('changes', CHANGE_COLUMNS, feedCsv);

  await appendAudit(
    tx,
    {
      actorId,
      actorRole: 'operator',
      actorOrg: null,
      action: 'import',
      target: o.source,
      detail: {
        source: o.source,
        ...(o.file ? { file: o.file } : {}),
        lines: [batch[0]?.line, batch.at(-1)?.line],
        created: out.created,
        unchanged: out.unchanged,
        rejected: out.rejected.length,
        partiesRegistered: out.partiesRegistered,
        batch: {
          records: { prefix, count: newRecords.length, digest: batchDigest(newRecords.map((r) => r.leaf)) },
        },
      },
    },
    now,
  );
  if (db.kind === 'postgres') await notifyParties(tx, storedIds);
  return out;
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
