import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * Rows written in bulk are vouched for by one audit entry per batch instead of one hash per row:
 * `detail.batch = { records: { prefix, count, digest } }`. Every record of the batch has the id
 * `<prefix><6-digit number>` (0 … count − 1), and `digest` is sha256 over the rows' `rowHash`es, one a
 * line, in that order — a hash over the canonical rows, so `verifyIntegrity` proves every row of the
 * batch from an entry a few hundred bytes long.
 */
export interface BatchProof {
  prefix: string;
  count: number;
  digest: string;
}

/** `rec_` and 16 base64url characters: the same length for every batch, so an id's batch is its first 20 characters. */
export const BATCH_PREFIX_LENGTH = 20;
const NUMBER_DIGITS = 6;
/** Most rows one batch proof can cover. */
export const MAX_BATCH_ROWS = 10 ** NUMBER_DIGITS;

/** A new batch's id prefix (`rec_` and 12 random bytes in base64url). */
export function newBatchPrefix(): string {
  return `rec_${randomBytes(12).toString('base64url')}`;
}

/** The id of row `n` of a batch. */
export function batchRecordId(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(NUMBER_DIGITS, '0')}`;
}

/** The row number of `id` in the batch `prefix` names, or -1 when the id is not one of its form. */
export function batchRowNumber(id: string): number {
  const tail = id.slice(BATCH_PREFIX_LENGTH);
  return /^\d{6}$/.test(tail) ? Number(tail) : -1;
}

/** The digest of a batch from its rows' hashes in row-number order. */
export function batchDigest(leaves: readonly string[]): string {
  const h = createHash('sha256');
  for (const leaf of leaves) h.update(leaf).update('\n');
  return h.digest('hex');
}

/** The proof of `rows` (records as drizzle reads them, ids made with `batchRecordId`, in row order). */
export function batchProof(prefix: string, rows: readonly object[]): BatchProof {
  const hash = recordHasher(rows);
  return { prefix, count: rows.length, digest: batchDigest(rows.map(hash)) };
}

/**
 * `rowHash('records', row)` for rows of one shape, without sorting each row's keys again: the same
 * canonical JSON (keys sorted, null and undefined left out, dates as ISO strings), built from the
 * keys sorted once (a bulk import hashes every record it writes).
 */
function recordHasher(rows: readonly object[]): (row: object) => string {
  const names = new Set<string>();
  for (const r of rows) for (const k in r) names.add(k);
  const keys = [...names].sort().map((k) => [k, `${JSON.stringify(k)}:`] as const);
  return (row) => {
    const r = row as Record<string, unknown>;
    let body = '';
    for (const [k, label] of keys) {
      const v = r[k];
      if (v === null || v === undefined) continue;
      const text =
        typeof v === 'string'
          ? JSON.stringify(v)
          : v instanceof Date
            ? `"${v.toISOString()}"`
            : canonicalJson(v);
      body += body === '' ? label + text : `,${label}${text}`;
    }
    return createHash('sha256').update('records\n').update(`{${body}}`).digest('hex');
  };
}

/** The amendable columns of a record, as `record_revisions.before` keeps them. */
const AMENDABLE = ['effectiveFrom', 'effectiveUntil', 'caseNumber', 'note'] as const;

/**
 * A record as its batch wrote it, from the row now and its first revision's `before` (when it has been
 * amended since): revision 0, not revoked, the amendable columns as they were. A later audited write
 * vouches for the row as it is now; the batch's digest for the row as it was written.
 */
export function asWritten<R extends Record<string, unknown>>(
  row: R,
  firstBefore: Record<string, unknown> | undefined,
): R {
  const out: Record<string, unknown> = {
    ...row,
    revision: 0,
    revokedAt: null,
    revokeReason: null,
    revokedBy: null,
  };
  if (firstBefore) for (const k of AMENDABLE) if (k in firstBefore) out[k] = firstBefore[k] ?? null;
  return out as R;
}
