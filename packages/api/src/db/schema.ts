import type { Color } from '@fivecolor/core';
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

// Columns holding a party's or a record's id or an identity hash, and the codes a bulk import indexes,
// are COLLATE "C" (migration 0011), which drizzle does not model: a migration adding such a column must
// say so itself (db/collation.test.ts checks the id and hash columns).

/**
 * Parties, indexed by the HMAC of the normalized (idType, idNumber). The clear identity number
 * and name are kept only encrypted (AES-256-GCM); the masked forms are for public use.
 */
export const parties = pgTable(
  'parties',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull().$type<'person' | 'org'>(),
    idType: text('id_type').notNull(),
    identityHash: text('identity_hash').notNull(),
    idNumberEnc: text('id_number_enc').notNull(),
    nameEnc: text('name_enc').notNull(),
    nameMasked: text('name_masked').notNull(),
    idNumberMasked: text('id_number_masked').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('parties_identity_hash_uq').on(t.identityHash)],
);

/** Per-party materialized classification, recomputed with @fivecolor/core in every write transaction. */
export const partyState = pgTable(
  'party_state',
  {
    partyId: text('party_id')
      .primaryKey()
      .references(() => parties.id),
    color: text('color').notNull().$type<Color>(),
    since: date('since', { mode: 'string' }),
    until: date('until', { mode: 'string' }),
    basis: jsonb('basis').$type<string[]>().notNull(),
    policyId: text('policy_id').notNull(),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    version: integer('version').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('party_state_color_idx').on(t.color), index('party_state_until_idx').on(t.until)],
);

/** Credit records: append-only. Revocation and amendment update in place, audited, never delete. */
export const records = pgTable(
  'records',
  {
    id: text('id').primaryKey(),
    partyId: text('party_id')
      .notNull()
      .references(() => parties.id),
    category: text('category').notNull(),
    court: text('court').notNull(),
    caseNumber: text('case_number').notNull(),
    effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
    /** `null`: indefinite. A default duration is resolved at creation and stored. */
    effectiveUntil: date('effective_until', { mode: 'string' }),
    repairs: jsonb('repairs').$type<string[]>(),
    note: text('note'),
    /** `court` for records entered by court staff; an exchange source name for imported ones. */
    source: text('source').notNull().default('court'),
    externalId: text('external_id'),
    revision: integer('revision').notNull().default(0),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    revokeReason: text('revoke_reason'),
    revokedBy: text('revoked_by'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    index('records_party_idx').on(t.partyId),
    index('records_court_idx').on(t.court),
    uniqueIndex('records_source_external_uq')
      .on(t.source, t.externalId)
      .where(sql`${t.externalId} is not null`),
  ],
);

/** Previous versions of amended records, with the reason (the record row holds the current one). */
export const recordRevisions = pgTable(
  'record_revisions',
  {
    recordId: text('record_id')
      .notNull()
      .references(() => records.id),
    revision: integer('revision').notNull(),
    before: jsonb('before').notNull(),
    after: jsonb('after').notNull(),
    reason: text('reason').notNull(),
    actorId: text('actor_id'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.recordId, t.revision] })],
);

/** API keys: only a hash of the secret is stored. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    keyHash: text('key_hash').notNull(),
    name: text('name').notNull(),
    org: text('org').notNull(),
    role: text('role').notNull(),
    court: text('court'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('api_keys_key_hash_uq').on(t.keyHash)],
);

/** Public badge tokens (stored hashed: the token is a bearer capability). */
export const badgeTokens = pgTable(
  'badge_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    partyId: text('party_id')
      .notNull()
      .references(() => parties.id),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('badge_tokens_party_idx').on(t.partyId)],
);

/** Append-only, hash-chained audit log: `hash = sha256(prevHash + canonical row)`. */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    actorId: text('actor_id'),
    actorRole: text('actor_role'),
    actorOrg: text('actor_org'),
    action: text('action').notNull(),
    partyId: text('party_id'),
    target: text('target'),
    purpose: text('purpose'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    requestId: text('request_id'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_party_idx').on(t.partyId, t.seq),
    // `policy apply` looks up the policies applied before under an id (a handful of rows).
    index('audit_log_policy_apply_idx').on(t.target).where(sql`${t.action} = 'policy.apply'`),
  ],
);

/**
 * Signed checkpoints of the audit chain: the head (`seq`, its `hash`) at `at`, signed (compact JWS,
 * EdDSA) with the report-signing key `kid`. The newest is published at `/.well-known/fivecolor-audit-head`;
 * a copy kept outside the database proves a later rewrite of the chain up to `seq`. Kept for good.
 */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  head: text('head').notNull(),
  at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  kid: text('kid').notNull(),
  jws: text('jws').notNull(),
});

/** Change feed: every record event and color change, in one monotonically increasing sequence. */
export const changes = pgTable(
  'changes',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    partyId: text('party_id').notNull(),
    kind: text('kind').notNull(),
    recordId: text('record_id'),
    color: text('color').$type<Color>(),
    previousColor: text('previous_color').$type<Color>(),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [index('changes_party_idx').on(t.partyId, t.seq), index('changes_kind_idx').on(t.kind, t.seq)],
);

/** Screening at the filing window: one row per party of the new case. */
export const screenings = pgTable(
  'screenings',
  {
    id: text('id').primaryKey(),
    caseNumber: text('case_number').notNull(),
    court: text('court').notNull(),
    partyId: text('party_id'),
    identityHash: text('identity_hash').notNull(),
    color: text('color').notNull().$type<Color>(),
    alert: boolean('alert').notNull(),
    actorId: text('actor_id'),
    createdAt: createdAt(),
  },
  (t) => [index('screenings_case_idx').on(t.caseNumber), index('screenings_party_idx').on(t.partyId)],
);

