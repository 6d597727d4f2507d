import { and, desc, eq, gte, inArray, isNull, lt, not, notInArray, or, type SQL } from 'drizzle-orm';
import { auditAboutParty } from '../audit/audit-log.js';
import { latestAuditCheckpoint } from '../audit/checkpoint.js';
import { verifyIntegrity } from '../audit/verify-integrity.js';
import { auditLog } from '../db/schema.js';
import type { Caller } from './access.js';
import { badRequest, forbidden } from './errors.js';

/** Who read or changed the data, as the party's "who looked" groups it (`kind` of `audit.list`). */
export const AUDIT_KINDS = ['court', 'bank', 'verification', 'self', 'other'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

const COURT_ROLES = ['admin', 'clerk', 'judge', 'enforcement'];
/** Online verifications of a report, whoever asked (a bank, the public route, the party). */
const VERIFY_ACTIONS = ['report.verify', 'report.pdf'];

/**
 * The rows of one kind: a verification of a report (its actions, or the public route's `public`
 * actor); else by the actor's role: court staff, a bank, the party itself, or anyone else.
 */
function kindWhere(kind: AuditKind): SQL {
  const verification = or(inArray(auditLog.action, VERIFY_ACTIONS), eq(auditLog.actorRole, 'public')) as SQL;
  if (kind === 'verification') return verification;
  const byRole = {
    court: inArray(auditLog.actorRole, COURT_ROLES),
    bank: eq(auditLog.actorRole, 'bank'),
    self: eq(auditLog.actorRole, 'party'),
    other: or(isNull(auditLog.actorRole), notInArray(auditLog.actorRole, [...COURT_ROLES, 'bank', 'party'])),
  }[kind] as SQL;
  return and(byRole, not(verification)) as SQL;
}

/**
 * Admin: the whole audit log (optionally one party's). Party: who looked at it. Newest first, paged by
 * `before` (a `seq`); only an admin sees actor ids, targets, request ids and hashes.
 */
export async function listAudit(
  c: Caller,
  input: {
    partyId?: string | undefined;
    limit?: number | undefined;
    before?: number | undefined;
    /** Admin filters: the actor's key id, the action, and a period of CST dates (`to` included). */
    actorId?: string | undefined;
    action?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    /** Who: court staff, a bank, a verification of a report, the party itself, or another system. */
    kind?: AuditKind | undefined;
  } = {},
) {
  const p = c.principal;
  let party = input.partyId;
  if (p.role === 'party') {
    if (party !== undefined && party !== p.partyId)
      forbidden('partyId: a party session may only list its own audit trail');
    party = p.partyId;
  }
  const where: SQL[] = [];
  if (party !== undefined) where.push(auditAboutParty(party));
  if (input.before !== undefined) where.push(lt(auditLog.seq, input.before));
  if (input.kind !== undefined) where.push(kindWhere(input.kind));
  // A filter the caller may not use would answer the whole trail as if filtered: refused instead.
  for (const field of ['actorId', 'action', 'from', 'to'] as const)
    if (input[field] !== undefined && p.role !== 'admin')
      forbidden(`${field}: only an administrator may filter the audit trail by ${field}`);
  if (input.from !== undefined && input.to !== undefined && input.to < input.from)
    badRequest('to: must not be before from');
  if (p.role === 'admin') {
    if (input.actorId !== undefined) where.push(eq(auditLog.actorId, input.actorId));
    if (input.action !== undefined) where.push(eq(auditLog.action, input.action));
    if (input.from !== undefined) where.push(gte(auditLog.at, new Date(`${input.from}T00:00:00+08:00`)));
    if (input.to !== undefined)
      where.push(lt(auditLog.at, new Date(Date.parse(`${input.to}T00:00:00+08:00`) + 86_400_000)));
  }
  const limit = input.limit ?? 100;
  const rows = await c.deps.db.db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.seq))
    .limit(limit);
  return {
    items: rows.map((r) => ({
      seq: r.seq,
      at: r.at.toISOString(),
      actorRole: r.actorRole,
      actorOrg: r.actorOrg,
      ...(p.role === 'admin'
        ? { actorId: r.actorId, target: r.target, requestId: r.requestId, hash: r.hash }
        : {}),
      action: r.action,
      // An entry about many parties (a feed page) lists it among them: shown as the one asked about.
      partyId: r.partyId ?? party ?? null,
      purpose: r.purpose,
    })),
    nextBefore: rows.length === limit ? (rows.at(-1)?.seq ?? null) : null,
  };
}

/**
 * Admin: checks the audit chain and that the stored rows match it (as `fivecolor-server verify` does),
 * and names the newest signed checkpoint. Reads everything; writes nothing.
 */
export async function verifyAudit(c: Caller) {
  const { deps } = c;
  const jwks = await deps.reports.jwks(deps.db, deps.now());
  const r = await verifyIntegrity(deps.db, { policy: deps.policy, publicKeys: jwks.keys, maxMismatches: 10 });
  const cp = await latestAuditCheckpoint(deps.db);
  return {
    ok: r.ok,
    head: r.head,
    counts: r.counts,
    mismatchCount: r.mismatchCount,
    mismatches: r.mismatches,
    checkpoint: cp ? { seq: cp.seq, head: cp.head, at: cp.at, kid: cp.kid } : null,
  };
}
