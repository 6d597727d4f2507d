import { pooledRandomBytes } from '../crypto/random-pool.js';

/**
 * A new opaque id with a type prefix (`pty_…`, `rec_…`, `key_…`), 16 random bytes base64url.
 *
 * @example
 * newId('pty'); // 'pty_Jx3…'
 */
export function newId(prefix: string): string {
  return `${prefix}_${pooledRandomBytes(16).toString('base64url')}`;
}
