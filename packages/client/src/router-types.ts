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
