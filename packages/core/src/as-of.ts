import { dateToNumber, toCstDate } from './dates.js';
import type { IsoDate } from './types.js';

/** Resolves an `asOf` option (a calendar date, an instant, or now) to a `YYYYMMDD` number. */
export function resolveAsOf(asOf: IsoDate | Date | undefined): number {
  const date = asOf === undefined ? toCstDate(new Date()) : asOf instanceof Date ? toCstDate(asOf) : asOf;
  const n = dateToNumber(date);
  if (Number.isNaN(n)) {
    if (typeof date === 'string' && date.length > 10) return dateToNumber(toCstDate(date));
    throw new TypeError(`asOf: ${JSON.stringify(date)} is not a real date (YYYY-MM-DD) or a Date`);
  }
  return n;
}
