import { desc, eq } from 'drizzle-orm';
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { Db } from '../db/database.js';
import { auditCheckpoints, auditLog, signingKeys } from '../db/schema.js';
import type { SigningKey } from '../reports/signing-keys.js';
import { GENESIS_HASH } from './audit-log.js';
import { canonicalJson } from './canonical-json.js';

/** What a checkpoint says: the audit chain's newest row `seq` had hash `head` at `at` (ISO). */
export interface AuditHead {
  seq: number;
  head: string;
  at: string;
}

/** A stored checkpoint: the head and its compact JWS. */
export interface AuditCheckpoint extends AuditHead {
  kid: string;
  jws: string;
}

/** The JWS `typ` of a checkpoint. */
export const CHECKPOINT_TYP = 'fivecolor-audit-head+jws';
const utf8 = new TextEncoder();

/**
 * Signs the audit chain's current head with `key` (the court's report-signing key) and stores the
 * checkpoint; when the newest checkpoint already names the current head it is returned unchanged.
 *
 * @example
 * const cp = await writeAuditCheckpoint(db, await deps.reports.currentKey(db, deps.crypto, new Date()));
 * console.log(cp.jws); // keep a copy outside the database
 */
export async function writeAuditCheckpoint(
  db: Db,
  key: SigningKey,
  now: Date = new Date(),
): Promise<AuditCheckpoint> {
  const [last] = await db.db
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.seq))
    .limit(1);
  const seq = last?.seq ?? 0;
  const head = last?.hash ?? GENESIS_HASH;
  const [existing] = await db.db.select().from(auditCheckpoints).where(eq(auditCheckpoints.seq, seq));
  if (existing && existing.head === head) return toCheckpoint(existing);
  // Never sign a chain that no longer holds the previous checkpoint (rewritten since).
  const previous = await latestAuditCheckpoint(db);
  if (previous && previous.seq > 0) {
    const [then] = await db.db
      .select({ hash: auditLog.hash })
      .from(auditLog)
      .where(eq(auditLog.seq, previous.seq));
    if (then?.hash !== previous.head)
      throw new Error(
        `audit chain: seq ${previous.seq} no longer has the hash of the checkpoint signed at ${previous.at}; run fivecolor-server verify`,
      );
  }
  const at = now.toISOString();
  const jws = await new CompactSign(utf8.encode(canonicalJson({ seq, head, at })))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: CHECKPOINT_TYP })
    .sign(key.privateKey);
  // A concurrent writer may have stored this seq first: keep its checkpoint.
  await db.db
    .insert(auditCheckpoints)
    .values({ seq, head, at: now, kid: key.kid, jws })
    .onConflictDoNothing();
  const [row] = await db.db.select().from(auditCheckpoints).where(eq(auditCheckpoints.seq, seq));
  return toCheckpoint(row ?? { seq, head, at: now, kid: key.kid, jws });
}

function toCheckpoint(r: typeof auditCheckpoints.$inferSelect): AuditCheckpoint {
  return { seq: r.seq, head: r.head, at: r.at.toISOString(), kid: r.kid, jws: r.jws };
}

/** The newest stored checkpoint, or null when none was written yet. */
export async function latestAuditCheckpoint(db: Db): Promise<AuditCheckpoint | null> {
  const [row] = await db.db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(1);
  return row ? toCheckpoint(row) : null;
}

/** The public JWKs a checkpoint may be signed with: the stored signing keys (retired too) and `extra`. */
export async function checkpointKeys(db: Db, extra: readonly JWK[] = []): Promise<Map<string, JWK>> {
  const rows = await db.db
    .select({ kid: signingKeys.kid, publicJwk: signingKeys.publicJwk })
    .from(signingKeys);
  const keys = new Map<string, JWK>();
  for (const r of rows) keys.set(r.kid, r.publicJwk as JWK);
  for (const k of extra) if (k.kid) keys.set(k.kid, k);
  return keys;
}

/**
 * Reads a checkpoint an outsider saved: the compact JWS (as served at
 * `/.well-known/fivecolor-audit-head`) or JSON `{ seq, head }`. A JWS is verified with `keys`
 * (by its `kid`); throws a TypeError saying what is wrong with it.
 */
export async function readCheckpoint(
  text: string,
  keys: Map<string, JWK>,
): Promise<AuditHead & { signed: boolean; kid?: string }> {
  const t = text.trim();
  let head: AuditHead;
  if (t.startsWith('{')) {
    let parsed: Partial<AuditHead>;
    try {
      parsed = JSON.parse(t) as Partial<AuditHead>;
    } catch {
      throw new TypeError('checkpoint: not valid JSON; give the compact JWS or JSON { seq, head }');
    }
    // `{ seq, head, at, kid, jws }` (a stored checkpoint as JSON): check its JWS.
    if (typeof (parsed as { jws?: unknown }).jws === 'string')
      return readCheckpoint((parsed as { jws: string }).jws, keys);
    head = { seq: parsed.seq as number, head: parsed.head as string, at: String(parsed.at ?? '') };
    checkHead(head);
    return { ...head, signed: false };
  }
  let kid: string | undefined;
  try {
    const h = decodeProtectedHeader(t);
    if (h.typ !== CHECKPOINT_TYP) throw new TypeError(`typ ${String(h.typ)}`);
    kid = h.kid;
  } catch {
    throw new TypeError(`checkpoint: not a compact JWS of type ${CHECKPOINT_TYP}`);
  }
  const jwk = kid ? keys.get(kid) : undefined;
  if (!jwk) throw new TypeError(`checkpoint: signed with key ${kid ?? '(none)'}, which is not known here`);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(t, await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA')));
  } catch {
    throw new TypeError(`checkpoint: the signature does not verify with key ${kid}`);
  }
  head = JSON.parse(new TextDecoder().decode(payload)) as AuditHead;
  checkHead(head);
  return { ...head, signed: true, kid: kid as string };
}

function checkHead(h: AuditHead): void {
  if (
    !Number.isSafeInteger(h.seq) ||
    h.seq < 0 ||
    typeof h.head !== 'string' ||
    !/^[0-9a-f]{64}$/.test(h.head)
  )
    throw new TypeError('checkpoint: needs seq (an integer) and head (64 hex digits)');
}
