import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { deriveKey } from '../crypto/party-crypto.js';
import type { Tx } from '../db/database.js';
import { settings } from '../db/schema.js';

/** Verification-code alphabet: no 0/O, 1/I, so a code read aloud or from paper is unambiguous. */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A new 8-character verification code (40 random bits: 32 symbols, no modulo bias). */
export function newVerificationCode(): string {
  const bytes = randomBytes(8);
  let out = '';
  for (const b of bytes) out += CODE_ALPHABET[b & 31];
  return out;
}

/** Upper-cased, width-normalized, without spaces or dashes; `null` unless 8 characters of A–Z / 0–9. */
export function normalizeCode(input: string): string | null {
  const code = input
    .normalize('NFKC')
    .replace(/[\s-]+/g, '')
    .toUpperCase();
  return /^[A-Z0-9]{8}$/.test(code) ? code : null;
}

/** Keyed hash of a report's code: the code itself is never stored. */
export function codeHash(secret: string, reportNo: string, code: string): string {
  return createHmac('sha256', deriveKey(secret, 'report-code'))
    .update(`${reportNo}\u0000${code}`)
    .digest('hex');
}

export function codeMatches(secret: string, reportNo: string, code: string, stored: string): boolean {
  const a = Buffer.from(codeHash(secret, reportNo, code), 'hex');
  const b = Buffer.from(stored, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A report number `court-year-sequence` (`浙02-2026-000123`), the sequence counted per court and year. */
export async function nextReportNo(tx: Tx, court: string, year: number): Promise<string> {
  const [row] = await tx
    .insert(settings)
    .values({ key: `report-seq:${court}:${year}`, value: 1 })
    .onConflictDoUpdate({
      target: settings.key,
      set: { value: sql`to_jsonb((${settings.value} #>> '{}')::bigint + 1)`, updatedAt: sql`now()` },
    })
    .returning({ value: settings.value });
  return `${court}-${year}-${String(Number(row?.value)).padStart(6, '0')}`;
}

/** Report numbers as issued: a court code, a year, a sequence. */
export const REPORT_NO = /^(最高法|\p{Script=Han}(\d{2}|\d{4})?|[A-Z]{2})-\d{4}-\d{6,}$/u;

/**
 * The court whose code starts a report number: the issuing court (a court key's own court); when no court
 * issues it (the party itself, a bank), the court of the party's latest record in force that names one (a
 * partner's import may name none); else the
 * deployment's court (`FIVECOLOR_COURT`); else `FC`.
 *
 * @example
 * reportCourt(null, [{ court: '浙0212', effectiveFrom: '2025-03-01', createdAt: new Date(), revokedAt: null }], '浙02'); // '浙0212'
 */
export function reportCourt(
  issuer: string | null,
  records: readonly { court: string; effectiveFrom: string; createdAt: Date; revokedAt: Date | null }[],
  deployment: string | undefined,
): string {
  if (issuer) return issuer;
  let latest: (typeof records)[number] | undefined;
  for (const r of records) {
    if (r.revokedAt !== null || !r.court) continue;
    if (
      !latest ||
      r.effectiveFrom > latest.effectiveFrom ||
      (r.effectiveFrom === latest.effectiveFrom && r.createdAt > latest.createdAt)
    )
      latest = r;
  }
  return latest?.court ?? deployment ?? 'FC';
}
