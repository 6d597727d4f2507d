import { describe, expect, it } from 'vitest';
import { residentId } from '../testing/ids.js';
import { createPartyCrypto } from './party-crypto.js';

describe('createPartyCrypto', () => {
  const c = createPartyCrypto('a-secret-of-sufficient-length');

  it('hashes the normalized identity with the secret', () => {
    const id = residentId(1);
    expect(c.identityHash('RESIDENT_ID', id)).toMatch(/^[0-9a-f]{64}$/);
    expect(c.identityHash('RESIDENT_ID', ` ${id.toLowerCase()} `)).toBe(c.identityHash('RESIDENT_ID', id));
    expect(c.identityHash('RESIDENT_ID', id)).not.toBe(
      createPartyCrypto('another-secret-of-length').identityHash('RESIDENT_ID', id),
    );
    expect(() => c.identityHash('RESIDENT_ID', '123')).toThrow(TypeError);
  });

  it('encrypts with AES-256-GCM: round trip, fresh IV, tampering detected', () => {
    const a = c.encrypt('章某某');
    expect(a).toMatch(/^v1\./);
    expect(a).not.toContain('章');
    expect(c.decrypt(a)).toBe('章某某');
    expect(c.encrypt('章某某')).not.toBe(a);
    const raw = Buffer.from(a.slice(3), 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => c.decrypt(`v1.${raw.toString('base64url')}`)).toThrow();
    expect(() => createPartyCrypto('another-secret-of-length').decrypt(a)).toThrow();
  });
});
