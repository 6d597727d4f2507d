import type { Color, Lang } from './types.js';

const LABELS: Record<Lang, Record<Color, string>> = {
  'zh-CN': { green: '绿码', red: '红码', yellow: '黄码', blue: '蓝码', gold: '金码' },
  en: { green: 'Green code', red: 'Red code', yellow: 'Yellow code', blue: 'Blue code', gold: 'Gold code' },
};

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

const checkLang = (lang: string): Lang => {
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
  const label = LABELS[checkLang(lang)][color];
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
