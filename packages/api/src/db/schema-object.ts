import * as tables from './schema.js';

/**
 * The drizzle tables, e.g. for a bulk seed.
 *
 * @example
 * await db.db.insert(schema.parties).values(rows);
 */
export const schema = tables;
