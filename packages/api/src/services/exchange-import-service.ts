import { type Category, maskIdNumber, maskName } from '@fivecolor/core';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { appendAudits } from '../audit/audit-log.js';
import { rowsDetail } from '../audit/row-hash.js';
import { newId } from '../db/ids.js';
import { SOURCE_LOCK } from '../db/locks.js';
import { changes, parties, partyState, recordRevisions, records } from '../db/schema.js';
import { isUniqueViolation } from '../db/write-tx.js';
import { materializeParty } from '../state/materialize.js';
import { type PartyStateRow, today } from '../state/party-state.js';
import { recomputeManyLocked } from '../state/recompute-many.js';
import { formatIssues } from '../trpc/trpc.js';
import {
  caseNumber,
  categoryCode,
  court,
  isoDate,
  nonEmptyText,
  partyKind,
  partyName,
  text,
  withIdentity,
} from '../trpc/validators.js';
import { actor, type Caller } from './access.js';
import { type AuditedScope, auditedWrite } from './audit-trail.js';
import { badRequest, Refusal } from './errors.js';
import { closeObjectionsOfRevoked } from './objection-steps.js';
import { categoryOf, checkStart, resolveUntil } from './record-service.js';

const fields = {
  externalId: nonEmptyText(128).describe("The source's own id of the record; one record per externalId"),
  action: z
    .enum(['upsert', 'revoke'], { message: "must be 'upsert' or 'revoke'" })
    .optional()
    .describe("'upsert' (default) creates or amends; 'revoke' withdraws the source's own record"),
  kind: partyKind,
  name: partyName,
  category: categoryCode,
  effectiveFrom: isoDate,
  effectiveUntil: isoDate.nullable().optional(),
  court: court.optional(),
  caseNumber: caseNumber.optional(),
  note: text(2000).optional(),
  reason: nonEmptyText(1000).optional().describe("Why a record is revoked (action 'revoke')"),
};

/** One record a source upserts: the party's identity (registered if unknown) and the record. */
const upsertItem = withIdentity(fields);
/** A withdrawal names only the source's external id (the other fields are not read). */
const revokeItem = z.object({
  externalId: fields.externalId,
  action: z.literal('revoke'),
  reason: fields.reason,
});

const docItem = z.toJSONSchema(upsertItem, { io: 'input' });
delete docItem.$schema;

/**
 * What a caller sends as an element of `exchange.import`'s `records`: an upsert (the party's identity
 * and the record; `action` omitted or `'upsert'`) or a revoke (`externalId`, `action: 'revoke'`, `reason`).
 */
export type ImportRecordInput =
  | (Omit<z.input<typeof upsertItem>, 'action'> & { action?: 'upsert' | undefined })
  | z.input<typeof revokeItem>;

/**
 * An element of `exchange.import`'s `records`. Each element is validated on its own in the service (a
 * bad one is rejected with its index, field and rule; the others are written), so the call's parser
 * takes any value and hands it on as `unknown`; its input type (`ImportRecordInput`, what the SDK
 * offers) and its documentation (OpenAPI) are the element's schema.
 */
export const importRecordInput = z.unknown().meta({
  ...docItem,
  description:
    "A record of the source: the party's identity and the record. For action 'revoke' only externalId and reason are read.",
}) as z.ZodType<unknown, ImportRecordInput>;

export type ImportStatus = 'created' | 'amended' | 'unchanged' | 'revoked' | 'rejected';

export interface ImportResult {
  index: number;
  externalId: string | null;
  status: ImportStatus;
  recordId?: string;
  partyId?: string;
  error?: string;
}

type Upsert = z.output<typeof upsertItem> & { index: number; cat: Category; until: string | null };
type Revoke = z.output<typeof revokeItem> & { index: number };
type RecordRow = typeof records.$inferSelect;

/** The stored fields an import can amend, as compared with a re-submission. */
function amendable(r: Pick<RecordRow, 'effectiveFrom' | 'effectiveUntil' | 'court' | 'caseNumber' | 'note'>) {
  return {
    effectiveFrom: r.effectiveFrom,
    effectiveUntil: r.effectiveUntil,
    court: r.court,
    caseNumber: r.caseNumber,
    note: r.note,
  };
}