/**
 * A case marked at the filing window for the trial judge (after its parties were screened): one row per
 * mark, never changed or deleted. `court` is the case number's court, which the marking key covers.
 */
export const caseMarks = pgTable(
  'case_marks',
  {
    id: text('id').primaryKey(),
    caseNumber: text('case_number').notNull(),
    court: text('court').notNull(),
    note: text('note'),
    actorId: text('actor_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('case_marks_case_idx').on(t.caseNumber),
    index('case_marks_court_idx').on(t.court, t.createdAt),
  ],
);

/** Idempotency keys: the stored (encrypted) response of a write, per caller and key. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    actorId: text('actor_id').notNull(),
    key: text('key').notNull(),
    procedure: text('procedure').notNull(),
    requestHash: text('request_hash').notNull(),
    responseEnc: text('response_enc').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.actorId, t.key] })],
);

/** A party's consent for a bank (org) to see its code and/or reports. */
export const consents = pgTable(
  'consents',
  {
    id: text('id').primaryKey(),
    partyId: text('party_id')
      .notNull()
      .references(() => parties.id),
    grantee: text('grantee').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    until: date('until', { mode: 'string' }).notNull(),
    /** The portal key whose party session granted it (null for consents granted before sessions named it). */
    portalKeyId: text('portal_key_id'),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('consents_party_grantee_idx').on(t.partyId, t.grantee)],
);

/** Judicial integrity reports (signed snapshots). */
export const reports = pgTable(
  'reports',
  {
    reportNo: text('report_no').primaryKey(),
    codeHash: text('code_hash').notNull(),
    partyId: text('party_id')
      .notNull()
      .references(() => parties.id),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    signed: text('signed').notNull(),
    /** The signing key's id: its public key stays in the JWKS while any report it signed is unexpired. */
    kid: text('kid').notNull().default(''),
    policyId: text('policy_id').notNull(),
    issuedBy: text('issued_by'),
    issuedAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('reports_party_idx').on(t.partyId), index('reports_kid_expires_idx').on(t.kid, t.expiresAt)],
);

/** Report-signing keys (Ed25519); the private part is encrypted. */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
  privateEnc: text('private_enc').notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
});

/** Objections (异议) filed by a party against a record. */
export const objections = pgTable(
  'objections',
  {
    id: text('id').primaryKey(),
    recordId: text('record_id')
      .notNull()
      .references(() => records.id),
    partyId: text('party_id')
      .notNull()
      .references(() => parties.id),
    reason: text('reason').notNull(),
    status: text('status').notNull().default('open'),
    resolution: text('resolution'),
    resolvedBy: text('resolved_by'),
    createdAt: createdAt(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('objections_record_idx').on(t.recordId), index('objections_status_idx').on(t.status)],
);

/**
 * Webhook subscriptions of partners (exchange / bank keys). Never deleted: `deleted_at` marks a deleted
 * one, `disabled_at` one whose deliveries failed for longer than the retry window.
 */
export const webhooks = pgTable('webhooks', {
  id: text('id').primaryKey(),
  apiKeyId: text('api_key_id')
    .notNull()
    .references(() => apiKeys.id),
  url: text('url').notNull(),
  secretEnc: text('secret_enc').notNull(),
  /** Unused since the outbox (`webhook_outbox`) holds each delivery; kept, as nothing is deleted. */
  cursor: bigint('cursor', { mode: 'number' }).notNull().default(0),
  /** The change-feed kinds delivered (`[]`: all the owner may see). */
  types: jsonb('types').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  description: text('description'),
  createdAt: createdAt(),
  deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
  disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
  disabledReason: text('disabled_reason'),
});

/**
 * The webhook outbox: one row per (webhook, change-feed event) to deliver, written by a trigger on
 * `changes` in the transaction of the change itself (migration 0007), and one per replayed event.
 * Workers claim the oldest pending row of each (webhook, party) with `FOR UPDATE SKIP LOCKED` and a
 * lease, so a party's later event waits until the earlier one is acknowledged.
 */
export const webhookOutbox = pgTable(
  'webhook_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id),
    /** The change-feed `seq` delivered. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    partyId: text('party_id').notNull(),
    kind: text('kind').notNull(),
    /** `pending`, `delivered`, `failed` (the endpoint was disabled) or `skipped` (no longer visible to the owner). */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** While a worker delivers it: until when, and which worker (an expired lease is claimed again). */
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    leaseOwner: text('lease_owner'),
    firstAttemptAt: timestamp('first_attempt_at', { withTimezone: true, mode: 'date' }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'date' }),
    /** The HTTP status of the last attempt (null: no response — refused, timed out, blocked). */
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    lastMs: integer('last_ms'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    replay: boolean('replay').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_outbox_head_idx')
      .on(t.webhookId, t.partyId, t.seq, t.id)
      .where(sql`${t.status} = 'pending'`),
    index('webhook_outbox_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('webhook_outbox_webhook_idx').on(t.webhookId, t.id),
  ],
);

/** Deployment settings (e.g. the active policy), one JSON value per key. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * Wrong-code counters of online report verification, shared by every server process: one row per
 * window and key (a keyed hash of `client`, `client + report` or `report`; no address is stored).
 */
export const verifyFailures = pgTable('verify_failures', {
  key: text('key').primaryKey(),
  windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
  count: integer('count').notNull(),
});
