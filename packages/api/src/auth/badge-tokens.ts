import { createHash, randomBytes } from 'node:crypto';

/** What every badge token looks like: `bdg_` + 24 random bytes in base64url (32 characters). */
export const BADGE_TOKEN_FORMAT = /^bdg_[A-Za-z0-9_-]{32}$/;

/** Whether `s` can be a badge token at all (anything else is refused without asking the database). */
export function isBadgeToken(s: string): boolean {
  return s.length === 36 && BADGE_TOKEN_FORMAT.test(s);
}

const issuedListeners = new Set<(token: string) => void>();

/**
 * Calls `listener` with every badge token minted in this process from now on (the badge route's
 * negative cache forgets a miss of it); returns the function that stops it.
 */
export function onBadgeTokenIssued(listener: (token: string) => void): () => void {
  issuedListeners.add(listener);
  return () => {
    issuedListeners.delete(listener);
  };
}

/** A new badge token: a bearer capability for one party's public badge (`bdg_` + 24 random bytes). */
export function newBadgeToken(): string {
  const token = `bdg_${randomBytes(24).toString('base64url')}`;
  for (const listener of issuedListeners) listener(token);
  return token;
}

/** sha256 of a badge token: the token itself is a bearer capability and is not stored. */
export function badgeTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