const sameContent = (a: ReturnType<typeof amendable>, b: ReturnType<typeof amendable>) =>
  a.effectiveFrom === b.effectiveFrom &&
  a.effectiveUntil === b.effectiveUntil &&
  a.court === b.court &&
  a.caseNumber === b.caseNumber &&
  a.note === b.note;

/** Validates one element; a refusal names `records.<index>.<field>` and the rule. */
function parseItem(
  c: Caller,
  raw: unknown,
  index: number,
): Upsert | Revoke | { index: number; error: string } {
  const at = `records.${index}`;
  const isRevoke =
    typeof raw === 'object' && raw !== null && (raw as { action?: unknown }).action === 'revoke';
  const parsed = (isRevoke ? revokeItem : upsertItem).safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ ...i, path: [at, ...i.path] }));
    return { index, error: formatIssues(issues) };
  }
  if (isRevoke) return { ...(parsed.data as z.output<typeof revokeItem>), index };
  const v = parsed.data as z.output<typeof upsertItem>;
  try {
    if ((v.kind === 'org') !== (v.idType === 'USCC'))
      badRequest(`kind: must be '${v.idType === 'USCC' ? 'org' : 'person'}' for idType ${v.idType}`);
    const cat = categoryOf(c.deps, v.category);
    if (cat.color === 'blue')
      badRequest(
        `category: ${cat.code} is a credit repair, entered by the court's enforcement judges; a source imports punishment and incentive records`,
      );
    checkStart(c.deps, v.effectiveFrom);
    return { ...v, index, cat, until: resolveUntil(cat, v.effectiveFrom, v.effectiveUntil) };
  } catch (err) {
    if (err instanceof Refusal) return { index, error: `${at}.${err.message}` };
    throw err;
  }
}

/**
 * `exchange.import`: an `exchange` key's organization (the source) submits up to 1000 records with its
 * own external ids. Per record: `created`, `amended` (a revision kept, as `record.amend` does),
 * `unchanged` (same content again), `revoked` (the source withdraws its own record) or `rejected` with
 * `records.<index>.<field>: <rule>`; the others are written. Unknown parties are registered. Everything
 * is one transaction: the change-feed rows (`record.created` / `record.amended` / `record.revoked`,
 * `color.changed`), the recomputed states and one audit row per party touched. Idempotent under
 * `idempotencyKey`, and a re-submission without one changes nothing.
 */
export async function importRecords(
  c: Caller,
  input: { records: readonly unknown[]; idempotencyKey?: string | undefined },
): Promise<{ source: string; results: ImportResult[] }> {
  const source = c.principal.org;
  if (!source) badRequest('Authorization: this key names no organization to be the source');
  const results: ImportResult[] = [];
  const valid: (Upsert | Revoke)[] = [];
  const firstAt = new Map<string, number>();
  input.records.forEach((raw, index) => {
    const item = parseItem(c, raw, index);
    const externalId = 'externalId' in item ? item.externalId : externalIdOf(raw);
    if ('error' in item) {
      results.push({ index, externalId, status: 'rejected', error: item.error });
      return;
    }
    const first = firstAt.get(item.externalId);
    if (first !== undefined) {
      results.push({
        index,
        externalId,
        status: 'rejected',
        error: `records.${index}.externalId: the same as records.${first}.externalId; send one record per externalId in a call`,
      });
      return;
    }
    firstAt.set(item.externalId, index);
    valid.push(item);
  });
  const { idempotencyKey, ...rest } = input;
  const write = () =>
    auditedWrite(c, { key: idempotencyKey, input: rest }, async (w) => {
      const written = valid.length > 0 ? await writeValid(c, w, source, valid) : [];
      return {
        source,
        results: [...results, ...written].sort((a, b) => a.index - b.index),
      };
    });
  try {
    return await write();
  } catch (err) {
    // A concurrent call of the same source created one of these external ids first: run again, it is
    // then an amendment or unchanged.
    if (isUniqueViolation(err, 'records_source_external_uq')) return write();
    throw err;
  }
}

