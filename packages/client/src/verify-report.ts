import type { Report } from '@fivecolor/core';
import { COLORS } from '@fivecolor/core/wire';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';

/** A JSON Web Key Set, as the API serves it at `/.well-known/jwks.json`. */
export type JWKS = JSONWebKeySet;

/** Why a signed report was not accepted. */
export type ReportFailureReason = 'bad_signature' | 'unknown_kid' | 'expired' | 'malformed';

/**
 * A signed report that failed offline verification; `reason` says which check failed.
 *
 * @example
 * try { await verifyReport(signed, jwks); } catch (e) { if (e instanceof FivecolorReportError) show(e.reason); }
 */
export class FivecolorReportError extends Error {
  constructor(
    readonly reason: ReportFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason}: ${message}`, options);
    this.name = 'FivecolorReportError';
  }
}

/** A report whose signature, key id, structure and expiry were checked. */
export interface VerifiedReport {
  report: Report;
  /** The signing key's id (the JWS header `kid`). */
  kid: string;
  /** When the report stops being valid. */
  expiresAt: Date;
}

/**
 * One jose key set per JWKS object: it keeps the imported keys, so verifying many reports against the
 * same fetched JWKS imports each key once. (A refetched JWKS is a new object and gets its own.)
 */
const keySets = new WeakMap<JWKS, ReturnType<typeof createLocalJWKSet>>();
function keySetOf(jwks: JWKS) {
  let set = keySets.get(jwks);
  if (!set) {
    set = createLocalJWKSet(jwks);
    keySets.set(jwks, set);
  }
  return set;
}
const ALGORITHMS = ['EdDSA', 'Ed25519'];
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const instant = (v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)) ? new Date(v) : null;

function checkStructure(payload: Uint8Array): { report: Report; expiresAt: Date } {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new FivecolorReportError('malformed', 'the payload is not JSON');
  }
  if (!isObject(v)) throw new FivecolorReportError('malformed', 'the payload is not a JSON object');
  for (const f of ['reportNo', 'policyId'] as const) {
    if (typeof v[f] !== 'string' || v[f] === '') {
      throw new FivecolorReportError('malformed', `${f}: must be a non-empty string`);
    }
  }
  if (!instant(v.issuedAt))
    throw new FivecolorReportError('malformed', 'issuedAt: must be an ISO 8601 instant');
  const expiresAt = instant(v.expiresAt);
  if (!expiresAt) throw new FivecolorReportError('malformed', 'expiresAt: must be an ISO 8601 instant');
  if (!isObject(v.party)) throw new FivecolorReportError('malformed', 'party: must be an object');
  if (
    !isObject(v.classification) ||
    !(COLORS as readonly string[]).includes(String(v.classification.color))
  ) {
    throw new FivecolorReportError(
      'malformed',
      'classification.color: must be one of green, red, yellow, blue, gold',
    );
  }
  // Signed by the court: the API's Report. Only the fields verification relies on are checked here.
  return { report: v as unknown as Report, expiresAt };
}

/**
 * Verifies a signed report offline (no network): an Ed25519 compact JWS whose header `kid` names a key
 * of `jwks` (the court's `/.well-known/jwks.json`, fetched once and kept). Checks, in order: the JWS
 * structure and `kid`, the key, the signature, the payload's structure, and that `expiresAt` has not
 * passed. Each failure throws {@link FivecolorReportError} with its own `reason`.
 *
 * @example
 * const jwks = await (await fetch('https://court.example/.well-known/jwks.json')).json();
 * const { report } = await verifyReport(signed, jwks);
 * report.classification.color; // 'green'
 */
export async function verifyReport(
  signed: string,
  jwks: JWKS,
  opts: { now?: Date } = {},
): Promise<VerifiedReport> {
  if (!isObject(jwks) || !Array.isArray(jwks.keys)) {
    throw new TypeError('jwks: must be a JSON Web Key Set { keys: [...] }');
  }
  if (typeof signed !== 'string' || signed.trim().split('.').length !== 3) {
    throw new FivecolorReportError('malformed', 'signed: must be a compact JWS (three base64url parts)');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(signed.trim());
  } catch (cause) {
    throw new FivecolorReportError('malformed', 'the JWS header is not valid base64url JSON', { cause });
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw new FivecolorReportError('malformed', 'the JWS header has no kid');
  }
  if (!ALGORITHMS.includes(String(header.alg))) {
    throw new FivecolorReportError('malformed', `the JWS alg is ${String(header.alg)}, expected EdDSA`);
  }
  const kid = header.kid;
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(signed.trim(), keySetOf(jwks), { algorithms: ALGORITHMS }));
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ERR_JWKS_NO_MATCHING_KEY') {
      throw new FivecolorReportError('unknown_kid', `no Ed25519 key with kid ${kid} in the key set`, {
        cause,
      });
    }
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') {
      throw new FivecolorReportError('bad_signature', 'the signature does not match the report', { cause });
    }
    if (code === 'ERR_JWKS_INVALID') throw new TypeError('jwks: must be a JSON Web Key Set { keys: [...] }');
    throw new FivecolorReportError('malformed', (cause as Error).message, { cause });
  }
  const { report, expiresAt } = checkStructure(payload);
  const now = opts.now ?? new Date();
  if (expiresAt.getTime() <= now.getTime()) {
    throw new FivecolorReportError('expired', `the report expired at ${report.expiresAt}`);
  }
  return { report, kid, expiresAt };
}
