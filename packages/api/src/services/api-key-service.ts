import { asc, eq } from 'drizzle-orm';
import { rowsDetail } from '../audit/row-hash.js';
import { insertApiKey, type NewApiKey } from '../auth/api-keys.js';
import { apiKeys } from '../db/schema.js';
import type { Caller } from './access.js';
import { auditedWrite } from './audit-trail.js';
import { notFound, quoteId } from './errors.js';

function keyView(r: typeof apiKeys.$inferSelect) {
  return {
    id: r.id,
    name: r.name,
    org: r.org,
    role: r.role,
    court: r.court,
    createdAt: r.createdAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

type KeyView = ReturnType<typeof keyView>;

/** A new key's view with the key itself, which is shown this once. */
export interface CreatedKey extends KeyView {
  key: string;
}

/**
 * Creates an API key. The key is shown once: a replay of the same idempotency key finds the key's id,
 * never the key, and answers `replayed` so the caller can say what to do.
 */
export async function createKey(
  c: Caller,
  input: NewApiKey & { idempotencyKey?: string | undefined },
): Promise<{ kind: 'created'; key: CreatedKey } | { kind: 'replayed'; id: string }> {
  const { idempotencyKey: key, ...rest } = input;
  const out = await auditedWrite(
    c,
    { key, input: rest, storeAs: ({ key: _shownOnce, ...view }: CreatedKey): KeyView => view },
    async (w) => {
      const { row, key: secretKey } = await insertApiKey(w.tx, c.deps.secret, rest, c.principal.id);
      await w.audit({
        target: row.id,
        detail: { role: row.role, court: row.court, ...rowsDetail('api_keys', [row]) },
      });
      return { ...keyView(row), key: secretKey };
    },
  );
  return 'key' in out ? { kind: 'created', key: out } : { kind: 'replayed', id: out.id };
}

/** Every API key, oldest first (never the secret). */
export async function listKeys(c: Caller) {
  const rows = await c.deps.db.db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt));
  return rows.map(keyView);
}

/** Revokes an API key (kept, with its revocation time); revoking a revoked key changes nothing. */
export async function revokeKey(c: Caller, input: { id: string; idempotencyKey?: string | undefined }) {
  return auditedWrite(c, { key: input.idempotencyKey, input: { id: input.id } }, async (w) => {
    const [row] = await w.tx.select().from(apiKeys).where(eq(apiKeys.id, input.id)).for('update');
    if (!row) notFound(`id: no API key ${quoteId(input.id)}`);
    if (row.revokedAt) return keyView(row);
    const [updated] = await w.tx
      .update(apiKeys)
      .set({ revokedAt: c.deps.now() })
      .where(eq(apiKeys.id, row.id))
      .returning();
    await w.audit({ target: row.id, detail: rowsDetail('api_keys', updated ? [updated] : []) });
    return keyView(updated ?? row);
  });
}

/** Who is calling: the key's name, org, role and court (a party session: its party). Never the secret. */
export function whoami(c: Caller) {
  const p = c.principal;
  return p.kind === 'key'
    ? { kind: p.kind, id: p.id, name: p.name, org: p.org, role: p.role, court: p.court, partyId: null }
    : { kind: p.kind, id: p.id, name: null, org: null, role: p.role, court: null, partyId: p.partyId };
}
