import { resolveAsOf } from './as-of.js';
import { classify } from './classify.js';
import { numberToDate } from './dates.js';
import { checkLang, colorLabel, colorMeaning } from './labels.js';
import { compilePolicy, defaultPolicy } from './policy.js';
import { FOREVER, type Interval, prepareRecords } from './prepare.js';
import type { Classification, Color, CreditRecord, IsoDate, Lang, Policy } from './types.js';

/**
 * One record that counts on the explained date, or one in its own term that a repair has lifted for good
 * (not decisive; its `remedy` says it was repaired, and on which day).
 */
export interface ExplainedRecord {
  id: string;
  category: string;
  /** The category's name in the requested language. */
  name: string;
  color: Color;
  /** Legal basis of the category. */
  legalBasis: string;
  effectiveFrom: IsoDate;
  /**
   * The day it stops counting (its term's end, or the first day of a repair); `null` if indefinite. For
   * a record a repair lifted: the day it stopped counting.
   */
  countsUntil: IsoDate | null;
  /** Whether this record decides the color (it is in `basis`). */
  decisive: boolean;
  repairable: boolean;
  /** Repair records: the ids of the records they repaired. */
  repairs?: string[];
  /** For a red or yellow record: how it can be repaired, or when it ends; or that it was repaired, and when. */
  remedy?: string;
}

/** Why a party has its color (PIPL Art. 24): the classification and every counting record, explained. */
export interface Explanation extends Classification {
  lang: Lang;
  label: string;
  meaning: string;
  /** One or two sentences for the party or the judge. */
  summary: string;
  /**
   * Counting records, most severe first, decisive ones first within a color; then the records in their own
   * term that a repair has lifted (已修复 / repaired).
   */
  records: ExplainedRecord[];
}

const TEXT = {
  'zh-CN': {
    summary: (e: Explanation) =>
      `截至${e.asOf}为${e.label}（${e.meaning}）` +
      (e.since ? `，自${e.since}起` : '') +
      (e.until ? `，预计${e.until}起变更` : '') +
      '。',
    basis: (names: string[]) => `依据：${names.join('；')}。`,
    repair:
      '该记录可修复：在执行中主动履行义务，或与申请执行人达成和解并履行后，可向执行法院申请信用修复；修复后该记录不再计入，显示蓝码。',
    ends: (until: IsoDate) => `该记录不可修复，于${until}起不再计入。`,
    indefinite: '该记录不可修复，持续有效至法院作出新的决定。',
    repaired: (on: IsoDate) => `已修复：该记录自${on}起不再计入。`,
  },
  en: {
    summary: (e: Explanation) =>
      `As of ${e.asOf} the code is ${e.label} (${e.meaning})` +
      (e.since ? `, since ${e.since}` : '') +
      (e.until ? `, expected to change on ${e.until}` : '') +
      '.',
    basis: (names: string[]) => `Based on: ${names.join('; ')}.`,
    repair:
      'This record can be repaired: perform the obligation, or settle with the applicant and perform the settlement, during enforcement, then apply to the enforcing court for credit repair; the record then stops counting and the code turns blue.',
    ends: (until: IsoDate) => `This record cannot be repaired; it stops counting on ${until}.`,
    indefinite: 'This record cannot be repaired; it counts until the court decides otherwise.',
    repaired: (on: IsoDate) => `Repaired on ${on}: this record no longer counts.`,
  },
} as const;

/**
 * Explains a classification: each counting record with its category name, legal basis, term and — where
 * repairable — what the party can do, then each record in its own term that a repair lifted for good
 * (已修复 / repaired, with the repair's date), in zh-CN (default) or English.
 *
 * @example
 * const e = explain([{ id: 'r1', category: 'Y14', effectiveFrom: '2025-05-01' }], { asOf: '2025-06-01', lang: 'en' });
 * e.label; // 'Yellow code'
 * e.records[0].remedy; // 'This record can be repaired: …'
 */
export function explain(
  records: readonly CreditRecord[],
  opts: { asOf?: IsoDate | Date | undefined; policy?: Policy | undefined; lang?: Lang | undefined } = {},
): Explanation {
  const policy = opts.policy ?? defaultPolicy;
  const lang = opts.lang ?? 'zh-CN';
  const text = TEXT[checkLang(lang)];
  const day = resolveAsOf(opts.asOf);
  const classification = classify(records, { asOf: numberToDate(day), policy });
  const basis = new Set(classification.basis);
  const lifted: Interval[] = [];
  const inEffect = (i: Interval) => i.start <= day && day < i.end;
  const counting = prepareRecords(records, compilePolicy(policy), lifted)
    .filter(inEffect)
    .sort((a, b) => a.rank - b.rank || Number(basis.has(b.id)) - Number(basis.has(a.id)));
  // A lifted record is listed while its own term runs, from the day the repair lifted it.
  const repaired = lifted.filter(inEffect).sort((a, b) => a.rank - b.rank || a.start - b.start);
  const describe = (i: Interval, repair?: Interval): ExplainedRecord => {
    const countsUntil = repair ? numberToDate(i.start) : i.end === FOREVER ? null : numberToDate(i.end);
    const r: ExplainedRecord = {
      id: i.id,
      category: i.category.code,
      name: lang === 'en' ? i.category.en : i.category.zh,
      color: i.color,
      legalBasis: i.category.basis,
      effectiveFrom: i.record.effectiveFrom,
      countsUntil,
      decisive: basis.has(i.id),
      repairable: i.category.repairable,
    };
    if (i.record.repairs?.length) r.repairs = [...i.record.repairs];
    if (repair) r.remedy = text.repaired(repair.record.effectiveFrom);
    else if (i.color === 'red' || i.color === 'yellow') {
      r.remedy = i.category.repairable ? text.repair : countsUntil ? text.ends(countsUntil) : text.indefinite;
    }
    return r;
  };
  const explained = [...counting.map((i) => describe(i)), ...repaired.map((i) => describe(i, i.repairedBy))];
  const e: Explanation = {
    ...classification,
    lang,
    label: colorLabel(classification.color, lang),
    meaning: colorMeaning(classification.color, lang),
    summary: '',
    records: explained,
  };
  const decisive = explained.filter((r) => r.decisive).map((r) => r.name);
  e.summary = text.summary(e) + (decisive.length ? ` ${text.basis(decisive)}` : '');
  return e;
}
