import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './app-router.gen.js';

/**
 * Every procedure's input, by path.
 *
 * @example
 * type NewRecord = RouterInputs['record']['create']; // { partyId: string; category: string; … }
 */
export type RouterInputs = inferRouterInputs<AppRouter>;

/**
 * Every procedure's output (plain JSON: dates are strings), by path.
 *
 * @example
 * type Party = RouterOutputs['party']['get']; // { party, classification, records, … }
 */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** One of the five code colors. */
export type Color = RouterOutputs['party']['get']['classification']['color'];

/** The public badge (`GET /v1/badge/:token`): masked name, color and how long it holds. */
export interface BadgeData {
  color: Color;
  /** The color's label in the requested language (`绿码`, `Green code`). */
  label: string;
  /** The masked name (`章**`). */
  name: string;
  kind: 'person' | 'org';
  /** The date (China Standard Time) the color was computed for. */
  asOf: string;
  since: string | null;
  /** When the color changes next by time alone (exclusive), or `null`. */
  until: string | null;
  policyId: string;
  verifyUrl?: string;
}
