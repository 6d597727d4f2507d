const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const CST_OFFSET_MS = 8 * 3_600_000;

/**
 * A date or instant for display: `YYYY-MM-DD` stays as it is; an instant becomes
 * `YYYY-MM-DD HH:mm` in China Standard Time (UTC+8, no daylight saving since 1991).
 */
export const formatWhen = (value: string | null | undefined): string => {
  if (!value) return '';
  if (DAY_RE.test(value)) return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
};

/** The instant a `YYYY-MM-DD` Asia/Shanghai date begins (00:00+08:00), in ms; `NaN` if not a date. */
export const cstDayStart = (day: string): number =>
  DAY_RE.test(day) ? Date.parse(`${day}T00:00:00+08:00`) : Number.NaN;

/** An http(s) URL, or `undefined` for anything else (never render `javascript:` links). */
export const safeHttpUrl = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
};
