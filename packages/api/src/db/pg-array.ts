/**
 * A PostgreSQL array literal of `values` (each element quoted, `null` as NULL), to pass a whole column
 * or id list as one text parameter (`${pgArray(ids)}::text[]`) instead of one bind parameter per value.
 *
 * @example
 * db.select().from(parties).where(sql`${parties.id} = any(${pgArray(ids)}::text[])`);
 */
export function pgArray(values: readonly (string | number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;
}
