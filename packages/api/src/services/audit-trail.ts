import { type AuditEntry, appendAudit } from '../audit/audit-log.js';
import { runWrite, type WriteScope } from '../db/write-tx.js';
import { actor, type Caller } from './access.js';

/** What an audit row names besides the caller and the action. */
export type AuditFacts = Pick<AuditEntry, 'partyId' | 'target' | 'purpose' | 'detail'>;

export interface AuditedScope extends WriteScope {
  /** Appends an audit row of this write: the caller, the procedure as the action, and `facts`. */
  audit(facts?: AuditFacts): Promise<void>;
}

/**
 * The one way a procedure writes: one transaction (`runWrite`: idempotency under `key`, change
 * notification, cache invalidation) keyed by the caller and the procedure, with `w.audit` appending
 * the write's audit rows under the procedure's name. `input` is what a replay must match (without the
 * idempotency key); `storeAs` keeps less than the response for replays (a secret shown once).
 *
 * @example
 * return auditedWrite(c, { key: input.idempotencyKey, input: { id } }, async (w) => {
 *   await w.tx.update(consents).set({ revokedAt: c.deps.now() }).where(eq(consents.id, id));
 *   await w.audit({ partyId, target: id });
 *   return { revoked: true };
 * });
 */
export function auditedWrite<T, S = T>(
  c: Caller,
  opts: { key?: string | undefined; input: unknown; storeAs?: (out: T) => S },
  fn: (w: AuditedScope) => Promise<T>,
): Promise<T | S> {
  return runWrite(c.deps, { ...opts, actorId: c.principal.id, procedure: c.procedure }, (w) =>
    fn({
      ...w,
      audit: (facts = {}) => appendAudit(w.tx, { ...actor(c), action: c.procedure, ...facts }, c.deps.now()),
    }),
  );
}

/** Audits a read of one party or several: one row per distinct party, in one transaction. */
export async function auditRead(
  c: Caller,
  partyId: string | readonly string[],
  purpose: string | undefined,
  extra: Pick<AuditFacts, 'target' | 'detail'> = {},
): Promise<void> {
  const ids = [...new Set(typeof partyId === 'string' ? [partyId] : partyId)];
  if (ids.length === 0) return;
  await auditedWrite(c, { input: null }, async (w) => {
    for (const id of ids) await w.audit({ ...extra, partyId: id, purpose: purpose ?? null });
  });
}
