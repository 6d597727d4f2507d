import { createHmac, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.js';
import { rowsDetail } from '../audit/row-hash.js';
import { deriveKey } from '../crypto/party-crypto.js';
import type { Db, Tx } from '../db/database.js';
import { newId } from '../db/ids.js';
import { apiKeys } from '../db/schema.js';
import type { Principal } from './principal.js';
import { COURT_CODE, COURT_CODE_RULE, COURT_REQUIRED_RULE, lacksRequiredCourt, type Role } from './roles.js';

/** Keyed hash of an API key (the key itself is never stored). */
export function hashApiKey(secret: string, key: string): string {
  return createHmac('sha256', deriveKey(secret, 'api-key')).update(key).digest('hex');
}

export interface NewApiKey {
  role: Exclude<Role, 'party'>;
  name: string;
  org?: string | undefined;
  court?: string | null | undefined;
}

/** Inserts a key in a transaction; returns the row and the key, which is shown only this once. */
export async function insertApiKey(
  tx: Tx | Db['db'],
  secret: string,
  opts: NewApiKey,
  createdBy: string | null = null,
) {
  const key = `fck_${randomBytes(32).toString('base64url')}`;
  const [row] = await tx
    .insert(apiKeys)
    .values({
      id: newId('key'),
      keyHash: hashApiKey(secret, key),
      name: opts.name,
      org: opts.org ?? opts.name,
      role: opts.role,
      court: opts.court ?? null,
      createdBy,
    })
    .returning();
  if (!row) throw new Error('api key insert returned no row');
  return { row, key };
}

/**
 * Throws a `TypeError` naming the field and the rule when {@link createApiKey} would refuse `opts`: lets a
 * caller (the command line) refuse bad arguments before it opens the database.
 */
export function checkApiKeyOptions<T extends { role: Role; name: string; org?: string; court?: string }>(
  opts: T,
): asserts opts is T & { role: Exclude<Role, 'party'> } {
  if (opts.role === 'party') throw new TypeError('role: party callers use session tokens, not API keys');
  if (typeof opts.name !== 'string' || opts.name.trim() === '')
    throw new TypeError('name: must not be empty');
  if (opts.org !== undefined && (typeof opts.org !== 'string' || opts.org.trim() === ''))
    throw new TypeError('org: must not be empty (leave it out to use the name)');
  if (opts.court !== undefined && (typeof opts.court !== 'string' || !COURT_CODE.test(opts.court)))
    throw new TypeError(`court: ${COURT_CODE_RULE}`);
  if (lacksRequiredCourt(opts.role, opts.court)) throw new TypeError(`court: ${COURT_REQUIRED_RULE}`);
}

/**
 * Creates an API key (e.g. the first admin key, from the server's CLI). The returned `key` is shown
 * once; only its keyed hash is stored. Throws a TypeError naming `name`, `org` or `court` when one is
 * empty, the court is not a court code, or a clerk, judge or enforcement key has no court.
 *
 * @example
 * const { key } = await createApiKey(db, secret, { role: 'admin', name: 'ops' });
 */
export async function createApiKey(
  db: Db,
  secret: string,
  opts: { role: Role; name: string; org?: string; court?: string },
  /** Who the audit log names as creator (default: the server's command line). */
  actor: { id: string; role: string; org?: string | null } = { id: 'cli', role: 'operator' },
): Promise<{ id: string; key: string }> {
  checkApiKeyOptions(opts);
  const role = opts.role;
  return db.db.transaction(async (tx) => {
    const { row, key } = await insertApiKey(
      tx,
      secret,
      { ...opts, role, name: opts.name.trim(), org: opts.org?.trim() },
      actor.id,
    );
    await appendAudit(tx, {
      actorId: actor.id,
      actorRole: actor.role,
      actorOrg: actor.org ?? null,
      action: 'apiKey.create',
      target: row.id,
      detail: { role: row.role, court: row.court, ...rowsDetail('api_keys', [row]) },
    });
    return { id: row.id, key };
  });
}

/** The principal of an API key, or null when unknown or revoked. */
export async function authenticateApiKey(db: Db, secret: string, key: string): Promise<Principal | null> {
  const [row] = await db.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashApiKey(secret, key)), isNull(apiKeys.revokedAt)));
  if (!row) return null;
  return {
    kind: 'key',
    id: row.id,
    role: row.role as Exclude<Role, 'party'>,
    name: row.name,
    org: row.org,
    court: row.court,
  };
}

/** Whether the API key `id` is a portal key and not revoked (a party session lives only as long as its minter). */
export async function isActivePortalKey(db: Db, id: string): Promise<boolean> {
  const [row] = await db.db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.role, 'portal'), isNull(apiKeys.revokedAt)));
  return row !== undefined;
}
