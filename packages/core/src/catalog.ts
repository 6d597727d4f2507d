import data from './catalog.json' with { type: 'json' };
import type { Category } from './types.js';

/**
 * The 29 categories of the default catalog (`default-2022`), with the same field names as `catalog.json`.
 *
 * @example
 * catalog.find((c) => c.code === 'R01')?.en; // 'Crime of false litigation'
 */
export const catalog: readonly Category[] = Object.freeze(
  (data.categories as Category[]).map((c) => Object.freeze({ ...c })),
);

/** The catalog's version, which is also the default policy's id. */
export const catalogVersion: string = data.version;
