import type { Policy } from '@fivecolor/core';
import type { Logger } from 'pino';
import type { SessionKeys } from '../auth/session.js';
import type { PartyCrypto } from '../crypto/party-crypto.js';
import type { Db } from '../db/database.js';
import type { ReportKit } from '../reports/report-kit.js';

/** Invalidation hook of the badge cache (null when the cache is disabled). */
export interface PartyInvalidator {
  invalidateParty(partyId: string): void;
}

/** The webhook delivery settings procedures need (null-safe: absent means the defaults). */
export interface WebhookRuntime {
  /** Private, loopback and link-local webhook targets allowed (`FIVECOLOR_WEBHOOK_ALLOW_PRIVATE=true`). */
  allowPrivate: boolean;
  /** Wakes this process's delivery worker (after a replay). */
  kick(): void;
}

/** What every procedure and route needs; built once by `createFivecolor`. */
export interface Deps {
  db: Db;
  secret: string;
  crypto: PartyCrypto;
  policy: Policy;
  logger: Logger;
  publicUrl: string | undefined;
  cache: PartyInvalidator | null;
  session: SessionKeys;
  /** Report signing keys, JWKS cache and the wrong-code limiter. */
  reports: ReportKit;
  /** Webhook delivery (absent: the defaults, no worker to wake). */
  webhooks?: WebhookRuntime | undefined;
  /** The clock (tests move it to check time-driven color changes). */
  now(): Date;
}
