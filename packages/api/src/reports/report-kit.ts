import type { Report } from '@fivecolor/core';
import { CompactSign, type JWK } from 'jose';
import { COURT_CODE, COURT_CODE_RULE } from '../auth/roles.js';
import type { PartyCrypto } from '../crypto/party-crypto.js';
import type { Db } from '../db/database.js';
import { FailureLimiter, type FailureLimiterOptions } from './failure-limiter.js';
import { activeSigningKey, parseSigningKey, publishedKeys, type SigningKey } from './signing-keys.js';

/** Report settings of `createFivecolor`. */
export interface ReportOptions {
  /** An Ed25519 private JWK or PKCS#8 PEM (FIVECOLOR_SIGNING_KEY) used instead of the stored keys. */
  signingKey?: string | undefined;
  /** The deployment's court code (`FIVECOLOR_COURT`): starts report numbers when no court issues and the party has no record. */
  court?: string | undefined;
  /** Days a report stays valid (default 30). */
  ttlDays?: number | undefined;
  /** Take the client address for rate limits from the last `X-Forwarded-For` hop (behind a reverse proxy). */
  trustProxy?: boolean | undefined;
  /**
   * Wrong-code limits (defaults: 10 per client per 15 minutes, 5 per client and report per hour; past 20
   * per report per hour from anywhere, attempts on that report are slowed down, never refused).
   */
  limits?: FailureLimiterOptions | undefined;
}

// Well within PUBLISH_BEFORE_USE_MS (signing-keys.ts): a rotated key is in every JWKS before it signs.
const KEY_TTL_MS = 30_000;
const JWKS_TTL_MS = 10_000;
/** Repeated verifications of one report by one client within this time are audited once. */
export const AUDIT_COALESCE_MS = 10 * 60_000;
const utf8 = new TextEncoder();

/** Per-app report state: the signing key and JWKS caches and the wrong-code limiter. */
export class ReportKit {
  readonly limiter: FailureLimiter;
  readonly court: string | undefined;
  readonly ttlDays: number;
  readonly trustProxy: boolean;
  readonly #envKey: Promise<SigningKey> | null;
  /** When a client's verification of a report was last audited, per client, report and action (epoch ms). */
  readonly #audited = new Map<string, number>();
  #key: { value: Promise<SigningKey>; at: number } | null = null;
  #jwks: { value: Promise<{ keys: JWK[] }>; at: number } | null = null;

  constructor(secret: string, opts: ReportOptions = {}) {
    this.limiter = new FailureLimiter(secret, opts.limits);
    if (opts.court !== undefined && !COURT_CODE.test(opts.court))
      throw new TypeError(`reports.court: ${COURT_CODE_RULE}`);
    this.court = opts.court;
    this.ttlDays = opts.ttlDays ?? 30;
    if (!Number.isInteger(this.ttlDays) || this.ttlDays < 1 || this.ttlDays > 366)
      throw new TypeError('reports.ttlDays: must be an integer from 1 to 366');
    this.trustProxy = opts.trustProxy ?? false;
    this.#envKey = opts.signingKey ? parseSigningKey(opts.signingKey) : null;
    // Surface a bad FIVECOLOR_SIGNING_KEY at the first use, not as an unhandled rejection.
    this.#envKey?.catch(() => {});
  }

  /** The key new reports are signed with. */
  currentKey(db: Db, crypto: PartyCrypto, now: Date): Promise<SigningKey> {
    if (this.#envKey) return this.#envKey;
    const t = Date.now();
    if (!this.#key || t - this.#key.at > KEY_TTL_MS) {
      const value = activeSigningKey(db, crypto, now);
      this.#key = { value, at: t };
      value.catch(() => {
        this.#key = null;
      });
    }
    return this.#key.value;
  }

  /** The JWKS: the env key (if any), active stored keys, retired ones with unexpired reports. */
  jwks(db: Db, now: Date): Promise<{ keys: JWK[] }> {
    const t = Date.now();
    if (!this.#jwks || t - this.#jwks.at > JWKS_TTL_MS) {
      const value = (async () => {
        const stored = await publishedKeys(db, now);
        const env = this.#envKey ? (await this.#envKey).publicJwk : null;
        return { keys: env ? [env, ...stored.filter((k) => k.kid !== env.kid)] : stored };
      })();
      this.#jwks = { value, at: t };
      value.catch(() => {
        this.#jwks = null;
      });
    }
    return this.#jwks.value;
  }

  /**
   * Whether a successful verification is audited: once per client, report and action in
   * `AUDIT_COALESCE_MS`; a client that verifies the same report again and again writes one audit row
   * (in this process), not one per request.
   */
  shouldAudit(client: string, reportNo: string, action: string, now: number): boolean {
    const key = `${client}\u0000${reportNo}\u0000${action}`;
    const last = this.#audited.get(key);
    if (last !== undefined && now - last < AUDIT_COALESCE_MS && now >= last) return false;
    if (this.#audited.size >= 50_000)
      for (const [k, t] of this.#audited) if (now - t >= AUDIT_COALESCE_MS) this.#audited.delete(k);
    if (this.#audited.size >= 50_000) this.#audited.clear();
    this.#audited.set(key, now);
    return true;
  }

  /** Forgets cached keys (after a rotation in this process, or when a test moves the clock). */
  refresh(): void {
    this.#key = null;
    this.#jwks = null;
  }

  /** Signs a report with {@link signReport}. */
  sign(report: Report, key: SigningKey): Promise<string> {
    return signReport(report, key);
  }
}

/**
 * Signs a report: compact JWS, EdDSA (Ed25519), `kid` in the protected header, the report's JSON as
 * payload.
 *
 * @example
 * const signed = await signReport(report, await parseSigningKey(pem));
 */
export function signReport(report: Report, key: SigningKey): Promise<string> {
  return new CompactSign(utf8.encode(JSON.stringify(report)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'fivecolor-report+jws' })
    .sign(key.privateKey);
}
