import { and, eq, type SQL, sql } from 'drizzle-orm';
import { coveredCourts, SUPREME_COURT } from '../auth/roles.js';
import { parties, partyState } from '../db/schema.js';
import type { Caller } from './access.js';
import { auditRead } from './audit-trail.js';
import { forbidden } from './errors.js';

/** At most this many stored parties are unsealed per search (same surname and length, seen by the court). */
export const SEARCH_SCAN_LIMIT = 500;

/** The most spaces a stored person's name may hold and still be found by its name without them. */
const NAME_SPACES_MAX = 3;

/** Whitespace dropped, full-width letters and digits folded, as a name is compared. */
const normalize = (name: string) => name.normalize('NFKC').replace(/\s+/g, '');

/**
 * Parties whose full name is exactly `name`, among those the calling court has seen (a record or a
 * screening in its courts). Names are stored sealed: the stored masked form (`章**`, an organization's
 * name in full) narrows the candidates in SQL, and only those (at most {@link SEARCH_SCAN_LIMIT}) are
 * unsealed to compare; nothing is matched by part of a name. The answer is masked — name, identity
 * number — with the color, and every party returned is audited as a read.
 */
export async function searchParties(c: Caller, input: { name: string; purpose?: string | undefined }) {
  const court = c.principal.court;
  if (court === null)
    forbidden('name: a name search is for a court key (among the parties its courts have seen)');
  const wanted = normalize(input.name);
  const scope =
    court === SUPREME_COURT
      ? sql`true`
      : sql`(exists (select 1 from records r where r.party_id = ${parties.id} and r.court like ${coveredCourts(court)})
          or exists (select 1 from screenings s where s.party_id = ${parties.id} and s.court like ${coveredCourts(court)}))`;
  const where: SQL[] = [scope];
  // The stored masks were made from the names with their spaces (`Li Lei` → `L*****`), the name asked for
  // is compared without: a person's mask by its first character and a length allowing a few spaces, an
  // organization's name (stored in full) with its spaces dropped.
  const length = [...wanted].length;
  const candidates = sql`(
    (${parties.kind} = 'person' and left(${parties.nameMasked}, 1) = ${[...wanted][0] ?? ''}
      and char_length(${parties.nameMasked}) between ${length} and ${length + NAME_SPACES_MAX})
    or (${parties.kind} = 'org' and regexp_replace(${parties.nameMasked}, ${'\\s'}, '', 'g') = ${wanted}))`;
  const rows = await c.deps.db.db
    .select({
      id: parties.id,
      kind: parties.kind,
      nameEnc: parties.nameEnc,
      nameMasked: parties.nameMasked,
      idType: parties.idType,
      idNumberMasked: parties.idNumberMasked,
      color: partyState.color,
    })
    .from(parties)
    .leftJoin(partyState, eq(partyState.partyId, parties.id))
    .where(and(candidates, ...where))
    .limit(SEARCH_SCAN_LIMIT);
  const found = rows.filter((r) => normalize(c.deps.crypto.decrypt(r.nameEnc)) === wanted);
  await auditRead(
    c,
    found.map((r) => r.id),
    input.purpose ?? 'name search',
  );
  return {
    candidates: found.map((r) => ({
      partyId: r.id,
      kind: r.kind,
      nameMasked: r.nameMasked,
      idType: r.idType,
      idNumberMasked: r.idNumberMasked,
      color: r.color ?? 'green',
    })),
    /** True when more stored parties shared the masked name than were compared: narrow by identity number. */
    truncated: rows.length === SEARCH_SCAN_LIMIT,
  };
}