function externalIdOf(raw: unknown): string | null {
  const v = typeof raw === 'object' && raw !== null ? (raw as { externalId?: unknown }).externalId : null;
  return typeof v === 'string' && v.length <= 128 ? v : null;
}

/** The parties of the upserts by identity hash, registering the unknown ones (in this transaction). */
async function resolveParties(c: Caller, w: AuditedScope, upserts: readonly Upsert[]) {
  const { deps } = c;
  const byHash = new Map<string, Upsert>();
  for (const u of upserts) {
    const hash = deps.crypto.identityHash(u.idType, u.idNumber);
    if (!byHash.has(hash)) byHash.set(hash, u);
  }
  const found = async () =>
    byHash.size === 0
      ? []
      : w.tx
          .select({ id: parties.id, hash: parties.identityHash, kind: parties.kind })
          .from(parties)
          .where(inArray(parties.identityHash, [...byHash.keys()]));
  const known = new Map((await found()).map((p) => [p.hash, p]));
  // In hash order: concurrent imports inserting the same new parties wait for each other, never deadlock.
  const missing = [...byHash].filter(([hash]) => !known.has(hash)).sort(([a], [b]) => (a < b ? -1 : 1));
  const registered = new Set<string>();
  if (missing.length > 0) {
    const rows = missing.map(([hash, u]) => ({
      id: newId('pty'),
      kind: u.kind,
      idType: u.idType,
      identityHash: hash,
      idNumberEnc: deps.crypto.encrypt(u.idNumber),
      nameEnc: deps.crypto.encrypt(u.name),
      nameMasked: maskName(u.name, u.kind),
      idNumberMasked: u.kind === 'org' ? u.idNumber : maskIdNumber(u.idType, u.idNumber),
      createdBy: c.principal.id,
      createdAt: deps.now(),
    }));
    // A party registered meanwhile by another writer is found again below.
    const inserted = await w.tx
      .insert(parties)
      .values(rows)
      .onConflictDoNothing()
      .returning({ id: parties.id });
    if (inserted.length > 0) {
      const day = today(deps);
      await w.tx.insert(partyState).values(
        inserted.map((p) => ({
          ...materializeParty(p.id, [], { asOf: day, policy: deps.policy }),
          version: 1,
        })),
      );
      for (const p of inserted) registered.add(p.id);
    }
    for (const p of await found()) known.set(p.hash, p);
  }
  return {
    partyOf: (u: Upsert) =>
      known.get(deps.crypto.identityHash(u.idType, u.idNumber)) as { id: string; kind: string },
    registered,
  };
}

/** Locks the parties' state rows (in id order, so concurrent writers cannot deadlock). */
async function lockStates(w: AuditedScope, partyIds: readonly string[]): Promise<Map<string, PartyStateRow>> {
  if (partyIds.length === 0) return new Map();
  const rows = await w.tx
    .select()
    .from(partyState)
    .where(inArray(partyState.partyId, [...partyIds]))
    .orderBy(asc(partyState.partyId))
    .for('update');
  return new Map(rows.map((r) => [r.partyId, r]));
}

