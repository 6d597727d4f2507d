import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { and, asc, desc, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, importJWK, type JWK } from 'jose';
import type { PartyCrypto } from '../crypto/party-crypto.js';
import type { Db } from '../db/database.js';
import { KEY_LOCK } from '../db/locks.js';
import { reports, signingKeys } from '../db/schema.js';

/** One report-signing key: its id, the private key (a WebCrypto key, as jose signs fastest with it) and the public JWK. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function toSigningKey(privateKey: KeyObject, kid?: string): Promise<SigningKey> {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new TypeError('signing key: must be an Ed25519 key (OKP, crv Ed25519)');
  const pub = await exportJWK(createPublicKey(privateKey));
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: pub.x as string };
  publicJwk.kid = kid ?? (await calculateJwkThumbprint(publicJwk)).slice(0, 16);
  publicJwk.alg = 'EdDSA';
  publicJwk.use = 'sig';
  const jwk = await exportJWK(privateKey);
  return {
    kid: publicJwk.kid,
    privateKey: (await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey,
    publicJwk,
  };
}

/**
 * Parses a signing key given in the environment (`FIVECOLOR_SIGNING_KEY`): an Ed25519 private JWK
 * (JSON with `d`; its `kid` is kept) or a PKCS#8 PEM. The key id defaults to the JWK thumbprint.
 *
 * @example
 * const key = await parseSigningKey(process.env.FIVECOLOR_SIGNING_KEY!);
 */
export async function parseSigningKey(text: string): Promise<SigningKey> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(trimmed) as JWK;
    } catch {
      throw new TypeError(
        'FIVECOLOR_SIGNING_KEY: not valid JSON; give an Ed25519 private JWK or a PKCS#8 PEM',
      );
    }
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string')
      throw new TypeError(
        'FIVECOLOR_SIGNING_KEY: the JWK must be an Ed25519 private key (kty OKP, crv Ed25519, d)',
      );
    return toSigningKey(createPrivateKey({ key: jwk as never, format: 'jwk' }), jwk.kid);
  }
  if (trimmed.includes('-----BEGIN PRIVATE KEY-----')) {
    try {
      return await toSigningKey(createPrivateKey({ key: trimmed, format: 'pem' }));
    } catch (err) {
      if (err instanceof TypeError && err.message.startsWith('signing key')) throw err;
      throw new TypeError('FIVECOLOR_SIGNING_KEY: the PEM is not a readable PKCS#8 private key');
    }
  }
  throw new TypeError('FIVECOLOR_SIGNING_KEY: give an Ed25519 private JWK (JSON) or a PKCS#8 PEM');
}

async function fromRow(crypto: PartyCrypto, row: typeof signingKeys.$inferSelect): Promise<SigningKey> {
  return toSigningKey(createPrivateKey({ key: crypto.decrypt(row.privateEnc), format: 'pem' }), row.kid);
}

async function insertNewKey(tx: Db['db'], crypto: PartyCrypto, now: Date) {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = await toSigningKey(privateKey);
  await tx.insert(signingKeys).values({
    kid: key.kid,
    publicJwk: key.publicJwk as Record<string, unknown>,
    privateEnc: crypto.encrypt(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
    createdAt: now,
  });
  return key;
}

/**
 * A rotated key is published at once and signs only this long after the rotation, the key it replaces
 * signing meanwhile: a verifier keeps the JWKS it fetched up to its max-age (300 s), and each server its
 * own 10 s, so none meets a report signed with a key its JWKS does not show yet.
 */
export const PUBLISH_BEFORE_USE_MS = 6 * 60_000;

// Of keys created in the same instant (a clock that stands still), the one a rotation replaced is older.
const newestFirst = [desc(signingKeys.createdAt), sql`(${signingKeys.retiredAt} is null) desc`];
const oldestFirst = [asc(signingKeys.createdAt), sql`(${signingKeys.retiredAt} is null) asc`];

/**
 * The stored key that signs now: the newest created at least {@link PUBLISH_BEFORE_USE_MS} ago (retired
 * or not: the one a rotation just replaced signs until its successor may), else the store's first key
 * (all are younger: a new store); generated and stored (private part encrypted with the server secret)
 * when there is none. Several processes agree on one key.
 */
export async function activeSigningKey(db: Db, crypto: PartyCrypto, now: Date): Promise<SigningKey> {
  const [published] = await db.db
    .select()
    .from(signingKeys)
    .where(lte(signingKeys.createdAt, new Date(now.getTime() - PUBLISH_BEFORE_USE_MS)))
    .orderBy(...newestFirst)
    .limit(1);
  const [row] = published
    ? [published]
    : await db.db
        .select()
        .from(signingKeys)
        .orderBy(...oldestFirst)
        .limit(1);
  if (row) return fromRow(crypto, row);
  return db.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK})`);
    const [again] = await tx
      .select()
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt))
      .orderBy(desc(signingKeys.createdAt))
      .limit(1);
    return again ? fromRow(crypto, again) : insertNewKey(tx as unknown as Db['db'], crypto, now);
  });
}

/**
 * Rotates the stored report-signing key: a new Ed25519 key becomes active and the previous ones are
 * retired. Retired public keys stay in the JWKS until every report they signed has expired.
 *
 * @example
 * const { kid, retired } = await rotateSigningKey(db, createPartyCrypto(secret));
 */
export async function rotateSigningKey(
  db: Db,
  crypto: PartyCrypto,
  now: Date = new Date(),
): Promise<{ kid: string; retired: string[] }> {
  return db.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK})`);
    const retired = await tx
      .update(signingKeys)
      .set({ retiredAt: now })
      .where(isNull(signingKeys.retiredAt))
      .returning({ kid: signingKeys.kid });
    const key = await insertNewKey(tx as unknown as Db['db'], crypto, now);
    return { kid: key.kid, retired: retired.map((r) => r.kid) };
  });
}

/**
 * How long a retired key stays published even when it signed nothing: it signs on for
 * {@link PUBLISH_BEFORE_USE_MS} after the rotation, a process keeps the key it cached 30 s more
 * (`report-kit.ts`), and a verifier that fetches the JWKS meanwhile must find the key.
 */
export const RETIRED_KEY_GRACE_MS = PUBLISH_BEFORE_USE_MS + 4 * 60_000;

/**
 * The public keys to publish: every active key, retired ones that signed a report not yet expired, and
 * those retired within {@link RETIRED_KEY_GRACE_MS}.
 */
export async function publishedKeys(db: Db, now: Date): Promise<JWK[]> {
  const rows = await db.db
    .select({ kid: signingKeys.kid, publicJwk: signingKeys.publicJwk })
    .from(signingKeys)
    .where(
      or(
        isNull(signingKeys.retiredAt),
        gt(signingKeys.retiredAt, new Date(now.getTime() - RETIRED_KEY_GRACE_MS)),
        sql`exists (select 1 from ${reports} where ${and(eq(reports.kid, signingKeys.kid), gt(reports.expiresAt, now))})`,
      ),
    )
    .orderBy(desc(signingKeys.createdAt));
  return rows.map((r) => r.publicJwk as JWK);
}
