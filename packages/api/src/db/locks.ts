/**
 * PostgreSQL advisory locks, one number each (two that shared 727003 made signing-key rotation and import
 * batches wait for each other).
 */
/** Held while migrating: several starting processes migrate one at a time. */
export const MIGRATE_LOCK = 727001;
/** Appending to the audit chain, to commit: each row links to the one committed before it. */
export const AUDIT_LOCK = 727002;
/** Creating or rotating the report-signing key. */
export const KEY_LOCK = 727003;
/**
 * An import batch's transaction holds it (exclusive) from its start; the API's writes that store what an
 * import looks up — a party registered, a record entered — hold it shared (`WRITES_IMPORTS_LOOK_UP`), so
 * nothing of theirs comes between a batch's lookups under the lock and its write.
 */
export const IMPORT_LOCK = 727004;
/**
 * With a hash of the caller and its idempotency key as the second number (the two-number form, a key space
 * of its own): a retry sent while the first request still runs waits for it, then answers as it did.
 */
export const IDEMPOTENCY_LOCK = 727005;
/**
 * With a hash of the source as the second number: the `exchange.import` calls of one source write one at
 * a time, so the records a call reads before locking their parties are those it finds under the locks.
 */
export const SOURCE_LOCK = 727006;
/**
 * With a hash of a webhook and a party as the second number: a delivery worker's claim of the party's
 * events holds it, so that the next claim of the party sees this one's leases (`claimDeliveries`).
 */
export const CLAIM_LOCK = 727007;

/**
 * The procedures that register parties or write records an import checks rows against: a record stored,
 * amended or revoked (a revoked record is no copy of a row, and no repair may list it).
 */
export const WRITES_IMPORTS_LOOK_UP: ReadonlySet<string> = new Set([
  'party.register',
  'record.create',
  'record.repair',
  'record.amend',
  'record.revoke',
  'objection.resolve', // upheld, it revokes the record
  'exchange.import',
]);
