import { isIsoDate, parseCaseNumber, parsePartyId } from '@fivecolor/core';
import { z } from 'zod';
import { COURT_CODE, COURT_CODE_RULE } from '../auth/roles.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
export const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Half of a UTF-16 surrogate pair without its other half: not text, and PostgreSQL's jsonb rejects it. */
export const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A bounded string without control characters or lone surrogates (PostgreSQL rejects NUL and, in
 * jsonb, unpaired surrogates; logs must stay one line).
 */
export const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no unpaired surrogate)');

export const nonEmptyText = (max: number) =>
  text(max)
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, 'must not be empty');

/** The longest party name, however the party comes in (registered, searched for, imported). */
export const PARTY_NAME_MAX = 100;
export const partyName = nonEmptyText(PARTY_NAME_MAX);

/** The most records one credit repair lists, however it comes in (`record.repair`, a file). */
export const REPAIRS_MAX = 100;

/** U+FFFD: text converted with a wrong encoding before it reached us. */
export const REPLACEMENT_CHAR = '\uFFFD';
/** U+FFFD's UTF-8 bytes read as GBK: a file garbled once more after that (never a name or a note). */
export const GARBLED_AS_GBK = '锟斤拷';
export const GARBLED_RULE =
  'holds U+FFFD replacement characters (锟斤拷 …): it was converted with a wrong encoding before; export it again from the source system';

export const partyId = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be an id as returned by the API (printable ASCII)');
export const recordId = partyId;
export const idempotencyKey = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .optional();
export const purpose = text(200).optional();

export const isoDate = z.string().refine((s) => isIsoDate(s), 'must be a real calendar date YYYY-MM-DD');

export const court = z.string().regex(COURT_CODE, COURT_CODE_RULE);

/** A case number normalized by core's `parseCaseNumber` (ASCII parentheses → full-width). */
export const caseNumber = z
  .string()
  .max(64, 'must be at most 64 characters')
  .transform((s, ctx) => {
    const r = parseCaseNumber(s);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r;
  });

/** A catalog code entered as a record (`N01` is the implicit normal status, never a record). */
export const categoryCode = z
  .string()
  .max(8, 'must be a catalog code such as R01')
  .refine(
    (s) => s !== 'N01',
    'N01 (normal status) is the implicit state of every party and is never entered as a record',
  )
  .refine((s) => /^[A-Z]\d{2}$/.test(s), 'must be a catalog code such as R01, Y05, B01 or G01');

export const partyKind = z.enum(['person', 'org'], { message: "must be 'person' or 'org'" });

const identityShape = {
  idType: z.string().max(32, 'must be at most 32 characters'),
  idNumber: z.string().max(64, 'must be at most 64 characters'),
};

/**
 * An object schema with `idType` + `idNumber` validated and normalized by core's `parsePartyId`
 * (one rule, one place), plus the given fields.
 */
export function withIdentity<S extends z.ZodRawShape>(shape: S) {
  return z.object({ ...identityShape, ...shape }).transform((v, ctx) => {
    const id = v as unknown as { idType: string; idNumber: string };
    const r = parsePartyId(id.idType, id.idNumber);
    if (!r.ok) {
      const field = /^idType\b/.test(r.error) ? 'idType' : 'idNumber';
      ctx.addIssue({ code: 'custom', message: r.error, path: [field] });
      return z.NEVER;
    }
    return { ...v, idType: r.idType, idNumber: r.idNumber };
  });
}
