import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { deriveKey } from '../crypto/party-crypto.js';
import type { Principal } from './principal.js';

const ISSUER = 'fivecolor';
const AUDIENCE = 'fivecolor-party';
/** Party sessions are short-lived. */
export const SESSION_TTL_SECONDS = 15 * 60;

export interface SessionKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The Ed25519 session key pair, derived from the server secret (identical in every process). */
export function sessionKeys(secret: string): SessionKeys {
  const seed = deriveKey(secret, 'party-session-ed25519');
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/**
 * Signs a party session token (EdDSA JWT, `sub` = party id, `mint` = the id of the portal key that
 * minted it: the session stops working when that key is revoked).
 */
export async function signPartySession(
  keys: SessionKeys,
  partyId: string,
  mintedBy: string,
  now: Date,
): Promise<{ token: string; expiresAt: string }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + SESSION_TTL_SECONDS;
  const token = await new SignJWT({ mint: mintedBy })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject(partyId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keys.privateKey);
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * The party principal of a valid, unexpired session token; null otherwise. A token must carry `exp`,
 * `iat` and the minting key (`mint`), and live at most `SESSION_TTL_SECONDS`; whether the minting key is
 * still unrevoked is checked by the caller (it needs the database).
 */
export async function verifyPartySession(
  keys: SessionKeys,
  token: string,
  now: Date,
): Promise<Principal | null> {
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['EdDSA'],
      currentDate: now,
      requiredClaims: ['exp', 'iat', 'sub', 'mint'],
      maxTokenAge: SESSION_TTL_SECONDS,
    });
    if (typeof payload.sub !== 'string' || payload.sub === '') return null;
    if (typeof payload.mint !== 'string' || payload.mint === '') return null;
    if ((payload.exp as number) - (payload.iat as number) > SESSION_TTL_SECONDS) return null;
    return {
      kind: 'party',
      id: `party:${payload.sub}`,
      role: 'party',
      partyId: payload.sub,
      mintedBy: payload.mint,
      org: null,
      court: null,
    };
  } catch {
    return null;
  }
}