async function writeValid(
  c: Caller,
  w: AuditedScope,
  source: string,
  items: readonly (Upsert | Revoke)[],
): Promise<ImportResult[]> {
  const { deps } = c;
  const now = deps.now();
  // Another call of the source could otherwise create a record this one revokes, of a party it did not lock.
  await w.tx.execute(sql`select pg_advisory_xact_lock(${SOURCE_LOCK}, hashtext(${source}))`);
  const upserts = items.filter((i): i is Upsert => !('action' in i && i.action === 'revoke'));
  const { partyOf, registered } = await resolveParties(c, w, upserts);
  const existingOf = async () =>
    new Map(
      (
        await w.tx
          .select()
          .from(records)
          .where(
            and(
              eq(records.source, source),
              inArray(
                records.externalId,
                items.map((i) => i.externalId),
              ),
            ),
          )
      ).map((r) => [r.externalId as string, r]),
    );
  const before = await existingOf();
  const partyIds = new Set<string>([...before.values()].map((r) => r.partyId));
  for (const u of upserts) partyIds.add(partyOf(u).id);
  const states = await lockStates(w, [...partyIds]);
  // Read again under the locks: a concurrent write of the same source may have changed a record.
  const existing = await existingOf();

  const out: ImportResult[] = [];
  const created: (typeof records.$inferInsert)[] = [];
  const revisions: (typeof recordRevisions.$inferInsert)[] = [];
  const revokes: { id: string; reason: string }[] = [];
  const written: RecordRow[] = [];
  const events: (typeof changes.$inferInsert)[] = [];
  const perParty = new Map<string, { externalId: string; status: ImportStatus; recordId: string }[]>();
  const note = (partyId: string, r: ImportResult & { recordId: string; externalId: string }) => {
    out.push({ ...r, partyId });
    const list = perParty.get(partyId) ?? [];
    list.push({ externalId: r.externalId, status: r.status, recordId: r.recordId });
    perParty.set(partyId, list);
  };
  const reject = (index: number, externalId: string, error: string) =>
    out.push({ index, externalId, status: 'rejected', error });

  for (const item of items) {
    const { index, externalId } = item;
    const row = existing.get(externalId);
    if ('action' in item && item.action === 'revoke') {
      if (!row) {
        reject(
          index,
          externalId,
          `records.${index}.externalId: no record of source ${source} has this externalId`,
        );
        continue;
      }
      if (row.revokedAt) {
        note(row.partyId, { index, externalId, status: 'unchanged', recordId: row.id });
        continue;
      }
      const reason = (item as Revoke).reason ?? `withdrawn by ${source}`;
      revokes.push({ id: row.id, reason });
      events.push({
        partyId: row.partyId,
        kind: 'record.revoked',
        recordId: row.id,
        at: now,
        data: { reason, source },
      });
      note(row.partyId, { index, externalId, status: 'revoked', recordId: row.id });
      continue;
    }
    const u = item as Upsert;
    const party = partyOf(u);
    const after = {
      effectiveFrom: u.effectiveFrom,
      effectiveUntil: u.until,
      court: u.court ?? '',
      caseNumber: u.caseNumber?.value ?? '',
      note: u.note ?? null,
    };
    if (!row) {
      const recordId = newId('rec');
      created.push({
        id: recordId,
        partyId: party.id,
        category: u.cat.code,
        ...after,
        repairs: null,
        source,
        externalId,
        createdBy: c.principal.id,
        createdAt: now,
      });
      events.push({
        partyId: party.id,
        kind: 'record.created',
        recordId,
        at: now,
        data: { category: u.cat.code, source },
      });
      note(party.id, { index, externalId, status: 'created', recordId });
      continue;
    }
    if (row.partyId !== party.id) {
      reject(
        index,
        externalId,
        `records.${index}.idNumber: not the party of the record imported under this externalId; revoke that record and import under a new externalId`,
      );
      continue;
    }
    if (row.category !== u.cat.code) {
      reject(
        index,
        externalId,
        `records.${index}.category: the record imported under this externalId is ${row.category}; revoke it and import under a new externalId`,
      );
      continue;
    }
    if (row.revokedAt) {
      reject(
        index,
        externalId,
        `records.${index}.externalId: the record imported under this externalId was revoked; import under a new externalId`,
      );
      continue;
    }
    const prior = amendable(row);
    if (sameContent(prior, after)) {
      note(party.id, { index, externalId, status: 'unchanged', recordId: row.id });
      continue;
    }
    const reason = `amended by ${source}`;
    revisions.push({
      recordId: row.id,
      revision: row.revision + 1,
      before: prior,
      after,
      reason,
      actorId: c.principal.id,
      createdAt: now,
    });
    events.push({
      partyId: row.partyId,
      kind: 'record.amended',
      recordId: row.id,
      at: now,
      data: { reason, source },
    });
    note(row.partyId, { index, externalId, status: 'amended', recordId: row.id });
  }

  // In external-id order, for the same reason as the parties.
  created.sort((a, b) => ((a.externalId as string) < (b.externalId as string) ? -1 : 1));
  if (created.length > 0) written.push(...(await w.tx.insert(records).values(created).returning()));
  written.push(...(await reviseMany(c, w, revisions, revokes)));
  const closed = new Map<string, string[]>(); // party → the objections its revoked records had open
  for (const o of await closeObjectionsOfRevoked(w.tx, c.principal.id, now, revokes)) {
    events.push({
      partyId: o.partyId,
      kind: 'objection.resolved',
      recordId: o.recordId,
      at: now,
      data: { objectionId: o.id, decision: 'upheld' },
    });
    closed.set(o.partyId, [...(closed.get(o.partyId) ?? []), o.id]);
  }
  if (events.length > 0) await w.tx.insert(changes).values(events);
  const changed = [...new Set(events.map((e) => e.partyId))];
  await recomputeManyLocked(
    deps,
    w,
    changed.map((id) => states.get(id) as PartyStateRow),
    c.procedure,
  );
  // One audit row per party touched, appended in one go (the chain's lock taken once).
  const rowsOf = new Map<string, RecordRow[]>();
  for (const r of written) rowsOf.set(r.partyId, [...(rowsOf.get(r.partyId) ?? []), r]);
  await appendAudits(
    w.tx,
    [...perParty].map(([partyId, list]) => {
      const rows = rowsOf.get(partyId) ?? [];
      return {
        ...actor(c),
        action: c.procedure,
        partyId,
        detail: {
          source,
          ...(registered.has(partyId) ? { registered: true } : {}),
          results: list,
          ...(closed.has(partyId) ? { objectionsUpheld: closed.get(partyId) } : {}),
          ...(rows.length > 0 ? rowsDetail('records', rows) : {}),
        },
      };
    }),
    now,
  );
  return out;
}

