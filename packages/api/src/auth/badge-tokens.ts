import { createHash, randomBytes } from 'node:crypto';

/** A new badge token: a bearer capability for one party's public badge (`bdg_` + 24 random bytes). */
export function newBadgeToken(): string {
  return `bdg_${randomBytes(24).toString('base64url')}`;
}

/** sha256 of a badge token: the token itself is a bearer capability and is not stored. */
export function badgeTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
