import type { IdType } from './party-id.js';
import type { Color, Lang } from './types.js';

/**
 * The display label of each color, by language: what {@link colorLabel} returns.
 *
 * @example
 * COLOR_LABELS.en.gold; // 'Gold code'
 */
export const COLOR_LABELS: Readonly<Record<Lang, Readonly<Record<Color, string>>>> =
  /* @__PURE__ */ Object.freeze({
    'zh-CN': /* @__PURE__ */ Object.freeze({
      green: '绿码',
      red: '红码',
      yellow: '黄码',
      blue: '蓝码',
      gold: '金码',
    }),
    en: /* @__PURE__ */ Object.freeze({
      green: 'Green code',
      red: 'Red code',
      yellow: 'Yellow code',
      blue: 'Blue code',
      gold: 'Gold code',
    }),
  });

/**
 * The display name of each identifier type, by language: what {@link idTypeLabel} returns.
 *
 * @example
 * ID_TYPE_LABELS['zh-CN'].USCC; // '统一社会信用代码'
 */
export const ID_TYPE_LABELS: Readonly<Record<Lang, Readonly<Record<IdType, string>>>> =
  /* @__PURE__ */ Object.freeze({
    'zh-CN': /* @__PURE__ */ Object.freeze({
      RESIDENT_ID: '居民身份证',
      USCC: '统一社会信用代码',
      PASSPORT: '护照',
      HK_MACAO_PERMIT: '港澳居民来往内地通行证',
      TAIWAN_PERMIT: '台湾居民来往大陆通行证',
      FOREIGN_PR_ID: '外国人永久居留身份证',
    }),
    en: /* @__PURE__ */ Object.freeze({
      RESIDENT_ID: 'Resident identity card',
      USCC: 'Unified social credit code',
      PASSPORT: 'Passport',
      HK_MACAO_PERMIT: 'Hong Kong/Macao permit',
      TAIWAN_PERMIT: 'Taiwan permit',
      FOREIGN_PR_ID: 'Foreign permanent resident ID',
    }),
  });

const MEANINGS: Record<Lang, Record<Color, string>> = {
  'zh-CN': {
    green: '正常：无不诚信诉讼记录',
    red: '惩戒：存在严重不诚信诉讼行为',
    yellow: '警示：存在不诚信诉讼行为，法官将重点审查其陈述和证据',
    blue: '信用修复：执行中主动和解或履行，信用已修复',
    gold: '激励：自动履行生效裁判义务',
  },
  en: {
    green: 'Normal: no record of dishonest litigation',
    red: 'Punishment: serious dishonest conduct in litigation',
    yellow: 'Warning: dishonest conduct in litigation; judges review statements and evidence closely',
    blue: 'Credit repaired: settled or performed voluntarily during enforcement',
    gold: 'Incentive: performed a judgment automatically, without enforcement',
  },
};

/** `lang` when it is a language the labels are written in; otherwise a TypeError naming the choices. */
export const checkLang = (lang: string): Lang => {
  if (lang !== 'zh-CN' && lang !== 'en')
    throw new TypeError(`lang: must be 'zh-CN' or 'en', got ${JSON.stringify(lang)}`);
  return lang;
};

/**
 * The display label of a color.
 *
 * @example
 * colorLabel('red'); // '红码'
 * colorLabel('gold', 'en'); // 'Gold code'
 */
export function colorLabel(color: Color, lang: Lang = 'zh-CN'): string {
  const label = COLOR_LABELS[checkLang(lang)][color];
  if (!label)
    throw new TypeError(`color: ${JSON.stringify(color)} is not one of green, red, yellow, blue, gold`);
  return label;
}

/**
 * What a color means, in one sentence.
 *
 * @example
 * colorMeaning('blue', 'en'); // 'Credit repaired: settled or performed voluntarily during enforcement'
 */
export function colorMeaning(color: Color, lang: Lang = 'zh-CN'): string {
  const text = MEANINGS[checkLang(lang)][color];
  if (!text)
    throw new TypeError(`color: ${JSON.stringify(color)} is not one of green, red, yellow, blue, gold`);
  return text;
}

/**
 * The display name of an identifier type; a type it does not know is returned as it is.
 *
 * @example
 * idTypeLabel('PASSPORT'); // '护照'
 * idTypeLabel('PASSPORT', 'en'); // 'Passport'
 */
export function idTypeLabel(idType: IdType | (string & {}), lang: Lang = 'zh-CN'): string {
  const labels: Readonly<Record<string, string>> = ID_TYPE_LABELS[checkLang(lang)];
  return Object.hasOwn(labels, idType) ? (labels[idType] as string) : idType;
}