type Amended = Pick<RecordRow, 'effectiveFrom' | 'effectiveUntil' | 'court' | 'caseNumber' | 'note'>;

/**
 * The amendments (a revision row each, as `record.amend` keeps) and revocations of locked records, in
 * statements of up to 500 rows; returns the records as written (for the audit rows' hashes).
 */
async function reviseMany(
  c: Caller,
  w: AuditedScope,
  revisions: readonly (typeof recordRevisions.$inferInsert)[],
  revokes: readonly { id: string; reason: string }[],
): Promise<RecordRow[]> {
  const now = c.deps.now();
  for (let i = 0; i < revisions.length; i += 500) {
    const chunk = revisions.slice(i, i + 500);
    await w.tx.insert(recordRevisions).values(chunk);
    const values = chunk.map((r) => {
      const a = r.after as Amended;
      return sql`(${r.recordId}, ${a.effectiveFrom}::date, ${a.effectiveUntil}::date, ${a.court}, ${a.caseNumber}, ${a.note}::text, ${r.revision}::int)`;
    });
    await w.tx.execute(sql`
      update records set effective_from = v.effective_from, effective_until = v.effective_until,
        court = v.court, case_number = v.case_number, note = v.note, revision = v.revision
      from (values ${sql.join(values, sql`, `)})
        as v(id, effective_from, effective_until, court, case_number, note, revision)
      where records.id = v.id`);
  }
  for (let i = 0; i < revokes.length; i += 500) {
    const values = revokes.slice(i, i + 500).map((r) => sql`(${r.id}, ${r.reason})`);
    await w.tx.execute(sql`
      update records set revoked_at = ${now}, revoke_reason = v.reason, revoked_by = ${c.principal.id}
      from (values ${sql.join(values, sql`, `)}) as v(id, reason)
      where records.id = v.id`);
  }
  const ids = [...revisions.map((r) => r.recordId), ...revokes.map((r) => r.id)];
  const rows: RecordRow[] = [];
  for (let i = 0; i < ids.length; i += 500)
    rows.push(
      ...(await w.tx
        .select()
        .from(records)
        .where(inArray(records.id, ids.slice(i, i + 500)))),
    );
  return rows;
}
