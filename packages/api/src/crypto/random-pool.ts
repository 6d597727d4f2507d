import { randomBytes } from 'node:crypto';

// Cut from a pool: one randomBytes call per 64 KiB instead of one per id or IV (a call costs about
// 12 µs, most of a bulk import's id and encryption time). A pool is replaced, never overwritten, so a
// slice handed out stays as it was.
let pool = Buffer.alloc(0);
let at = 0;

/** `n` bytes from the system's secure random generator. */
export function pooledRandomBytes(n: number): Buffer {
  if (at + n > pool.length) {
    pool = randomBytes(Math.max(65_536, n));
    at = 0;
  }
  at += n;
  return pool.subarray(at - n, at);
}
