import type { Color, IsoDate } from '@fivecolor/core';
import {
  type Classification,
  type CreditRecord,
  classify,
  defaultPolicy,
  type Policy,
} from '@fivecolor/core';

/** The columns of a stored record that classification needs. */
export interface RecordFacts {
  id: string;
  category: string;
  effectiveFrom: string;
  effectiveUntil: string | null;
  repairs?: string[] | null | undefined;
  revokedAt?: Date | null | undefined;
}

/** A stored record as core's `CreditRecord` (stored `effectiveUntil` is already resolved; `null` = indefinite). */
export function toCreditRecord(row: RecordFacts): CreditRecord {
  return {
    id: row.id,
    category: row.category,
    effectiveFrom: row.effectiveFrom,
    effectiveUntil: row.effectiveUntil,
    revoked: row.revokedAt != null,
    ...(row.repairs && row.repairs.length > 0 ? { repairs: row.repairs } : {}),
  };
}

/** The materialized columns of `party_state` (without `version`). */
export interface PartyStateValues {
  partyId: string;
  color: Color;
  since: IsoDate | null;
  until: IsoDate | null;
  basis: string[];
  policyId: string;
  asOf: IsoDate;
}

/**
 * Computes a party's stored state row from its records with core's `classify`, so a bulk seed
 * writes `party_state` exactly as the API does.
 *
 * @example
 * const row = materializeParty('pty_1', [{ id: 'r1', category: 'R01', effectiveFrom: '2024-01-01', effectiveUntil: '2029-01-01' }]);
 * await db.db.insert(schema.partyState).values({ ...row, version: 1 });
 */
export function materializeParty(
  partyId: string,
  rows: readonly RecordFacts[],
  opts: { asOf?: IsoDate | Date | undefined; policy?: Policy | undefined } = {},
): PartyStateValues {
  const c = classify(rows.map(toCreditRecord), {
    asOf: opts.asOf ?? new Date(),
    policy: opts.policy ?? defaultPolicy,
  });
  return {
    partyId,
    color: c.color,
    since: c.since,
    until: c.until,
    basis: c.basis,
    policyId: c.policyId,
    asOf: c.asOf,
  };
}

/** The public classification shape from a state row, as of `today`. */
export function stateToClassification(
  s: { color: Color; since: string | null; until: string | null; basis: string[]; policyId: string },
  today: IsoDate,
): Classification {
  return {
    color: s.color,
    asOf: today,
    since: s.since,
    until: s.until,
    basis: s.basis,
    policyId: s.policyId,
  };
}
