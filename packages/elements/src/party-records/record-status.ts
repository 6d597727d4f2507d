import type { RecordStatus } from '../locales/portal-strings.js';

/** What `recordStatus` needs of a record as `party.get` lists it. */
export interface StatusInput {
  recordId: string;
  category: string;
  effectiveFrom: string;
  effectiveUntil: string | null;
  repairs: string[];
  revoked: boolean;
  archived?: boolean;
  objection: { status: string } | null;
}

/**
 * Where a record stands on `today` (YYYY-MM-DD, China Standard Time), as the litigant sees it:
 * archived, revoked, under objection, repaired (a repair in force lists it; repairs lift for good),
 * expired, not yet in effect, or active.
 *
 * @example
 * recordStatus(r, all, '2026-03-01'); // 'repaired'
 */
export function recordStatus(r: StatusInput, all: readonly StatusInput[], today: string): RecordStatus {
  if (r.archived) return 'archived';
  if (r.revoked) return 'revoked';
  if (r.objection?.status === 'open') return 'objected';
  const repaired = all.some(
    (x) =>
      !x.revoked && x.recordId !== r.recordId && x.repairs.includes(r.recordId) && x.effectiveFrom <= today,
  );
  if (repaired) return 'repaired';
  if (r.effectiveFrom > today) return 'pending';
  if (r.effectiveUntil !== null && r.effectiveUntil <= today) return 'expired';
  return 'active';
}
