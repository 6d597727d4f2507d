import data from './catalog.json' with { type: 'json' };
import type { Category } from './types.js';

/**
 * The 29 categories of the default catalog (`default-2022`), with the same field names as `catalog.json`.
 *
 * @example
 * catalog.find((c) => c.code === 'R01')?.en; // 'Crime of false litigation'
 */
export const catalog: readonly Category[] = Object.freeze(
  // One object literal for all: the categories share one shape, so reading their fields stays fast
  // (copies made with `{ ...c }` came out in 21 shapes, and every read of `color` went the slow way).
  (data.categories as Category[]).map(({ code, color, zh, en, basis, duration, repairable }) =>
    Object.freeze({ code, color, zh, en, basis, duration, repairable }),
  ),
);

/** The catalog's version, which is also the default policy's id. */
export const catalogVersion: string = data.version;
