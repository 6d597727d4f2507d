import { type Color, maskIdNumber, maskName, type Policy, toCstDate } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.js';
import { batchProof, batchRecordId, MAX_BATCH_ROWS, newBatchPrefix } from '../audit/batch-digest.js';
import type { PartyCrypto } from '../crypto/party-crypto.js';
import type { Db } from '../db/database.js';
import { newId } from '../db/ids.js';
import { rowsOf } from '../db/rows.js';
import type { records } from '../db/schema.js';
import { notifyParties, updateStates } from '../services/policy-service.js';
import { materializeParty, type PartyStateValues, type RecordFacts } from '../state/materialize.js';
import { type BulkScope, bulkTransaction } from './bulk-tx.js';
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

type RecordRow = typeof records.$inferSelect;
type Change = [string, string, string | null, Color | null, Color | null, Record<string, unknown>, Date];
const CHANGE_COLUMNS = ['party_id', 'kind', 'record_id', 'color', 'previous_color', 'data', 'at'];
const RECORD_COLUMNS: [keyof RecordRow, string][] = [
  ['id', 'id'],
  ['partyId', 'party_id'],
  ['category', 'category'],
  ['court', 'court'],
  ['caseNumber', 'case_number'],
  ['effectiveFrom', 'effective_from'],
  ['effectiveUntil', 'effective_until'],
  ['repairs', 'repairs'],
  ['note', 'note'],
  ['source', 'source'],
  ['externalId', 'external_id'],
  ['revision', 'revision'],
  ['createdBy', 'created_by'],
  ['createdAt', 'created_at'],
];
const IMPORT_LOCK = 727003;

const json = (v: unknown) => JSON.stringify(v);
const dateText = (v: unknown) => (v === null || v === undefined ? null : String(v).slice(0, 10));

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
  return bulkTransaction(db, (s) => writeBatch(db, s, batch, opts));
}

async function writeBatch(
  db: Db,
  { tx, copy }: BulkScope,
  batch: readonly ImportRow[],
  o: ImportOptions,
): Promise<BatchOutcome> {
  const now = o.now ?? new Date();
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
  const hashes = batch.map((r) => o.crypto.identityHash(r.idType, r.idNumber));

  // What is stored: one index lookup per row (LATERAL … LIMIT 1 keeps the planner from scanning every
  // record of the source or every party, which grows with each batch).
  const done = new Map<number, Record<string, unknown>>();
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
  const newParties: unknown[][] = [];
  const newRecords: RecordRow[] = [];
  const partyOf = new Map<string, string>(); // identity hash → party id, for the rows of this batch
  const namesOf = new Map<string, string>(); // identity hash → the name kept
  const fresh = new Set<string>(); // party ids registered by this batch
  for (const [n, row] of batch.entries()) {
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
        newParties.push([
          partyId,
          row.kind,
          row.idType,
          hash,
          o.crypto.encrypt(row.idNumber),
          o.crypto.encrypt(row.name),
          maskName(row.name, row.kind),
          row.kind === 'org' ? row.idNumber : maskIdNumber(row.idType, row.idNumber),
          actorId,
          now,
        ]);
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
    newRecords.push({
      id: batchRecordId(prefix, newRecords.length),
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
      revision: 0,
      revokedAt: null,
      revokeReason: null,
      revokedBy: null,
      createdBy: actorId,
      createdAt: now,
    });
  }
  // Register only the parties some written record names (all of a party's rows may have been rejected).
  const named = new Set(newRecords.map((r) => r.partyId));
  const registering = newParties.filter((p) => named.has(p[0] as string));
  out.partiesRegistered = registering.length;
  out.created = newRecords.length;
  if (newRecords.length === 0) return out;

  await copy(
    'parties',
    [
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
    ],
    registering,
  );
  await copy(
    'records',
    RECORD_COLUMNS.map(([, c]) => c),
    newRecords.map((r) => RECORD_COLUMNS.map(([k]) => r[k])),
  );

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

  await copy(
    'party_state',
    ['party_id', 'color', 'since', 'until', 'basis', 'policy_id', 'as_of', 'version', 'updated_at'],
    touched
      .filter((id) => fresh.has(id))
      .map((id) => {
        const s = states.get(id) as PartyStateValues;
        return [id, s.color, s.since, s.until, s.basis, s.policyId, s.asOf, 1, now];
      }),
  );
  await updateStates(
    tx,
    storedIds.map((id) => {
      const s = states.get(id) as PartyStateValues;
      return { ...s, party_id: id, as_of: s.asOf };
    }),
    now,
  );

  // The change feed: each record, then each party's color change (a new party was green before).
  const feed: Change[] = newRecords.map((r) => [
    r.partyId,
    'record.created',
    r.id,
    null,
    null,
    { category: r.category, source: o.source },
    now,
  ]);
  for (const id of touched) {
    const s = states.get(id) as PartyStateValues;
    const before = previous.get(id) ?? 'green';
    if (s.color === before) continue;
    out.colorChanges++;
    feed.push([
      id,
      'color.changed',
      null,
      s.color,
      before,
      { since: s.since, until: s.until, basis: s.basis, policyId: s.policyId, cause: 'import' },
      now,
    ]);
  }
  await copy('changes', CHANGE_COLUMNS, feed);

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
        batch: { records: batchProof(prefix, newRecords) },
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
