import { createHmac } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { deriveKey } from '../crypto/party-crypto.js';
import type { Deps } from '../services/deps.js';
import { conflict } from '../services/errors.js';
import type { Tx } from './database.js';
import { IDEMPOTENCY_LOCK, IMPORT_LOCK, WRITES_IMPORTS_LOOK_UP } from './locks.js';
import { idempotencyKeys } from './schema.js';

/** The channel on which writers announce changed parties to every server process. */
export const PARTY_CHANNEL = 'fivecolor_party';

export interface WriteScope {
  tx: Tx;
  /** Marks a party as changed: its cached badges are invalidated in every process after commit. */
  touch(partyId: string): void;
}

export interface IdempotencyOptions {
  actorId: string;
  key?: string | undefined;
  procedure: string;
  input: unknown;
}

/** True when `err` (or its cause, as drizzle wraps driver errors) is a unique violation. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (
    let e = err as { code?: string; constraint?: string; cause?: unknown; message?: string } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.code === '23505')
      return constraint === undefined || e.constraint === constraint || !!e.message?.includes(constraint);
  }
  return false;
}

/**
 * The stored form of an idempotency key: keyed (HMAC), as a caller may use anything as a key, an identity
 * number included.
 */
function keyHash(secret: string, key: string): string {
  return createHmac('sha256', deriveKey(secret, 'idempotency-key')).update(key).digest('base64url');
}

/** Keyed (HMAC) so a stored hash of an input carrying an identity number cannot be brute-forced. */
function requestHash(secret: string, procedure: string, input: unknown): string {
  return createHmac('sha256', deriveKey(secret, 'idempotency'))
    .update(procedure)
    .update('\u0000')
    .update(JSON.stringify(input ?? null))
    .digest('hex');
}

async function findIdempotent<T>(
  deps: Deps,
  tx: Tx,
  o: IdempotencyOptions & { key: string },
): Promise<T | undefined> {
  const [row] = await tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.actorId, o.actorId), eq(idempotencyKeys.key, keyHash(deps.secret, o.key))));
  if (!row) return undefined;
  if (row.procedure !== o.procedure || row.requestHash !== requestHash(deps.secret, o.procedure, o.input)) {
    conflict('idempotencyKey: already used for a different request; use a new key for a new write');
  }
  return JSON.parse(deps.crypto.decrypt(row.responseEnc)) as T;
}

/**
 * Runs a write in one transaction: idempotency check, the write itself, NOTIFY for changed parties
 * (PostgreSQL), the stored response; then invalidates this process's badge cache. `storeAs` keeps
 * less than the response for replays (a secret shown once is not stored); a replay returns what it kept.
 */
export async function runWrite<T, S = T>(
  deps: Deps,
  idem: IdempotencyOptions & { storeAs?: (out: T) => S },
  fn: (w: WriteScope) => Promise<T>,
): Promise<T | S> {
  const touched = new Set<string>();
  const key = idem.key;
  let result: T | S;
  try {
    result = await deps.db.db.transaction(async (tx) => {
      // First, before any other lock: an import batch holds it exclusively from its start.
      if (WRITES_IMPORTS_LOOK_UP.has(idem.procedure))
        await tx.execute(sql`select pg_advisory_xact_lock_shared(${IMPORT_LOCK})`);
      if (key !== undefined) {
        // Without it, a retry in flight read no stored key, waited for the party's lock, and ran the write
        // again on what the first had left: `already revoked`, `already resolved`, a CONFLICT for a success.
        const lockKey = `${idem.actorId}:${keyHash(deps.secret, key)}`;
        await tx.execute(sql`select pg_advisory_xact_lock(${IDEMPOTENCY_LOCK}, hashtext(${lockKey}))`);
        const hit = await findIdempotent<S>(deps, tx, { ...idem, key });
        if (hit !== undefined) return hit;
      }
      const out = await fn({ tx, touch: (id) => touched.add(id) });
      if (deps.db.kind === 'postgres' && touched.size > 0) {
        // One statement however many parties the write touched (an import touches up to 1000).
        await tx.execute(
          sql`select pg_notify(${PARTY_CHANNEL}, p) from jsonb_array_elements_text(${JSON.stringify([...touched])}::jsonb) as p`,
        );
      }
      if (key !== undefined) {
        await tx.insert(idempotencyKeys).values({
          actorId: idem.actorId,
          key: keyHash(deps.secret, key),
          procedure: idem.procedure,
          requestHash: requestHash(deps.secret, idem.procedure, idem.input),
          responseEnc: deps.crypto.encrypt(JSON.stringify(idem.storeAs ? idem.storeAs(out) : out)),
        });
      }
      return out;
    });
  } catch (err) {
    // A concurrent write with the same key committed first: answer with its response.
    if (key !== undefined && isUniqueViolation(err, 'idempotency_keys')) {
      const hit = await deps.db.db.transaction((tx) => findIdempotent<S>(deps, tx, { ...idem, key }));
      if (hit !== undefined) return hit;
    }
    throw err;
  }
  for (const id of touched) deps.cache?.invalidateParty(id);
  return result;
}
