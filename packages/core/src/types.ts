/** A code color. */
export type Color = 'green' | 'red' | 'yellow' | 'blue' | 'gold';

/** A calendar date `YYYY-MM-DD` in China Standard Time (Asia/Shanghai). */
export type IsoDate = string;

/** Display languages. */
export type Lang = 'zh-CN' | 'en';

/** One category of the catalog (same field names as `catalog.json`). */
export interface Category {
  code: string;
  color: Color;
  zh: string;
  en: string;
  basis: string;
  /** ISO 8601 duration (`P5Y`, `P6M`, `P30D` …) or `null` for indefinite. */
  duration: string | null;
  repairable: boolean;
}

/** A classification policy: the catalog plus the color precedence. */
export interface Policy {
  id: string;
  /** Most severe first; must list all five colors once. `green` is the implicit default. */
  precedence: readonly Color[];
  categories: readonly Category[];
}

/** A fact recorded against a party. */
export interface CreditRecord {
  id: string;
  /** Catalog code, e.g. `R01`. */
  category: string;
  effectiveFrom: IsoDate;
  /** `undefined`: the category's default duration; `null`: indefinite; exclusive. */
  effectiveUntil?: IsoDate | null | undefined;
  revoked?: boolean | undefined;
  /** Repair records only: ids of the records repaired. */
  repairs?: readonly string[] | undefined;
}

/** The color of a party on one date, with the records that decide it. */
export interface Classification {
  color: Color;
  asOf: IsoDate;
  /** Ids of all counting records of the winning color (empty for green). */
  basis: string[];
  /** First date of the uninterrupted run of this color containing `asOf`; `null` if it has no start. */
  since: IsoDate | null;
  /** First date after `asOf` on which the color changes; `null` if never. */
  until: IsoDate | null;
  policyId: string;
}

/** One segment of a party's timeline: `[from, until)`. */
export interface TimelineSegment {
  color: Color;
  from: IsoDate | null;
  until: IsoDate | null;
}
