import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { parsePartyId } from '@fivecolor/core';
import { pooledRandomBytes } from './random-pool.js';

/** Derives a 32-byte sub-key of the server secret for one purpose. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'fivecolor', purpose, 32));
}

export interface PartyCrypto {
  /** HMAC-SHA256 (hex) of the normalized `(idType, idNumber)`; throws a TypeError for an invalid identifier. */
  identityHash(idType: string, idNumber: string): string;
  /** AES-256-GCM; output `v1.<base64url(iv | tag | ciphertext)>`. */
  encrypt(text: string): string;
  decrypt(sealed: string): string;
}

/**
 * The keyed hash and encryption used for party identities, so a bulk seed writes rows exactly as
 * the API does.
 *
 * @example
 * const c = createPartyCrypto(secret);
 * const row = { identityHash: c.identityHash('RESIDENT_ID', id), idNumberEnc: c.encrypt(id) };
 */
export function createPartyCrypto(secret: string): PartyCrypto {
  const hmacKey = deriveKey(secret, 'identity-hmac');
  const encKey = deriveKey(secret, 'aes-256-gcm');
  return {
    identityHash(idType, idNumber) {
      const parsed = parsePartyId(idType, idNumber);
      if (!parsed.ok) throw new TypeError(parsed.error);
      return createHmac('sha256', hmacKey).update(`${parsed.idType}\u0000${parsed.idNumber}`).digest('hex');
    },
    encrypt(text) {
      const iv = pooledRandomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const ct = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
    },
    decrypt(sealed) {
      if (!sealed.startsWith('v1.')) throw new Error('unknown ciphertext version');
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', encKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
